"""What the diffusion tabs share: the model and encoder from the registry, prompt checking."""

from __future__ import annotations

import gradio as gr

from gendemo.app.i18n import tr
from gendemo.app.ui.common import model
from gendemo.diffusion.text import translate_prompt

MAX_PROMPT_CHARS = 300  # the encoder reads 256 word pieces at most; a few sentences is plenty for a digit
DIFFUSION_GROUP = "diffusion"  # slow diffusion events queue here, one at a time, so the quick tabs stay quick


def diffusion_model(lang):
    return model("diffusion", lang)


def encoder(lang):
    return model("text_encoder", lang)


def check_prompt(prompt, lang) -> tuple[str, list[str]]:
    """(prompt as it will be encoded, notes for the learner).
    Long prompts are cut, Chinese goes through the glossary."""
    notes = []
    if prompt is None:
        prompt = ""
    if not isinstance(prompt, str):
        raise gr.Error(tr("diff.err.prompt_type", lang, value=type(prompt).__name__))
    prompt = " ".join(prompt.split())
    if len(prompt) > MAX_PROMPT_CHARS:
        prompt = prompt[:MAX_PROMPT_CHARS]
        notes.append(tr("diff.note.cut", lang, n=MAX_PROMPT_CHARS))
    english, translated = translate_prompt(prompt)
    if translated:
        notes.append(
            tr("diff.note.translated", lang, zh=prompt, en=english)
            if english
            else tr("diff.note.untranslatable", lang, zh=prompt)
        )
    elif not prompt:
        notes.append(tr("diff.note.empty", lang))
    return english, notes


STRINGS = {
    "en": {
        "diff.err.prompt_type": "The prompt must be text, not {value}.",
        "diff.note.cut": "The prompt was cut to its first {n} characters.",
        "diff.note.translated": (
            "The text encoder reads English, so “{zh}” was translated word by word to “{en}” before encoding."
        ),
        "diff.note.untranslatable": (
            "The text encoder reads English and none of the words in “{zh}” are in the small Chinese glossary (digits, "
            "colours, thick/thin/slanted), so the model drew without a prompt."
        ),
        "diff.note.empty": "Empty prompt: the model draws unconditionally (the learned “no prompt” embedding).",
    },
    "zh-CN": {
        "diff.err.prompt_type": "提示词必须是文本，而不是 {value}。",
        "diff.note.cut": "提示词太长，只保留了前 {n} 个字符。",
        "diff.note.translated": "文本编码器只读英文，所以“{zh}”先按词翻译成了 “{en}” 再编码。",
        "diff.note.untranslatable": (
            "文本编码器只读英文，而“{zh}”里没有一个词在小词表里（数字、颜色、粗/细/倾斜），"
            "所以模型在没有提示词的情况下生成。"
        ),
        "diff.note.empty": "提示词为空：模型无条件生成（使用学到的“无提示”嵌入）。",
    },
}
