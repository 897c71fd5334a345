"""Prompts, seeds and starting images: the chapter's fixed-seed prompt experiments (/prompt_experiment), img2img with a
noise slider (/img2img), and the enhancement use — a poor digit comes back clean."""

from __future__ import annotations

import gradio as gr

from gendemo.app.endpoints import ENDPOINTS
from gendemo.app.i18n import lang_of, tr
from gendemo.app.ui import diffusion_common as dc
from gendemo.app.ui import predict
from gendemo.app.ui.common import (
    ImageInput,
    SketchInput,
    example_caching,
    guarded,
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
            "The chapter's author fixed the random seed in DreamStudio and only reordered the words “ornate”, “green” "
            "and “vase” (figure 6-11): three vases came out alike, and the fourth, from the grammatical “ornate green "
            "vase”, quite different. Then, from that prompt and the same seed, he only swapped the colour word "
            "(figure 6-12). Here you can repeat both with our digit model: every picture below starts from the *same* "
            "noise, so whatever differs comes from the prompt alone. Under each picture is the cosine similarity "
            "between that prompt's sentence embedding and the first prompt's.\n\n"
            "**Try this:** “ornate green seven” at seed 91 with *reorder the words*: five orders draw much the same 7, "
            "and the grammatical one draws something else. Then *swap the colour word*, same prompt, same seed."
        ),
        "pr.prompt": "Prompt",
        "pr.mode": "Experiment",
        "pr.mode_permute": "reorder the words",
        "pr.mode_colour": "swap the colour word",
        "pr.exp_button": "Run the experiment",
        "pr.exp_gallery": "One seed, several prompts",
        "pr.exp_table": "| # | prompt | cosine similarity to #1 | the judge reads |\n|---|---|---|---|\n{rows}",
        "pr.same_order": (
            "**All {n} orders give a digit the judge reads alike** (the same digit and colour), each order's cosine to "
            "the first prompt being at least {min}. That is this prompt and seed, not a rule: in the chapter the "
            "fourth "
            "order drew a quite different vase, and our model too draws something else for some orders of other "
            "prompts and seeds (try “ornate green seven” at seed 91). The judge reads only digit and colour: compare "
            "the shapes by eye as well."
        ),
        "pr.diff_order": (
            "**Word order changed the picture:** {k} of the {n} orders give what the judge reads differently from the "
            "rest ({majority}): {which}."
        ),
        "pr.odd_item": "#{i} “{prompt}” ({reading}, cosine {cos:.3f})",
        "pr.emb_note": (
            "Each prompt reaches the model as a text embedding, a point in a space of meaning: {n} numbers, for #1 "
            "{first}, … The cosine measures the angle between two of them."
        ),
        "pr.cos_note": (
            "**What the cosines explain, and what they do not.** The chapter explains its odd vase by where the "
            "prompts land in the text-embedding space. The numbers agree in the large: swapping the colour word moves "
            "a prompt much further (for “ornate green seven”, cosines 0.73–0.84) than reordering its words "
            "(0.97–0.99), and it changes the digit's shape more. They do not pick out which order draws something "
            "else: at seed 91 the odd one is #1 itself, while orders with a lower cosine to it draw the same 7 as the "
            "rest. One number summing up a 384-dimensional embedding cannot say how the network reacts to a difference."
        ),
        "pr.err.no_colour": "To swap the colour, the prompt needs one of these colour words: {colours}.",
        "pr.err.words": "To reorder words the prompt needs at least two different words.",
        "pr.i2i_tab": "Start from your own image (img2img)",
        "pr.i2i_intro": (
            "Instead of pure noise, the reverse process can start from *your* picture with some noise added. "
            "**Strength** is the share of the noise schedule applied first: 0 gives your image back untouched, 1 "
            "drowns it completely (the same as generating from scratch), and in between the model keeps the rough "
            "shape and redraws the rest to fit the prompt.\n\n"
            "**The chapter's percentages, read one way throughout.** The chapter gives each run as a share of noise: "
            "33 % for the Mona Lisa (figure 6-9), 25 % for the enlarged photo (figure 6-13), about 12 % for the bird "
            "(figure 6-14). Here each is that strength: 0.33, 0.25 and 0.12. The chapter also says DreamStudio's "
            "slider runs the other way (0 % pure noise, 100 % no noise added); read as that slider's setting, 33 % "
            "would be a strength of 0.67. We do not read it so: a result “very close” to the original at 25 %, and "
            "“some noise (about 12 %)”, fit only the share of noise.\n\n"
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
        "pr.fix_h": "The conventional fix beside the redraw (figures 6-13 and 6-14)",
        "pr.fix_intro": (
            "The chapter compares the diffusion redraw with what ordinary image processing does. Figure 6-13: a "
            "small photo enlarged three times by bicubic interpolation, beside the redraw of the small photo with 25 % "
            "noise. Figure 6-14: a smoky photo, the best the author got from an image editor, and the redraw of that "
            "middle picture with about 12 % noise. Here, for the picture above (upload or drawing) and its prompt: "
            "**top row** — the picture cut to a third of its resolution (10×10, shown enlarged), the bicubic "
            "enlargement, and the redraw of that enlargement at strength 0.25; **bottom row** — the picture as it "
            "is, a median filter and an unsharp mask (the usual editor steps), and the redraw of that middle picture "
            "at strength 0.12 (the chapter's percentages read as strength, as above). DDIM, one redraw each."
        ),
        "pr.fix_button": "Compare with the conventional fix",
        "pr.fix_out": "Top: low resolution · bicubic ×2.8 · redraw at 0.25 — bottom: as given · median + unsharp · "
        "redraw at 0.12",
        "pr.fix_read": (
            "The judge reads — top: bicubic {b}, redraw {r13}; bottom: median + unsharp {m}, redraw {r14}. The "
            "conventional fixes only rework the pixels that are there. The redraw draws a new digit from a lightly "
            "noised copy, so it can keep only what that copy still shows: from a clear enough start it comes back "
            "cleaner, as the chapter's bird did (not a miracle, not the original); from too little (a 10×10 copy "
            "may be too little) it guesses."
        ),
        "pr.fix_item": "{d} ({p:.0f} %)",
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
            "Strength {s:.2f}: noised to step t = {t} of {T}, then {k} {sampler} steps back to t = 0 (in the "
            "chapter's words, {noise:.0f} % noise)."
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
            "本章作者在 DreamStudio 里固定了随机种子，只调换 ornate（华丽的）、green（绿色的）、vase（花瓶）"
            "这几个词的顺序"
            "（图 6-11）：三个花瓶彼此相似，第四个，也就是合乎语法的 ornate green vase，却大不相同。随后他用这个提示词"
            "和同一个种子，只替换颜色词（图 6-12）。你可以在这里用我们的数字模型重做这两个实验：下面每张图都从*同一份*"
            "噪声出发，所以差别只来自提示词。每张图下面标出该提示词的句子嵌入与第一个提示词的余弦相似度。\n\n"
            "**试一试**：输入 “ornate green seven”、种子 91，选*调换词序*：五种词序画出的 7 大体相同，"
            "合乎语法的那一种却画出了别的东西。再选*替换颜色词*，提示词和种子都不变。"
        ),
        "pr.prompt": "提示词",
        "pr.mode": "实验",
        "pr.mode_permute": "调换词序",
        "pr.mode_colour": "替换颜色词",
        "pr.exp_button": "运行实验",
        "pr.exp_gallery": "一个种子，多个提示词",
        "pr.exp_table": "| # | 提示词 | 与 #1 的余弦相似度 | 评判器读到的 |\n|---|---|---|---|\n{rows}",
        "pr.same_order": (
            "**{n} 种词序画出的数字，评判器读到的都一样**（数字和颜色都相同），"
            "每种词序与第一个提示词的余弦相似度都不低于 "
            "{min}。这只是这个提示词和种子的结果，并不是规律：本章里第四种词序画出的花瓶大不相同，"
            "我们的模型在别的提示词和种子下，也会因词序不同画出别的东西（试试 “ornate green seven”、种子 91）。"
            "评判器只读数字和颜色，形状还请用眼睛比较。"
        ),
        "pr.diff_order": "**词序改变了图片**：{n} 种词序中有 {k} 种，评判器读到的与其余的（{majority}）不同：{which}。",
        "pr.odd_item": "#{i} “{prompt}”（{reading}，余弦 {cos:.3f}）",
        "pr.emb_note": "每个提示词以文本嵌入的形式进入模型，是意义空间中的一个点：{n} 个数，#1 的是 {first}，…… "
        "余弦衡量的是其中两个向量之间的夹角。",
        "pr.cos_note": (
            "**余弦相似度能解释什么，不能解释什么。** 本章用提示词在文本嵌入空间中的位置来解释那个与众不同的花瓶。"
            "这里的数字在大方向上与此一致：替换颜色词让提示词移得远得多（“ornate green seven” 的余弦为 0.73–0.84），"
            "调换词序则近得多（0.97–0.99），颜色词也更多地改变了数字的形状。但余弦挑不出哪一种词序会画出别的东西："
            "在种子 91 下，与众不同的正是 #1 本身，而与它余弦更低的词序却和其余的一样画出了 7。"
            "用一个数概括 384 维的嵌入，说不出网络会怎样对这种差别作出反应。"
        ),
        "pr.err.no_colour": "要替换颜色，提示词里需要包含以下颜色词之一：{colours}。",
        "pr.err.words": "要调换词序，提示词至少需要两个不同的词。",
        "pr.i2i_tab": "从你自己的图片出发（图生图）",
        "pr.i2i_intro": (
            "反向过程不一定从纯噪声开始，也可以从*你的*图片加上一些噪声开始。**强度**表示先施加噪声调度的多大比例："
            "0 原样返回你的图片，1 把它完全淹没（等于从零生成），介于两者之间时，模型保留大致形状，"
            "再按提示词重画其余部分。\n\n"
            "**本章的百分比，这里始终按同一种方式理解。** 本章把每次运行写成噪声的比例：蒙娜丽莎 33%（图 6-9），"
            "放大的照片 25%（图 6-13），西部草地百灵鸟约 12%（图 6-14）。这里把它们都当作强度：0.33、0.25 和 0.12。"
            "本章也说 DreamStudio 的滑块方向相反（0% 是纯噪声，100% 不加噪声）；若把 33% 当作那个滑块的读数，"
            "就相当于强度 0.67。我们没有这样理解：25% 时结果与原图“非常接近”，以及“添加了一些噪声（约 12%）”，"
            "都只符合噪声比例这一种读法。\n\n"
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
        "pr.fix_h": "常规修图与扩散重画并排（图 6-13 和 6-14）",
        "pr.fix_intro": (
            "本章把扩散重画和普通图像处理的效果作了比较。图 6-13：把一张小照片用立方插值放大三倍，旁边是把小照片加入 "
            "25% 噪声后重画的结果。图 6-14：一张被烟雾遮挡的照片、作者用图像处理程序所能做到的最好结果，以及把中间那张"
            "加入约 12% 噪声后重画的结果。这里对上面的图片（上传或手绘）和它的提示词这样做："
            "**上排**——把图片降到三分之一"
            "的分辨率（10×10，放大显示）、用双三次插值放大的结果、以及在强度 0.25 下重画这张放大图；**下排**——原样的"
            "图片、中值滤波加反锐化掩模（图像处理程序的常用步骤）、以及在强度 0.12 下重画中间那张（本章的百分比按上文"
            "同样的方式读作强度）。用 DDIM，各重画一次。"
        ),
        "pr.fix_button": "与常规修图比较",
        "pr.fix_out": "上：低分辨率 · 双三次放大 ×2.8 · 强度 0.25 重画 —— 下：原样 · 中值 + 反锐化 · 强度 0.12 重画",
        "pr.fix_read": (
            "评判器读到的——上排：双三次放大 {b}，重画 {r13}；下排：中值 + 反锐化 {m}，重画 {r14}。"
            "常规修图只能加工已有的像素。重画则是从稍加噪声的副本画出一个新数字，所以只能保留副本里还看得出的东西："
            "起点足够清楚时，结果更干净，就像本章那只鸟（不是奇迹，也不是原图）；起点信息太少时（10×10 "
            "的副本可能就太少），"
            "它只能去猜。"
        ),
        "pr.fix_item": "{d}（{p:.0f} %）",
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
            "强度 {s:.2f}：先加噪到第 t = {t} 步（共 {T} 步），再用 {k} 步 {sampler} 回到 t = 0"
            "（用本章的说法，即 {noise:.0f}% 的噪声）。"
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
    order = [order_note(imgs, sims, lang, variants)] if mode == "permute" else []
    # figure 6-11's explanation (where prompts land in embedding space), with what the cosines do not explain
    first = ", ".join(f"{v:+.3f}" for v in emb[0, :5].tolist())
    emb_note = tr("pr.emb_note", lang, n=int(emb.shape[1]), first=first)  # the chapter's "a big vector"
    parts = [tr("pr.exp_table", lang, rows=rows), *order, tr("pr.cos_note", lang), emb_note, summary, *notes]
    return gallery, "\n\n".join(parts)


def order_note(imgs, sims, lang, variants=None) -> str:
    """For "reorder the words": a sentence computed from the result. The orders the judge reads differently from the
    most common reading (digit and colour) are named with their cosines to #1 — the odd one may be #1 itself, as at
    "ornate green seven", seed 91; when every order reads alike, it says that this is this prompt and seed, not a rule
    (figure 6-11's fourth vase differed)."""
    readings = dc.read_images(dc.model("classifier", lang), imgs)
    keys = [(r.digit, r.colour) for r in readings]
    majority = max(set(keys), key=lambda k: (keys.count(k), -keys.index(k)))
    odd = [i for i, k in enumerate(keys) if k != majority]
    if not odd:
        return tr("pr.same_order", lang, n=len(readings), min=f"{min(sims):.2f}")
    variants = variants or [f"#{i + 1}" for i in range(len(readings))]

    def reading(k):
        return f"{k[0]} · {PALETTE_NAMES[k[1]]}"

    which = "; ".join(
        tr("pr.odd_item", lang, i=i + 1, prompt=variants[i], reading=reading(keys[i]), cos=sims[i]) for i in odd
    )
    return tr("pr.diff_order", lang, k=len(odd), n=len(readings), majority=reading(majority), which=which)


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
                noise=100 * strength,  # the chapter's percentages read as the share of noise (see pr.i2i_intro)
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


# the chapter's noise shares for figures 6-13 and 6-14, read as strength (pr.i2i_intro states the reading)
FIGURE_6_13_STRENGTH, FIGURE_6_14_STRENGTH = 0.25, 0.12


@guarded
def conventional_fix(image=None, drawing=None, prompt="a white four", seed=0, request: gr.Request = None):
    """Figures 6-13 and 6-14 on the learner's picture: bicubic enlargement of a third-resolution copy beside its
    redraw at 0.25, and a median + unsharp clean-up beside its redraw at 0.12 (gendemo/diffusion/conventional.py)."""
    import torch

    from gendemo.diffusion import conventional as cv

    lang = lang_of(request)
    path = path_of(image) or path_of(drawing)
    if not path:
        raise gr.Error(tr("pr.err.no_image", lang))
    text, _ = IMG2IMG.param("prompt").check(prompt, lang)
    seed = IMG2IMG.param("seed").check(seed, lang)
    x = prepare_init(path)
    low = cv.low_resolution(x)
    bicubic, cleaned = cv.bicubic_upscale(low), cv.editor_fix(x)
    dm, enc = dc.diffusion_model(lang), dc.encoder(lang)

    def redraw(start, strength):
        *_, last = img2img_stream(dm, enc, start, text, strength=strength, n=1, seed=seed, sampler="ddim", every=1000)
        return last.x0[0].cpu().float()

    r13, r14 = redraw(bicubic, FIGURE_6_13_STRENGTH), redraw(cleaned, FIGURE_6_14_STRENGTH)
    shown_low = torch.nn.functional.interpolate(low[None], size=(28, 28), mode="nearest")[0]
    grid = torch.stack([shown_low, bicubic, r13, x, cleaned, r14])
    readings = read_images(dc.model("classifier", lang), grid)

    def item(i):
        return tr("pr.fix_item", lang, d=readings[i].digit, p=100 * readings[i].digit_p)

    said = tr("pr.fix_read", lang, b=item(1), r13=item(2), m=item(4), r14=item(5))
    return to_pil_grid(grid, nrow=3, scale=6), said


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
            # predict, then look (#32): what does word order do? The click runs the chapter's reordering at its seed
            # (beside the controls, above the pictures: the button stays above a laptop's fold)
            choices = [("ask.wo.same", "same"), ("ask.wo.some", "some"), ("ask.wo.all", "all")]
            start = {p.name: p.start() for p in EXPERIMENT.params}
            predict.ask("wo", choices, predict.word_order_answer)(
                "pr-button", sets=((e_prompt, start["prompt"]), (e_mode, "permute"), (e_seed, start["seed"]))
            )
            e_gallery = pictures("pr-gallery", 4, label=txt("pr.exp_gallery"), fit_columns=False)
            e_table = gr.Markdown(elem_id="pr-table")
    e_inputs, e_outputs = [e_prompt, e_mode, e_seed, e_guid, e_sampler], [e_gallery, e_table]
    e_examples = gr.Examples(
        [
            # figure 6-11, then 6-12 from the same prompt and seed: at seed 91 the grammatical order is the odd one
            ["ornate green seven", "permute", 91, DEFAULT_GUIDANCE, "ddim"],
            ["ornate green seven", "colour", 91, DEFAULT_GUIDANCE, "ddim"],
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
    with gr.Accordion(txt("pr.fix_h"), open=False, elem_id="pr-fix"):
        gr.Markdown(txt("pr.fix_intro"))
        fix_button = gr.Button(txt("pr.fix_button"), elem_id="pr-fix-button")
        fix_out = picture(txt("pr.fix_out"), "pr-fix-out", height=340)
        fix_text = gr.Markdown(elem_id="pr-fix-text")
    fix_ins, fix_outs = [image, drawing, i_prompt, i_seed], [fix_out, fix_text]
    fix_button.click(conventional_fix, fix_ins, fix_outs, api_visibility="private")
    i_button.click(img2img, i_inputs, i_outputs, **IMG2IMG.event())
    i_examples.load_input_event.then(img2img, i_inputs, i_outputs, **IMG2IMG.event(private=True))
