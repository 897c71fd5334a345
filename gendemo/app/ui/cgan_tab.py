"""The conditional GAN (/cgan_sample): ask for a digit, or all ten as a 10×10 grid with one row per digit."""

from __future__ import annotations

import gradio as gr
import torch

from gendemo.app.endpoints import ENDPOINTS
from gendemo.app.i18n import lang_of, tr
from gendemo.app.ui.common import (
    example_caching,
    model,
    on_open,
    picture,
    txt,
)
from gendemo.app.ui.gan_common import fast_classifier
from gendemo.classifier.fast import judge
from gendemo.core.images import to_pil_grid
from gendemo.gan.sampling import generate_cond, noise, sample_cgan

TAB_KEY = "cgan.tab"
SAMPLE = ENDPOINTS["cgan_sample"]
MAX_PER_ROW = 25  # with "all digits", N is the number of samples per row

STRINGS = {
    "en": {
        "cgan.tab": "Conditional GAN",
        "cgan.intro": (
            "An ordinary GAN draws whatever digit its noise happens to lead to. A conditional GAN is also handed the "
            "digit it should draw, as a one-hot vector of ten numbers appended to the noise. The discriminator is "
            "shown the same label — as ten extra image planes, all zero except the plane of the label, which is all "
            "ones — so, as in the chapter, it can reject a digit that looks like a zero when the label says 4. To fool "
            "it, the generator has to "
            "obey. The chapter likens a conditional GAN to a set of unconditional GANs, one trained on each digit's "
            "pictures, in a single network. This one is convolutional (DCGAN-style) rather than the plain fully "
            "connected "
            "networks of the first tab.\n\n"
            "**Try this:** choose all digits: every row shares its noise with the rows above and below it in the same "
            "column, so compare the style (thickness, slant) down a column."
        ),
        "cgan.digit": "Digit",
        "cgan.all": "all digits (one row each)",
        "cgan.n": "Number of samples (per row when all digits are shown)",
        "cgan.btn": "Generate",
        "cgan.out": "Generated digits",
        "cgan.out_h": "**Generated digits** — with all digits, row 0 at the top to row 9 at the bottom.",
        "cgan.report": "The classifier recognises the requested digit in **{ok} of {n}** samples ({pct:.1f} %).",
        "cgan.clamped": "With all ten digits, at most {m} samples per row are drawn, so N was set to {m}.",
    },
    "zh-CN": {
        "cgan.tab": "条件 GAN",
        "cgan.intro": (
            "普通的 GAN 画出哪个数字，全凭噪声碰巧把它引向哪里。条件 GAN 还会得到要画的数字："
            "一个由十个数组成的独热向量，接在噪声后面。判别器也会看到同一个标签——以十个额外的图像通道的形式，"
            "除了标签对应的那一层全是 1，其余都是 0——所以，正如本章所说，标签是 4 而画出的数字更像 0 时，"
            "它能识破这种不匹配。想骗过判别器，"
            "生成器就必须听从指令。本章把条件 GAN 比作多个无条件 GAN 的集合，每个只在一类数字的图片上训练，"
            "只是装在一个网络里。这个模型是卷积网络（DCGAN 风格），而不是第一个标签页里那种简单的全连接网络。\n\n"
            "**试一试**：选择全部数字：同一列的各行共用同一个噪声，所以请沿着一列往下比较风格（粗细、倾斜）。"
        ),
        "cgan.digit": "数字",
        "cgan.all": "全部数字（每个一行）",
        "cgan.n": "样本数（显示全部数字时为每行的个数）",
        "cgan.btn": "生成",
        "cgan.out": "生成的数字",
        "cgan.out_h": "**生成的数字**——显示全部数字时，最上面一行是 0，最下面一行是 9。",
        "cgan.report": "分类器在 **{n} 个样本中的 {ok} 个**里认出了要求的数字（{pct:.1f} %）。",
        "cgan.clamped": "显示全部十个数字时，每行最多画 {m} 个样本，因此 N 被设为 {m}。",
    },
}


@SAMPLE.handler
def cgan_sample(digit, n, seed, request: gr.Request = None):
    lang = lang_of(request)
    g = model("cgan", lang)
    note = ""
    if digit == "all":
        if n > MAX_PER_ROW:
            n, note = MAX_PER_ROW, tr("cgan.clamped", lang, m=MAX_PER_ROW)
        # one noise vector per column, the same down each column: the rows differ only in the label
        want = torch.arange(10).repeat_interleave(n)
        x = generate_cond(g, noise(n, g.cfg.noise_dim, seed).repeat(10, 1), want).cpu()
        ncol = n
    else:
        want = torch.full((n,), int(digit))
        x = sample_cgan(g, want, seed).cpu()
        ncol = min(16, n)
    pred = judge(fast_classifier(lang), x).argmax(1)
    ok = int((pred == want).sum())
    text = tr("cgan.report", lang, ok=ok, n=len(want), pct=100 * ok / len(want))
    if note:
        text = note + " " + text
    return to_pil_grid(x, nrow=ncol, scale=3 if ncol <= 12 else 2), text


def build():
    gr.Markdown(txt("cgan.intro"))
    with gr.Row():
        with gr.Column(scale=1):
            digits = [(txt("cgan.all"), "all")] + [(str(d), str(d)) for d in range(10)]
            digit = SAMPLE.widget("digit", choices=digits, elem_id="cgan-digit")
            n = SAMPLE.widget("n", elem_id="cgan-n")
            seed = SAMPLE.widget("seed", elem_id="cgan-seed")
            btn = gr.Button(txt("cgan.btn"), variant="primary", elem_id="cgan-button")
        with gr.Column(scale=2):
            gr.Markdown(txt("cgan.out_h"))  # a caption above, not over the picture: the label would hide the top row
            out = picture(txt("cgan.out"), "cgan-samples", show_label=False)
            report = gr.Markdown(elem_id="cgan-report")
    examples = gr.Examples(
        [["all", 10, 0], ["3", 64, 1], ["8", 64, 2]],
        inputs=[digit, n, seed],
        outputs=[out, report],
        fn=cgan_sample,
        **example_caching(),
        api_visibility="private",
        example_labels=["0–9 · #0", "3 × 64 · #1", "8 × 64 · #2"],
        label=txt("gan.examples"),
    )
    btn.click(cgan_sample, [digit, n, seed], [out, report], **SAMPLE.event())
    examples.load_input_event.then(cgan_sample, [digit, n, seed], [out, report], **SAMPLE.event(private=True))
    on_open(cgan_sample, [digit, n, seed], [out, report])
