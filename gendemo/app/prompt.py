"""A prompt as the diffusion endpoints take it: checked once (gendemo/app/endpoint.py, kind "prompt") and handed to the
handler as the text the encoder will read and the notes the learner should see."""

from __future__ import annotations

from typing import NamedTuple

import gradio as gr

from gendemo.app.i18n import tr
from gendemo.diffusion.text import plain_digits, prepare_prompt

MAX_PROMPT_CHARS = 300  # the encoder reads 256 word pieces at most; a few sentences is plenty for a digit


class Prompt(NamedTuple):
    """A prompt as a handler receives it from its endpoint's checks (gendemo/app/endpoint.py, kind "prompt")."""

    text: str  # as it will be encoded: whitespace folded, digits in other scripts plain, Chinese translated
    notes: list[str]  # what the learner should know about it (translated, a colour word mapped), in their language


def check_prompt(prompt, lang) -> tuple[str, list[str]]:
    """(prompt as it will be encoded, notes for the learner). A prompt that is not text, holds characters that are not
    text (a lone surrogate), or is longer than the encoder could use is refused with a sentence, never cut silently;
    digits written in other scripts (⑦, ٧, 𝟕) become 7; Chinese goes through the glossary; colour words the model was
    not trained on become their nearest palette colour (crimson → red), and a note says which."""
    notes = []
    if prompt is None:
        prompt = ""
    if not isinstance(prompt, str):
        raise gr.Error(tr("diff.err.prompt_type", lang, value=type(prompt).__name__))
    if len(prompt) > MAX_PROMPT_CHARS * 4:  # checked before any work on it: a megabyte of text is refused at once
        raise gr.Error(tr("diff.err.prompt_long", lang, n=len(prompt), max=MAX_PROMPT_CHARS))
    try:
        prompt.encode("utf-8")
    except UnicodeEncodeError:
        raise gr.Error(tr("diff.err.prompt_chars", lang)) from None
    prompt = plain_digits(" ".join(prompt.split()))
    if len(prompt) > MAX_PROMPT_CHARS:
        raise gr.Error(tr("diff.err.prompt_long", lang, n=len(prompt), max=MAX_PROMPT_CHARS))
    prepared = prepare_prompt(prompt)
    english, translated = prepared.text, prepared.translated
    if translated:
        notes.append(
            tr("diff.note.translated", lang, zh=prompt, en=english)
            if english
            else tr("diff.note.untranslatable", lang, zh=prompt)
        )
    elif not prompt:
        notes.append(tr("diff.note.empty", lang))
    if prepared.colour_words:
        pairs = ", ".join(f"{words} → {palette}" for words, palette in prepared.colour_words)
        notes.append(tr("diff.note.colour_words", lang, pairs=pairs))
    return english, notes
