"""What the diffusion tabs share: the model and encoder from the registry, prompt checking."""

from __future__ import annotations

from gendemo.app.endpoints import SAMPLERS, SOLVERS
from gendemo.app.i18n import tr
from gendemo.app.prompt import MAX_PROMPT_CHARS, Prompt, check_prompt  # noqa: F401  (the tabs read them here)
from gendemo.app.ui.common import model, txt
from gendemo.core.images import to_pil_grid
from gendemo.diffusion.captions import PALETTE_NAMES
from gendemo.diffusion.judging import asked_in, read_images


def diffusion_model(lang):
    return model("diffusion", lang)


def distilled_model(lang):
    return model("diffusion_distilled", lang)


def handover_model(lang):
    """The diffusion model for the noisy steps, its distilled copy after them (gendemo/diffusion/handover.py)."""
    from gendemo.diffusion.handover import handover_of

    return handover_of(diffusion_model(lang), distilled_model(lang))


def encoder(lang):
    return model("text_encoder", lang)


# ---- sampler names: one table for every label and sentence that names a sampler, in both languages (the Diffusion,
# Inside and Prompts tabs): the learner reads "DPM-Solver++ 2M", never the API's id "dpmpp2m". The algorithms' names
# are proper names, the same in both languages; the comparison's run on the distilled network is described, so it is
# translated (diff.sampler.dpmpp2m_distilled).
SAMPLER_NAMES = {"ddpm": "DDPM", "ddim": "DDIM", "dpmpp2m": "DPM-Solver++ 2M"}
SAMPLER_IDS = tuple(dict.fromkeys((*SAMPLERS, *SOLVERS)))  # ddim, dpmpp2m, ddpm and the comparison's distilled run
assert set(SAMPLER_IDS) == {*SAMPLER_NAMES, "dpmpp2m_distilled"}, SAMPLER_IDS  # a new sampler needs its name here


def sampler_name(sampler: str, lang: str) -> str:
    """'dpmpp2m' → 'DPM-Solver++ 2M' (the solver comparison's 'dpmpp2m_distilled' too, in `lang`); any other value as
    it came."""
    if sampler in SAMPLER_NAMES:
        return SAMPLER_NAMES[sampler]
    return tr(f"diff.sampler.{sampler}", lang) if sampler in SAMPLER_IDS else str(sampler)


def sampler_choices(samplers=SAMPLERS) -> list[tuple]:
    """(label, id) for a Radio, Dropdown or CheckboxGroup of samplers: the name, or a label the browser translates."""
    return [(SAMPLER_NAMES[s] if s in SAMPLER_NAMES else txt(f"diff.sampler.{s}"), s) for s in samplers]


# ---- judged outputs: what the classifier reads in each generated digit, against what the prompt asked
LINES = "{d} ({p}){dm}\n{colour} ({cos}){cm}"  # a judged digit's caption under it, in numbers and the colour's name


def colour_name(index: int, lang: str) -> str:
    return tr(f"diff.colour.{PALETTE_NAMES[index]}", lang)


def judge_outputs(images, texts, lang, lines: bool = False) -> tuple[list[str], str]:
    """(a caption per image, a summary sentence) for (B, 3, 28, 28) generated images; texts is the encoded prompt of
    each image (or one for all). The digit is the classifier's reading with its probability, the colour the palette
    colour nearest the strokes' mean colour with its cosine (1 = exactly that hue) — as evaluate.py judges. A caption
    is one line ("reads 7 (97%) ✓ · red (1.00) ✓", for tables and longer captions), or with `lines` two short ones
    under a digit in a gallery, "7 (97%) ✓" and "red (1.00) ✓" (the one line wrapped to four under a narrow digit,
    with a mark alone on the last)."""
    readings = read_images(model("classifier", lang), images)
    texts = [texts] * len(readings) if isinstance(texts, str) else list(texts)
    caps, ok, d_ok, nd, c_ok, nc = [], 0, 0, 0, 0, 0
    gap = "\u00a0" if lines else " "  # under a digit, a mark never goes to a line of its own
    for r, text in zip(readings, texts):
        want_d, want_c = asked_in(text)
        mark = lambda want, got: "" if want is None else gap + ("✓" if want == got else "✗")
        said = {
            "d": r.digit,
            "p": f"{r.digit_p:.0%}",
            "dm": mark(want_d, r.digit),
            "colour": colour_name(r.colour, lang),
            "cos": f"{r.colour_cos:.2f}",
            "cm": mark(want_c, r.colour),
        }
        caps.append(LINES.format(**said) if lines else tr("diff.judge.caption", lang, **said))
        nd, d_ok = nd + (want_d is not None), d_ok + (want_d is not None and want_d == r.digit)
        nc, c_ok = nc + (want_c is not None), c_ok + (want_c is not None and want_c == r.colour)
        ok += (want_d is None or want_d == r.digit) and (want_c is None or want_c == r.colour)
    if not nd and not nc:
        summary = tr("diff.judge.free", lang, digits=", ".join(str(r.digit) for r in readings))
    else:
        key = "diff.judge.summary_" + ("d" if nd else "") + ("c" if nc else "")
        summary = tr(key, lang, ok=ok, n=len(readings), d_ok=d_ok, nd=nd, c_ok=c_ok, nc=nc)
    return caps, summary


def judged_gallery(images, texts, lang) -> tuple[list, str]:
    """(gallery value: each digit enlarged with its judged caption in two lines, summary sentence)."""
    caps, summary = judge_outputs(images, texts, lang, lines=True)
    return [(to_pil_grid(images[i : i + 1], nrow=1, scale=4, pad=0), c) for i, c in enumerate(caps)], summary


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
        "diff.judge.caption": "reads {d} ({p}){dm} · {colour} ({cos}){cm}",
        "diff.judge.summary_dc": (
            "Judged: **{ok} of {n}** match the prompt (the digit in {d_ok} of {nd}, the colour in {c_ok} of {nc})."
        ),
        "diff.judge.summary_d": "Judged: **{ok} of {n}** match the prompt (the digit in {d_ok} of {nd}).",
        "diff.judge.summary_c": "Judged: **{ok} of {n}** match the prompt (the colour in {c_ok} of {nc}).",
        "diff.judge.free": (
            "The prompt names no digit or colour, so there is nothing to match; the classifier reads {digits}."
        ),
        "diff.sampler.dpmpp2m_distilled": "DPM-Solver++ 2M, distilled network",
        "diff.colour.red": "red",
        "diff.colour.orange": "orange",
        "diff.colour.yellow": "yellow",
        "diff.colour.green": "green",
        "diff.colour.cyan": "cyan",
        "diff.colour.blue": "blue",
        "diff.colour.purple": "purple",
        "diff.colour.pink": "pink",
        "diff.colour.lavender": "lavender",
        "diff.colour.white": "white",
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
        "diff.judge.caption": "识别为 {d}（{p}）{dm} · {colour}（{cos}）{cm}",
        "diff.judge.summary_dc": (
            "评判：**{n} 张中有 {ok} 张**符合提示词（数字对了 {d_ok}/{nd}，颜色对了 {c_ok}/{nc}）。"
        ),
        "diff.judge.summary_d": "评判：**{n} 张中有 {ok} 张**符合提示词（数字对了 {d_ok}/{nd}）。",
        "diff.judge.summary_c": "评判：**{n} 张中有 {ok} 张**符合提示词（颜色对了 {c_ok}/{nc}）。",
        "diff.judge.free": "提示词没有指定数字或颜色，所以无从比对；分类器读出的数字是 {digits}。",
        "diff.sampler.dpmpp2m_distilled": "DPM-Solver++ 2M（蒸馏网络）",
        "diff.colour.red": "红色",
        "diff.colour.orange": "橙色",
        "diff.colour.yellow": "黄色",
        "diff.colour.green": "绿色",
        "diff.colour.cyan": "青色",
        "diff.colour.blue": "蓝色",
        "diff.colour.purple": "紫色",
        "diff.colour.pink": "粉色",
        "diff.colour.lavender": "淡紫色",
        "diff.colour.white": "白色",
    },
}
