"""Prompts, seeds and starting images: the chapter's fixed-seed prompt experiments (/prompt_experiment), img2img with a
noise slider (/img2img), and the enhancement use — a poor digit comes back clean."""

from __future__ import annotations

import gradio as gr

from gendemo.app.endpoints import ENDPOINTS
from gendemo.app.i18n import lang_of, tr
from gendemo.app.ui import diffusion_common as dc
from gendemo.app.ui.common import (
    ImageInput,
    SketchInput,
    example_caching,
    latest_input_wins,
    path_of,
    picture,
    pictures,
    txt,
)
from gendemo.core.images import to_pil_grid
from gendemo.core.paths import EXAMPLES
from gendemo.diffusion.captions import PALETTE, PALETTE_NAMES
from gendemo.diffusion.init_image import prepare_init
from gendemo.diffusion.judging import asked_in, read_images
from gendemo.diffusion.sampling import (
    DEFAULT_GUIDANCE,
    DEFAULT_STEPS,
    embed_prompts,
    img2img_stream,
    same_noise_batch,
)

TAB_KEY = "pr.tab"
EXPERIMENT, IMG2IMG = ENDPOINTS["prompt_experiment"], ENDPOINTS["img2img"]
MAX_VARIANTS = 8

STRINGS = {
    "en": {
        "pr.tab": "Prompts, seeds & img2img",
        "pr.exp_tab": "Same seed, different words",
        "pr.exp_intro": (
            "The chapter's author fixed the random seed in DreamStudio and only reordered the words “ornate green "
            "vase”, then only swapped the colour. Here you can repeat that experiment with our digit model: every "
            "picture below starts from the *same* noise, so whatever differs comes from the prompt alone. Under each "
            "picture is the cosine similarity between that prompt's sentence embedding and the first prompt's: prompts "
            "that land close together in embedding space tend to give similar digits.\n\n"
            "**Try this:** “a thick slanted red seven” with *reorder the words*, then with *swap the colour*."
        ),
        "pr.prompt": "Prompt",
        "pr.mode": "Experiment",
        "pr.mode_permute": "reorder the words",
        "pr.mode_colour": "swap the colour word",
        "pr.exp_button": "Run the experiment",
        "pr.exp_gallery": "One seed, several prompts",
        "pr.exp_table": "| # | prompt | cosine similarity to #1 | the judge reads |\n|---|---|---|---|\n{rows}",
        "pr.same_order": (
            "**All {n} orders give practically the same digit, and that is expected here:** every reordering has a "
            "cosine of at least {min} to the first prompt, and the judge reads the same digit and colour in each "
            "picture. The sentence encoder reads these word orders as nearly the same sentence, so from the same "
            "noise the model draws nearly the same digit. Word order matters only where it changes the meaning "
            "(which word a colour belongs to); try *swap the colour word* to see a change the encoder does notice."
        ),
        "pr.diff_order": (
            "Word order changed what the judge reads (digit or colour) in {k} of the other {n} pictures compared with "
            "#1, although every reordering has a cosine of at least {min} to the first prompt: a small move in "
            "embedding space can still tip the model into drawing something else."
        ),
        "pr.err.no_colour": "To swap the colour, the prompt needs one of these colour words: {colours}.",
        "pr.err.words": "To reorder words the prompt needs at least two different words.",
        "pr.i2i_tab": "Start from your own image (img2img)",
        "pr.i2i_intro": (
            "Instead of pure noise, the reverse process can start from *your* picture with some noise added. "
            "**Strength** is the share of the noise schedule applied first: 0 gives your image back untouched, 1 "
            "drowns it completely (the same as generating from scratch), and in between the model keeps the rough "
            "shape and redraws the rest to fit the prompt. DreamStudio's slider in the chapter runs the other way "
            "round — its percentage is how much of the image is *kept* — so its 33 % corresponds to a strength of "
            "about 0.67 here.\n\n"
            "**Try this:** draw a digit, ask for it in red, and move the strength from 0.2 to 0.9."
        ),
        "pr.i2i_examples": (
            "**The same trick cleans images.** The first example takes a blurry, speckled, low-resolution 4, noises "
            "it lightly (strength 0.35) and has **DDPM** redraw it with a matching prompt. Four 4s of the same shape "
            "come back with nearly all the speckle gone and sharper edges — though soft and light grey rather than "
            "pen-white: a low strength keeps some of the blur's dimness. The model does not repair pixels; it "
            "redraws a digit close to the one it was given. DDPM takes all 350 steps from t = 350 down, one network "
            "pass each, so this example takes longer than the others (the bar over the pictures counts the steps). "
            "The last example redraws the same 4 with **DDIM** at 0.5 in 13 steps: more of its strokes come back "
            "broken, with more loose specks. DDIM follows one fixed path down from the noised picture, while DDPM "
            "adds fresh noise at every step and so re-decides the fine strokes hundreds of times.\n\n"
            "**Colour is the last thing noise hides.** Noise drowns fine detail first and the picture's overall "
            "colour last, so at strength 0.5 the model still sees your colour and keeps it, even when the prompt "
            "names another. Here a prompt's colour usually wins from a strength of about 0.8, where most of the shape "
            "is redrawn too."
        ),
        "pr.draw": "Draw a digit",
        "pr.upload": "…or upload an image (any size or format)",
        "pr.i2i_prompt": "Prompt for the redrawing",
        "pr.strength": "Strength (share of the noise schedule applied)",
        "pr.n": "Variations",
        "pr.sampler": "Sampler",
        "pr.sampler_info": "DDPM walks every step from t = strength × 1,000 down, with fresh noise; the others ≤ 25",
        "pr.exp_sampler": "Sampler",
        "pr.exp_sampler_info": "DDPM walks all 1,000 steps, the same fresh noise for every prompt: 40 times the work",
        "pr.h_image": "Image",
        "pr.h_strength": "Strength",
        "pr.unit": "steps",
        "pr.exp_progress": "{p} prompts, {sampler}",
        "pr.i2i_progress": "Redrawing {n} with {sampler}",
        "pr.i2i_button": "Redraw",
        "pr.seen": "Your image as the model takes it (28×28)",
        "pr.start": "After adding noise (where the reverse process starts)",
        "pr.i2i_result": "Redrawn",
        "pr.i2i_judged": (
            "Each redrawing as the judge reads it: digit (confidence) · colour (closeness); ✓/✗ against the prompt"
        ),
        "pr.i2i_status": (
            "Strength {s:.2f}: noised to step t = {t} of {T}, then {k} {sampler} steps back to t = 0 (DreamStudio "
            "would call this {keep:.0f} % image)."
        ),
        "pr.err.no_image": "Please draw a digit or upload an image for img2img.",
        "pr.kept_colour": (
            "The prompt asks for {want}, but {k} of {n} redrawings came out {got}: your picture is {orig}, and at "
            "strength {s:.2f} the noised picture still shows its overall colour, so the model keeps it or mixes it "
            "with the prompt's. Raise the strength (about 0.8) for the prompt's colour to win — more of the shape is "
            "redrawn then too."
        ),
    },
    "zh-CN": {
        "pr.tab": "提示词、种子与图生图",
        "pr.exp_tab": "同一个种子，不同的措辞",
        "pr.exp_intro": (
            "本章作者在 DreamStudio 里固定了随机种子，只调换“华丽的、绿色的、花瓶”这几个词的顺序，然后又只替换颜色词。"
            "你可以在这里用我们的数字模型重做这个实验：下面每张图都从*同一份*噪声出发，所以差别只来自提示词。"
            "每张图下面标出该提示词的句子嵌入与第一个提示词的余弦相似度："
            "在嵌入空间中靠得近的提示词，往往生成相似的数字。\n\n"
            "**试一试**：输入 “a thick slanted red seven”，先选*调换词序*，再选*替换颜色*。"
        ),
        "pr.prompt": "提示词",
        "pr.mode": "实验",
        "pr.mode_permute": "调换词序",
        "pr.mode_colour": "替换颜色词",
        "pr.exp_button": "运行实验",
        "pr.exp_gallery": "一个种子，多个提示词",
        "pr.exp_table": "| # | 提示词 | 与 #1 的余弦相似度 | 评判器读到的 |\n|---|---|---|---|\n{rows}",
        "pr.same_order": (
            "**{n} 种词序画出的数字几乎一模一样，这在这里是预料之中的**：每种词序与第一个提示词的余弦相似度都不低于 "
            "{min}，评判器在每张图里读到的数字和颜色也都相同。句子编码器把这些词序读成几乎同一句话，"
            "所以从同一份噪声出发，模型画出的也几乎是同一个数字。只有当词序改变了意思（颜色词修饰的是哪个词）时，"
            "词序才会起作用；试试*替换颜色词*，看看编码器确实会注意到的变化。"
        ),
        "pr.diff_order": (
            "调换词序后，其余 {n} 张图中有 {k} 张评判器读到的数字或颜色与 #1 不同，"
            "尽管每种词序与第一个提示词的余弦相似度都不低于 {min}：嵌入空间里的一小步，也可能让模型画出别的东西。"
        ),
        "pr.err.no_colour": "要替换颜色，提示词里需要包含以下颜色词之一：{colours}。",
        "pr.err.words": "要调换词序，提示词至少需要两个不同的词。",
        "pr.i2i_tab": "从你自己的图片出发（图生图）",
        "pr.i2i_intro": (
            "反向过程不一定从纯噪声开始，也可以从*你的*图片加上一些噪声开始。**强度**表示先施加噪声调度的多大比例："
            "0 原样返回你的图片，1 把它完全淹没（等于从零生成），介于两者之间时，模型保留大致形状，"
            "再按提示词重画其余部分。本章中 DreamStudio 的滑块方向正好相反——它的百分比表示*保留*多少原图——"
            "所以那里的 33% 大约相当于这里的强度 0.67。\n\n"
            "**试一试**：画一个数字，提示词要求红色，把强度从 0.2 逐步调到 0.9。"
        ),
        "pr.i2i_examples": (
            "**同样的办法还能修复图片**。第一个示例拿一个模糊、满是噪点、分辨率很低的 4，稍加噪声（强度 0.35），"
            "再用 **DDPM** 配上相符的提示词重画。回来的是四个形状相同的 4：噪点几乎都没有了，边缘也更清楚——"
            "不过仍然柔和、偏浅灰，而不是纯白的笔迹：强度低时，原图模糊的暗淡会保留一部分。模型并不是在修补像素，"
            "而是重新画一个与原图接近的数字。DDPM 要从 t = 350 起走完全部 350 步，每步运行一次网络，"
            "所以这个示例比其他示例慢（图上的进度条会显示走到了第几步）。最后一个示例用 **DDIM** 在强度 0.5 下"
            "以 13 步重画同一个 4：断开的笔画和零散的噪点都更多。DDIM 从加噪后的图片出发只走一条固定的路径，"
            "而 DDPM 每一步都加入新的噪声，细小的笔画因此被重新决定了几百次。\n\n"
            "**颜色是噪声最后才盖住的东西**。噪声先淹没细节，最后才淹没整张图的总体颜色，"
            "所以在强度 0.5 时模型仍然看得到你的颜色并保留它，即使提示词说的是另一种颜色。"
            "在这里，提示词中的颜色通常要到强度 0.8 左右才会胜出，而那时大部分形状也被重画了。"
        ),
        "pr.draw": "画一个数字",
        "pr.upload": "……或上传一张图片（任意尺寸和格式）",
        "pr.i2i_prompt": "重画时使用的提示词",
        "pr.strength": "强度（施加噪声调度的比例）",
        "pr.n": "变体数量",
        "pr.sampler": "采样器",
        "pr.sampler_info": "DDPM 从 t = 强度 × 1000 起逐步往回走，每步加入新的噪声；其他采样器最多 25 步",
        "pr.exp_sampler": "采样器",
        "pr.exp_sampler_info": "DDPM 走完全部 1000 步，每一步给所有提示词加入相同的新噪声：工作量是 40 倍",
        "pr.h_image": "图片",
        "pr.h_strength": "强度",
        "pr.unit": "步",
        "pr.exp_progress": "{p} 个提示词，{sampler}",
        "pr.i2i_progress": "正在用 {sampler} 重画 {n} 张",
        "pr.i2i_button": "重画",
        "pr.seen": "模型接收到的图像（28×28）",
        "pr.start": "加噪之后（反向过程的起点）",
        "pr.i2i_result": "重画结果",
        "pr.i2i_judged": "评判器对每张重画结果的读数：数字（置信度）· 颜色（接近程度）；✓/✗ 表示是否符合提示词",
        "pr.i2i_status": (
            "强度 {s:.2f}：先加噪到第 t = {t} 步（共 {T} 步），再用 {k} 步 {sampler} 回到 t = 0（在 DreamStudio "
            "里相当于保留 {keep:.0f}% 原图）。"
        ),
        "pr.err.no_image": "请先画一个数字或上传一张图片，才能进行图生图。",
        "pr.kept_colour": (
            "提示词要求{want}，但 {n} 张重画结果中有 {k} 张是{got}：你的图片是{orig}，在强度 {s:.2f} 下，"
            "加噪后的图片仍然露出它的总体颜色，模型便保留它，或把它和提示词的颜色混在一起。把强度调高（约 0.8），"
            "提示词的颜色才会胜出——不过那时更多的形状也会被重画。"
        ),
    },
}


# ---------------------------------------------------------------- fixed-seed prompt experiments


def distinct_orderings(words: list[str], k: int) -> list[str]:
    """The prompt as written, then the next distinct orderings of its words in lexicographic order (wrapping round),
    at most k. Repeated words cost nothing: each step is one next-permutation, never a walk through k! orderings."""
    order = {w: i for i, w in enumerate(sorted(set(words)))}
    seq = [order[w] for w in words]
    names = sorted(set(words))
    out, start = [], list(seq)
    while len(out) < k:
        out.append(" ".join(names[i] for i in seq))
        seq = next_permutation(seq)
        if seq == start:  # every distinct ordering seen
            break
    return out


def next_permutation(seq: list[int]) -> list[int]:
    """The next ordering in lexicographic order; after the last one, the first (sorted)."""
    s = list(seq)
    i = len(s) - 2
    while i >= 0 and s[i] >= s[i + 1]:
        i -= 1
    if i < 0:
        return sorted(s)
    j = len(s) - 1
    while s[j] <= s[i]:
        j -= 1
    s[i], s[j] = s[j], s[i]
    s[i + 1 :] = reversed(s[i + 1 :])
    return s


def prompt_variants(prompt: str, mode: str, lang: str = "en") -> list[str]:
    words = prompt.split()
    if mode == "permute":
        out = distinct_orderings(words, MAX_VARIANTS)
        if len(out) < 2:  # one word, or one word repeated: there is no other order
            raise gr.Error(tr("pr.err.words", lang))
        return out
    lower = [w.lower().strip(",.") for w in words]
    hit = next((i for i, w in enumerate(lower) if w in PALETTE), None)
    if hit is None:
        raise gr.Error(tr("pr.err.no_colour", lang, colours=", ".join(PALETTE_NAMES)))
    # the chapter's own sequence first (red, lavender, yellow, blue), then the rest of the palette
    order = ["red", "lavender", "yellow", "blue", "green", "orange", "purple", "pink", "cyan", "white"]
    order.remove(lower[hit]) if lower[hit] in order else None
    colours = [lower[hit], *order][:MAX_VARIANTS]
    return [" ".join(c if i == hit else w for i, w in enumerate(words)) for c in colours]


@EXPERIMENT.handler
def prompt_experiment(prompt, mode, seed, guidance, sampler, request: gr.Request = None, progress=gr.Progress()):
    lang = lang_of(request)
    text, notes = prompt
    variants = prompt_variants(text, mode, lang)
    dm, enc = dc.diffusion_model(lang), dc.encoder(lang)
    emb, _ = embed_prompts(dm.net, enc, variants, translate=False)  # (P, 384), unit vectors
    sims = (emb @ emb[0]).tolist()
    desc, unit = (
        tr("pr.exp_progress", lang, p=len(variants), sampler=dc.sampler_name(sampler, lang)),
        tr("pr.unit", lang),
    )
    imgs = same_noise_batch(
        dm, emb, seed=seed, guidance=guidance, sampler=sampler, on_step=lambda k, n: progress((k, n), desc, unit=unit)
    )
    judged, summary = dc.judge_outputs(imgs, variants, lang)  # each picture against its own prompt
    gallery = [
        (to_pil_grid(imgs[i : i + 1], nrow=1, scale=6, pad=0), f"{v} · cos {sims[i]:.3f} · {judged[i]}")
        for i, v in enumerate(variants)
    ]
    rows = "\n".join(f"| {i + 1} | {v} | {sims[i]:.3f} | {judged[i]} |" for i, v in enumerate(variants))
    order = [order_note(imgs, sims, lang)] if mode == "permute" else []
    return gallery, "\n\n".join([tr("pr.exp_table", lang, rows=rows), *order, summary, *notes])


# reorderings this close to the first prompt read as one sentence to the encoder ("a thick slanted red seven": 0.936)
SAME_SENTENCE_COS = 0.9


def order_note(imgs, sims, lang) -> str:
    """For "reorder the words": a sentence computed from the result. When every ordering's embedding is within
    SAME_SENTENCE_COS of the first and the judge reads the same digit and colour in every picture, it says that this
    is the expected outcome (the encoder reads them as one sentence); when the readings differ, how many."""
    readings = dc.read_images(dc.model("classifier", lang), imgs)
    first = (readings[0].digit, readings[0].colour)
    k = sum((r.digit, r.colour) != first for r in readings)
    low = f"{min(sims):.2f}"
    if k:
        return tr("pr.diff_order", lang, k=k, n=len(readings) - 1, min=low)
    if min(sims) >= SAME_SENTENCE_COS:
        return tr("pr.same_order", lang, n=len(readings), min=low)
    return ""


# ---------------------------------------------------------------- img2img


@IMG2IMG.handler
def img2img(image, drawing, prompt, strength, seed, n, sampler, request: gr.Request = None, progress=gr.Progress()):
    lang = lang_of(request)
    name = dc.sampler_name(sampler, lang)
    desc, unit = tr("pr.i2i_progress", lang, n=n, sampler=name), tr("pr.unit", lang)
    path = path_of(image) or path_of(drawing)
    if not path:
        raise gr.Error(tr("pr.err.no_image", lang))
    x = prepare_init(path)
    text, notes = prompt
    dm, enc = dc.diffusion_model(lang), dc.encoder(lang)
    T_ = dm.schedule.T
    seen = to_pil_grid(x[None], nrow=1, scale=6, pad=0)
    start, final, k = None, None, 0
    for f in img2img_stream(
        dm,
        enc,
        x,
        text,
        strength=strength,
        n=n,
        steps=DEFAULT_STEPS,
        guidance=DEFAULT_GUIDANCE,
        seed=seed,
        sampler=sampler,
        every=1,
    ):
        if start is None:  # the first frame's x_t: the noised image the reverse process starts from
            start = to_pil_grid(f.x_t[:1], nrow=1, scale=6, pad=0)
        progress((f.step, f.steps), desc, unit=unit)  # DDPM takes up to 1,000 steps: the bar says how far
        k = f.steps
        if f.done:
            final = f.x0
    judged, summary = dc.judged_gallery(final, text, lang)
    status = " ".join(
        [
            tr(
                "pr.i2i_status",
                lang,
                s=strength,
                t=int(round(strength * T_)),
                T=T_,
                k=k,
                sampler=name,
                keep=100 * (1 - strength),
            ),
            *notes,
            summary,
            kept_colour_note(x, final, text, strength, lang),
        ]
    )
    return seen, start, to_pil_grid(final, nrow=min(4, n), scale=5), status, judged


def img2img_example(image, prompt, strength, seed, n, sampler, request: gr.Request = None, progress=gr.Progress()):
    """/img2img for an example row (the upload and the settings; no drawing): what a cached example runs."""
    return img2img(image, None, prompt, strength, seed, n, sampler, request=request, progress=progress)


def kept_colour_note(x, final, text, strength, lang) -> str:
    """A sentence when redrawings missed the colour the prompt names while the starting picture has another: its
    colour showed through the noise (#12 item 13: a white 3 asked for in red came back pink); empty otherwise."""
    want = asked_in(text)[1]
    if want is None:
        return ""
    judge = dc.model("classifier", lang)
    orig = read_images(judge, x[None])[0].colour
    missed = [r.colour for r in read_images(judge, final) if r.colour != want]
    if orig == want or not missed:
        return ""
    name = lambda c: dc.colour_name(c, lang)
    got = ", ".join(name(c) for c in sorted(set(missed), key=missed.index))
    return tr(
        "pr.kept_colour", lang, want=name(want), got=got, orig=name(orig), k=len(missed), n=final.shape[0], s=strength
    )


def build():
    # two sections, one click apart: the chapter's fixed-seed experiment opens first
    with gr.Tabs(overflow_behavior="wrap", elem_id="pr-sections"):  # both names shown on a phone too
        with gr.Tab(txt("pr.exp_tab"), id="experiment", elem_id="pr-experiment"):
            _build_experiment()
        with gr.Tab(txt("pr.i2i_tab"), id="img2img", elem_id="pr-img2img"):
            _build_img2img()


def _build_experiment():
    gr.Markdown(txt("pr.exp_intro"))
    with gr.Row():
        with gr.Column(scale=1):
            e_prompt = EXPERIMENT.widget("prompt", max_lines=2, max_length=dc.MAX_PROMPT_CHARS, elem_id="pr-prompt")
            e_mode = EXPERIMENT.widget(  # the examples table shows these labels in the page's language too
                "mode",
                choices=[(txt("pr.mode_permute"), "permute"), (txt("pr.mode_colour"), "colour")],
                elem_id="pr-mode",
            )
            with gr.Row():
                e_seed = EXPERIMENT.widget("seed", elem_id="pr-seed")
                e_guid = EXPERIMENT.widget("guidance", elem_id="pr-guidance")
            e_sampler = EXPERIMENT.widget(
                "sampler", choices=dc.sampler_choices(), info=txt("pr.exp_sampler_info"), elem_id="pr-exp-sampler"
            )
            e_button = gr.Button(txt("pr.exp_button"), variant="primary", elem_id="pr-button")
        with gr.Column(scale=2):
            e_gallery = pictures("pr-gallery", 4, label=txt("pr.exp_gallery"), fit_columns=False)
            e_table = gr.Markdown(elem_id="pr-table")
    e_inputs, e_outputs = [e_prompt, e_mode, e_seed, e_guid, e_sampler], [e_gallery, e_table]
    e_examples = gr.Examples(
        [
            ["ornate red seven", "permute", 0, DEFAULT_GUIDANCE, "ddim"],
            ["ornate green seven", "colour", 0, DEFAULT_GUIDANCE, "ddim"],
            ["a thick slanted red seven", "colour", 5, DEFAULT_GUIDANCE, "dpmpp2m"],
            ["thin blue two", "permute", 2, DEFAULT_GUIDANCE, "ddim"],
        ],
        inputs=e_inputs,
        outputs=e_outputs,
        fn=prompt_experiment,
        **example_caching(),
        api_visibility="private",
        elem_id="pr-examples",
    )
    e_button.click(prompt_experiment, e_inputs, e_outputs, **EXPERIMENT.event())
    # after the button, which keeps its api_name: an example fills the inputs and then runs (run_on_click would
    # add a public-looking event)
    e_examples.load_input_event.then(prompt_experiment, e_inputs, e_outputs, **EXPERIMENT.event(private=True))


def _build_img2img():
    gr.Markdown(txt("pr.i2i_intro"))
    with gr.Row():  # what to start from and how to redraw it, then (below) what came back
        drawing = SketchInput(
            label=txt("pr.draw"),
            type="filepath",
            image_mode="RGBA",
            canvas_size=(280, 280),
            format="png",
            brush=gr.Brush(colors=["#000000"], default_size=18, color_mode="fixed"),
            scale=3,
            min_width=300,
            elem_id="pr-draw",
        )
        image = ImageInput(
            label=txt("pr.upload"),
            type="filepath",
            sources=["upload", "clipboard"],
            height=300,
            scale=2,
            min_width=240,
            elem_id="pr-upload",
        )
        with gr.Column(scale=4, min_width=300):
            with gr.Row():
                i_prompt = IMG2IMG.widget(
                    "prompt", max_lines=2, max_length=dc.MAX_PROMPT_CHARS, scale=3, elem_id="pr-i2i-prompt"
                )
                i_seed = IMG2IMG.widget("seed", scale=1, elem_id="pr-i2i-seed")
            with gr.Row():
                strength = IMG2IMG.widget("strength", scale=3, elem_id="pr-strength")
                i_n = IMG2IMG.widget("n", scale=2, elem_id="pr-n")
            i_sampler = IMG2IMG.widget(
                "sampler", choices=dc.sampler_choices(), info=txt("pr.sampler_info"), elem_id="pr-sampler"
            )
            i_button = gr.Button(txt("pr.i2i_button"), variant="primary", elem_id="pr-i2i-button")
    with gr.Row():
        seen = picture(txt("pr.seen"), "pr-seen", height=240, scale=1, min_width=160)
        start = picture(txt("pr.start"), "pr-start", height=240, scale=1, min_width=160)
        result = picture(txt("pr.i2i_result"), "pr-result", height=240, scale=2, min_width=300)
    with gr.Row():
        with gr.Column(scale=1):
            i_status = gr.Markdown(elem_id="pr-i2i-status")
            gr.Markdown(txt("pr.i2i_judged"))  # beside the digits, not as a label over them
        i_judged = pictures("pr-i2i-judged", 4, scale=1, fit_columns=False)  # one digit is not blown up to 4
    latest_input_wins(drawing, image)  # a new drawing replaces an uploaded picture
    i_inputs = [image, drawing, i_prompt, strength, i_seed, i_n, i_sampler]
    i_outputs = [seen, start, result, i_status, i_judged]
    gr.Markdown(txt("pr.i2i_examples"), elem_id="pr-i2i-examples-text")
    # the examples fill the upload, not the sketchpad (a column that was always empty); short column titles, so the
    # table fits its width and the sampler each row uses can be read
    i_examples = gr.Examples(
        [
            [str(EXAMPLES / "blurry_4.png"), "a white four", 0.35, 0, 4, "ddpm"],
            [str(EXAMPLES / "digit_7.png"), "a thick purple seven", 0.8, 1, 4, "ddim"],
            [str(EXAMPLES / "digit_3_photo.png"), "an orange eight", 0.8, 2, 4, "ddim"],
            [str(EXAMPLES / "blurry_4.png"), "a white four", 0.5, 0, 4, "ddim"],
        ],
        inputs=[image, i_prompt, strength, i_seed, i_n, i_sampler],
        outputs=i_outputs,
        fn=img2img_example,
        **example_caching(),
        api_visibility="private",
        elem_id="pr-i2i-examples",
    )
    i_examples.dataset.headers = [
        txt("pr.h_image"),
        txt("pr.prompt"),
        txt("pr.h_strength"),
        txt("common.seed"),
        txt("pr.n"),
        txt("pr.sampler"),
    ]
    i_button.click(img2img, i_inputs, i_outputs, **IMG2IMG.event())
    i_examples.load_input_event.then(img2img, i_inputs, i_outputs, **IMG2IMG.event(private=True))
