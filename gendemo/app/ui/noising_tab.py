"""Linear, constant-β and cosine noising (the chapter's figure 6-8): any image pushed to noise (/noising); below it,
the schedule twins' answer to "which schedule trains better?" (schedule_twins.py, /schedule_twins)."""

from __future__ import annotations

import gradio as gr
import numpy as np
import torch

from gendemo.app.endpoints import ENDPOINTS
from gendemo.app.i18n import lang_of, tr
from gendemo.app.ui import schedule_twins
from gendemo.app.ui.common import (
    ImageInput,
    example_caching,
    markdown,
    on_open,
    picture,
    txt,
)
from gendemo.core.images import open_image, to_pil_grid
from gendemo.core.paths import EXAMPLES
from gendemo.diffusion.figures import noising_rows, schedule_curves

TAB_KEY = "noise.tab"
DEFAULT_IMAGE = EXAMPLES / "photo_grace_hopper.jpg"
WORK_SIDE = 128  # images are shrunk to at most this many pixels a side: the rows stay readable and quick to draw
NOISING = ENDPOINTS["noising"]

STRINGS = {
    "en": {
        **schedule_twins.STRINGS["en"],
        "noise.tab": "Noising: linear vs cosine",
        "noise.intro": (
            "Training a diffusion model starts by wrecking pictures on purpose. Each column below is one moment $t$ "
            "of the forward process, from the clean image ($t = 0$) to $t = T = 1000$, where nothing but Gaussian "
            "noise is left: $x_t = \\sqrt{\\bar\\alpha_t}\\,x_0 + \\sqrt{1-\\bar\\alpha_t}\\,\\varepsilon$. All three "
            "rows use the very same noise $\\varepsilon$; they differ only in the *schedule*, the rule that says how "
            "much of the signal, $\\bar\\alpha_t$, survives at each step. The linear schedule (top) has destroyed most "
            "of the picture a third of the way in; the cosine schedule (bottom) lets it fade gradually, so the model "
            "sees useful, partly noisy images at many more steps.\n\n"
            "**Try this:** upload a photo of your own, raise the number of columns to 16, and find the first column "
            "where you can no longer recognise it in each row. The curves show why: the cosine $\\bar\\alpha_t$ stays "
            "high for longer."
        ),
        "noise.linear_title": "Which “linear”? The middle row",
        "noise.linear": (
            "The chapter describes the linear schedule as adding the same amount of noise at every step. DDPM's "
            "linear schedule (top row) is linear in $\\beta_t$, the noise added at step $t$, which grows from 0.0001 "
            "to 0.02. The middle row takes the chapter's words literally: $\\beta_t = 0.01$ at every step, the same "
            "total as the top row, so both end at the same $\\bar\\alpha_T$, yet the constant row is destroyed far "
            "sooner."
        ),
        "noise.image": "Image to noise (any size or format)",
        "noise.steps": "Columns (moments t from 0 to T)",
        "noise.button": "Add noise",
        "noise.rows": "Top: linear schedule (DDPM's linear β) · middle: constant β · bottom: cosine schedule",
        "noise.beta_plot": "Noise added at each step, β_t (log scale)",
        "noise.alpha_plot": "Signal kept, ᾱ_t",
        "noise.snr_plot": "Signal-to-noise ratio, log₁₀(ᾱ_t / (1−ᾱ_t))",
        "noise.caption": (
            "Columns at t = {ts}. Half-way (t = 500) linear keeps ᾱ = {lin_mid:.3f} of the signal, constant β "
            "{const_mid:.4f} and cosine {cos_mid:.3f}."
        ),
        "noise.pixel": (
            "**One pixel, as in the chapter's example** (a pixel that should be 127 becomes 124 or 129): the pixel at "
            "row {r}, column {c} is {v0} of 255 in the picture; with the top row's noise it is {seq}. A little noise "
            "moves a pixel a little; by the later columns the noise outweighs the picture."
        ),
        "noise.pixel_at": "{v} at t = {t}",
        "noise.x_t": "step t",
        "noise.y_alpha": "ᾱ_t",
        "noise.y_beta": "log₁₀ β_t",
        "noise.y_snr": "log₁₀ SNR",
        "noise.s_linear": "linear",
        "noise.s_constant": "constant β",
        "noise.s_cosine": "cosine",
        "noise.schedule": "schedule",
    },
    "zh-CN": {
        **schedule_twins.STRINGS["zh-CN"],
        "noise.tab": "加噪：线性与余弦",
        "noise.intro": (
            "训练扩散模型的第一步，是有意把图片弄坏。下面每一列是前向过程中的一个时刻 $t$：从干净的图像（$t = 0$）"
            "一直到 $t = T = 1000$，那时只剩下高斯噪声："
            "$x_t = \\sqrt{\\bar\\alpha_t}\\,x_0 + \\sqrt{1-\\bar\\alpha_t}\\,\\varepsilon$。三行用的是完全相同的噪声 "
            "$\\varepsilon$，区别只在于*调度*——决定每一步还保留多少信号 $\\bar\\alpha_t$ 的规则。线性调度（上行）"
            "走到三分之一时画面已经所剩无几；余弦调度（下行）让图像慢慢褪去，"
            "因此模型能在更多的步上看到“部分带噪、仍有信息”的图像。\n\n"
            "**试一试**：上传一张你自己的照片，把列数调到 16，分别找出每一行中第一列认不出原图的位置。"
            "曲线解释了原因：余弦调度的 $\\bar\\alpha_t$ 保持在高位的时间更长。"
        ),
        "noise.linear_title": "哪一种“线性”？说说中间一行",
        "noise.linear": (
            "本章把线性调度描述为“每一步之间添加的噪声量相同”。而 DDPM 的线性调度（上行）是 $\\beta_t$"
            "——第 $t$ 步加入的噪声——呈线性增长，从 0.0001 增加到 0.02。中间一行按本章的字面意思来做：每一步都取 "
            "$\\beta_t = 0.01$，总量与上行相同，因此两者最终的 $\\bar\\alpha_T$ 一样，但中间一行的图像被破坏得早得多。"
        ),
        "noise.image": "要加噪的图片（任意尺寸和格式）",
        "noise.steps": "列数（从 0 到 T 的时刻）",
        "noise.button": "加噪",
        "noise.rows": "上：线性调度（DDPM 的线性 β）· 中：恒定 β · 下：余弦调度",
        "noise.beta_plot": "每一步加入的噪声 β_t（对数刻度）",
        "noise.alpha_plot": "保留的信号 ᾱ_t",
        "noise.snr_plot": "信噪比 log₁₀(ᾱ_t / (1−ᾱ_t))",
        "noise.caption": (
            "各列对应 t = {ts}。走到一半（t = 500）时，线性调度保留 ᾱ = {lin_mid:.3f} 的信号，"
            "恒定 β 保留 {const_mid:.4f}，余弦调度保留 {cos_mid:.3f}。"
        ),
        "noise.pixel": (
            "**一个像素，就像本章的例子**（本应是 127 的像素值变成 124 或 129）：第 {r} 行第 {c} 列的像素在原图中是 "
            "{v0}（满分 255）；加上顶行的噪声后，{seq}。少量噪声只让像素值变一点；到后面几列，噪声就盖过了图片。"
        ),
        "noise.pixel_at": "t = {t} 时为 {v}",
        "noise.x_t": "步数 t",
        "noise.y_alpha": "ᾱ_t",
        "noise.y_beta": "log₁₀ β_t（每步噪声）",
        "noise.y_snr": "log₁₀ 信噪比",
        "noise.s_linear": "线性",
        "noise.s_constant": "恒定 β",
        "noise.s_cosine": "余弦",
        "noise.schedule": "噪声调度",
    },
}


def load_for_noising(path) -> torch.Tensor:
    """(C, H, W) in [0,1]: grey stays one channel; the longest side is brought down to WORK_SIDE (never up)."""
    im = open_image(path)
    im.thumbnail((WORK_SIDE, WORK_SIDE))
    a = np.asarray(im, np.float32) / 255
    if np.allclose(a[..., 0], a[..., 1], atol=1 / 255) and np.allclose(a[..., 1], a[..., 2], atol=1 / 255):
        a = a[..., :1]
    return torch.from_numpy(a).permute(2, 0, 1).contiguous()


ROWS = ("linear", "constant", "cosine")  # top to bottom, as in the plots' legends


def _curves(lang):
    import pandas as pd

    c = schedule_curves(schedules=ROWS)
    t = np.asarray(c["t"])[::5]
    names = {k: tr(f"noise.s_{k}", lang) for k in ROWS}
    xt, s = tr("noise.x_t", lang), tr("noise.schedule", lang)

    def plot(key: str, y_name: str, f=lambda a: a):
        frame = pd.DataFrame(
            {
                xt: np.concatenate([t] * len(names)),
                y_name: np.concatenate([f(np.asarray(c[k][key])[::5]) for k in names]),
                s: np.repeat(list(names.values()), len(t)),
            }
        )
        colours = schedule_twins.schedule_colours(lang, ROWS)  # one colour per schedule, the twins' charts' too
        return gr.LinePlot(value=frame, x=xt, y=y_name, color=s, color_title=s, color_map=colours)

    beta = plot("beta", tr("noise.y_beta", lang), np.log10)
    alpha = plot("alpha_bar", tr("noise.y_alpha", lang))
    snr = plot("snr", tr("noise.y_snr", lang), np.log10)
    return beta, alpha, snr, c


PIXEL_TS = (1, 10, 50)  # small steps first: the chapter's "a small amount" (127 → 124 or 129)


def pixel_sentence(x: torch.Tensor, rows: dict, seed: int, lang: str) -> str:
    """The chapter's one-pixel example on the picture itself: the pixel nearest mid-grey (127), its value at a few
    small t under the linear schedule (the top row's noise, the same ε), then in the first noised column."""
    from gendemo.diffusion.sampling import q_sample, to_model_range, to_unit_range
    from gendemo.diffusion.schedules import make_schedule

    grey = x[0]
    i = int((grey - 127 / 255).abs().flatten().argmin())
    r, c = divmod(i, grey.shape[-1])
    eps = torch.randn(x.shape, generator=torch.Generator().manual_seed(int(seed)))  # noising_rows' one draw
    sched, x0 = make_schedule("linear", 1000), to_model_range(x.clamp(0, 1))
    seq = [
        (t, round(255 * float(to_unit_range(q_sample(sched, x0[None], torch.tensor([t]), eps[None])[0])[0, r, c])))
        for t in PIXEL_TS
    ]
    if len(rows["t"]) > 1:
        seq.append((rows["t"][1], round(255 * float(rows["linear"][1, 0, r, c]))))
    sep = "，" if lang == "zh-CN" else ", "
    said = sep.join(tr("noise.pixel_at", lang, v=v, t=t) for t, v in seq)
    return tr("noise.pixel", lang, r=r, c=c, v0=round(255 * float(grey[r, c])), seq=said)


@NOISING.handler
def noising(image, steps, seed, request: gr.Request = None):
    lang = lang_of(request)
    x = load_for_noising(image or DEFAULT_IMAGE)
    rows = noising_rows(x, steps=steps, seed=seed, schedules=ROWS)
    grid = torch.cat([rows[k] for k in ROWS])  # (3·steps, C, H, W): linear on top, constant β, cosine
    scale = max(1, 84 // max(x.shape[-2:]))  # a 28×28 digit is shown 3× larger, crisp
    beta_plot, alpha_plot, snr_plot, c = _curves(lang)
    caption = tr(
        "noise.caption",
        lang,
        ts=", ".join(map(str, rows["t"])),
        lin_mid=c["linear"]["alpha_bar"][499],
        const_mid=c["constant"]["alpha_bar"][499],
        cos_mid=c["cosine"]["alpha_bar"][499],
    )
    caption += "\n\n" + pixel_sentence(x, rows, seed, lang)
    grid_img = to_pil_grid(grid, nrow=steps, scale=scale, pad=2, pad_value=1.0)
    return grid_img, caption, alpha_plot, snr_plot, beta_plot


def build():
    markdown(txt("noise.intro"), elem_id="noise-intro")
    with gr.Accordion(txt("noise.linear_title"), open=False, elem_id="noise-linear"):
        markdown(txt("noise.linear"))
    with gr.Row(elem_id="noise-main"):
        with gr.Column(scale=1):
            image = ImageInput(
                label=txt("noise.image"),
                type="filepath",
                value=str(DEFAULT_IMAGE),
                height=240,
                sources=["upload", "clipboard"],
                elem_id="noise-image",
            )
            steps = NOISING.widget("steps", elem_id="noise-steps")
            seed = NOISING.widget("seed", elem_id="noise-seed")
            button = gr.Button(txt("noise.button"), variant="primary", elem_id="noise-button")
        with gr.Column(scale=3):
            rows = picture(txt("noise.rows"), "noise-rows")
            caption = gr.Markdown(elem_id="noise-caption")
            with gr.Row():
                # no fixed height: Gradio draws the legend below the x axis and a set height cuts it off, leaving
                # only its title, and then linear and cosine cannot be told apart
                alpha_plot = gr.LinePlot(label=txt("noise.alpha_plot"), elem_id="noise-alpha")
                snr_plot = gr.LinePlot(label=txt("noise.snr_plot"), elem_id="noise-snr")
            beta_plot = gr.LinePlot(label=txt("noise.beta_plot"), elem_id="noise-beta")
    outputs = [rows, caption, alpha_plot, snr_plot, beta_plot]  # β last: API callers' first four outputs unchanged
    examples = gr.Examples(
        examples=[
            [str(DEFAULT_IMAGE), 9, 0],
            [str(EXAMPLES / "digit_7.png"), 9, 0],
            [str(EXAMPLES / "digit_3_photo.png"), 16, 1],
        ],
        inputs=[image, steps, seed],
        outputs=outputs,
        fn=noising,
        **example_caching(),
        api_visibility="private",
    )
    button.click(noising, [image, steps, seed], outputs, **NOISING.event())
    examples.load_input_event.then(noising, [image, steps, seed], outputs, **NOISING.event(private=True))
    on_open(noising, [image, steps, seed], outputs)
    schedule_twins.build()
