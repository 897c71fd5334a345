"""What the diffusion tabs share: the model and encoder from the registry, prompt checking."""

from __future__ import annotations

import gradio as gr

from gendemo.app.i18n import tr
from gendemo.app.ui.common import model
from gendemo.diffusion.text import plain_digits, prepare_prompt

MAX_PROMPT_CHARS = 300  # the encoder reads 256 word pieces at most; a few sentences is plenty for a digit
DIFFUSION_GROUP = "diffusion"  # slow diffusion events queue here, one at a time, so the quick tabs stay quick


def diffusion_model(lang):
    return model("diffusion", lang)


def encoder(lang):
    return model("text_encoder", lang)


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


STRINGS = {
    "en": {
        "diff.err.prompt_type": "The prompt must be text, not {value}.",
        "diff.err.prompt_long": (
            "The prompt is {n} characters long; the text encoder reads at most {max}. "
            "A few words are plenty for a digit."
        ),
        "diff.err.prompt_chars": "The prompt contains characters that are not valid text; please retype it.",
        "diff.note.translated": (
            "The text encoder reads English, so “{zh}” was translated word by word to “{en}” before encoding."
        ),
        "diff.note.untranslatable": (
            "The text encoder reads English and none of the words in “{zh}” are in the small Chinese glossary (digits, "
            "colours, thick/thin/slanted), so the model drew without a prompt."
        ),
        "diff.note.empty": "Empty prompt: the model draws unconditionally (the learned “no prompt” embedding).",
        "diff.note.colour_words": (
            "The model was trained on ten colour names, so everyday colour words were read as the nearest of them: "
            "{pairs}."
        ),
    },
    "zh-CN": {
        "diff.err.prompt_type": "提示词必须是文本，而不是 {value}。",
        "diff.err.prompt_long": "提示词有 {n} 个字符，文本编码器最多读取 {max} 个。描述一个数字，几个词就够了。",
        "diff.err.prompt_chars": "提示词里有无效的字符，请重新输入。",
        "diff.note.translated": "文本编码器只读英文，所以“{zh}”先按词翻译成了 “{en}” 再编码。",
        "diff.note.untranslatable": (
            "文本编码器只读英文，而“{zh}”里没有一个词在小词表里（数字、颜色、粗/细/倾斜），"
            "所以模型在没有提示词的情况下生成。"
        ),
        "diff.note.empty": "提示词为空：模型无条件生成（使用学到的“无提示”嵌入）。",
        "diff.note.colour_words": "模型只学过十种颜色的名字，所以日常颜色词按最接近的那一种来理解：{pairs}。",
    },
}
