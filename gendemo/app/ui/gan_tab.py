"""The chapter's GAN: sample digits from noise (/gan_sample) and replay its training epoch by epoch (/gan_timeline)."""

from __future__ import annotations

import gradio as gr
import numpy as np
import torch

from gendemo.app.endpoints import ENDPOINTS
from gendemo.app.i18n import lang_of, tr
from gendemo.app.ui.common import (
    example_caching,
    guarded,
    model,
    on_open,
    picture,
    txt,
)
from gendemo.app.ui.gan_common import (
    COMMON_STRINGS,
    RECIPE_ROWS,
    card_epochs,
    fast_classifier,
    figure_image,
    long_frame,
    new_figure,
    recipe_choices,
    share_heatmap,
)
from gendemo.classifier.fast import judge
from gendemo.core.images import to_pil_grid
from gendemo.core.metrics import kl_to_uniform
from gendemo.gan.sampling import sample_gan

TAB_KEY = "gan.tab"
SAMPLE, TIMELINE = ENDPOINTS["gan_sample"], ENDPOINTS["gan_timeline"]

STRINGS = {
    "en": {
        "gan.tab": "GAN",
        "gan.intro": (
            "A generator network turns ten random numbers into a 28×28 picture, and a discriminator network tries to "
            "tell its pictures from real handwritten digits. Each one learns from the other's mistakes: the generator "
            "is rewarded whenever the discriminator is fooled. Both are the small fully connected networks the chapter "
            "builds (noise 10 → 256 → 512 → 1024 → 784 pixels, and back down to one yes/no score), trained here on "
            "MNIST; the chapter trains them for 200 passes over it. Training needs no labels: the discriminator only "
            "has to know that a digit is real, not which digit it is.\n\n"
            "**Try this:** draw 64 digits and read the count under them (the classifier names each one); change the "
            "seed and see which digits stay common. Then press *Play the run* in the timeline below and watch blobs "
            "turn into strokes."
        ),
        "gan.sample_h": "### Sample digits",
        "gan.examples": "Examples",
        "gan.n": "Number of digits",
        "gan.recipe": "Which GAN",
        "gan.recipes_h": "The two recipes",
        "gan.recipes_note": (
            "Two GANs with this architecture were trained here. **The chapter's recipe** follows the "
            "nine steps exactly: real digits labelled 1, fakes 0, nothing else. **The remedy recipe** trains the same "
            "networks but changes the discriminator in two ways. It is held back, so that it cannot win too easily "
            "(real digits labelled 0.9, dropout). And it is given one more thing to look at: how varied each group "
            "of four pictures is (minibatch standard deviation), so a generator that keeps drawing the same few digits "
            "gives itself away; this is what evens out the digits. Its generator is shipped as the average of its "
            "weights over the last steps. The Mode collapse tab shows what that changes."
        ),
        "gan.ex_64_remedy": "64 digits · seed 0 · remedy recipe",
        "gan.ex_64_chapter": "64 digits · seed 0 · chapter's recipe",
        "gan.ex_256_remedy": "256 digits · seed 7 · remedy recipe",
        "gan.ex_epoch": "Epoch examples (the chapter's figure 6-4 shows 1, 60 and 200)",
        "gan.tally": "**The classifier reads these {n} digits as** {counts}. Most common: **{top}** ({top_n}); fewest: "
        "**{low}** ({low_n}). An even mix would give each digit about {even:.0f}.",
        "gan.tally_item": "{d}: {k}",
        "gan.sample_btn": "Generate",
        "gan.samples": "Generated digits",
        "gan.samples_h": "**Generated digits**",
        "gan.epoch_samples_h": "**The same 64 noise vectors after this epoch**",
        "gan.timeline_h": "### Training timeline",
        "gan.timeline_intro": (
            "After every epoch the training run kept the digits made from the same 64 noise vectors, the "
            "discriminator's average verdict on real and on generated digits, both losses, and which digits 1,000 "
            "fresh samples were (judged by the classifier). Move the slider and let go to load an epoch, or press "
            "*Play the run*. In the heat map under the charts the epoch axis is logarithmic, so its left half is the "
            "first ten epochs. There both recipes draw almost only one or two kinds of digit; after epoch 1 mostly "
            "eights (99 % of 1,000 samples for the chapter's recipe, 89 % for the remedy), where the chapter's figure "
            "6-4 shows mostly ones. Later the two part ways. The remedy's mix evens out and stays even (KL 0.004 at "
            "epoch 60, 0.009 at 200). The chapter's recipe evens out until about epoch 20 (KL 0.15; 0.10 at epoch "
            "17) and then collapses again, towards ones: after epoch 200 half of its digits are ones (KL 0.88)."
        ),
        "gan.epoch": "Epoch",
        "gan.epoch_samples": "The same 64 noise vectors after this epoch",
        "gan.loss_plot": "Losses",
        "gan.d_plot": "Discriminator output: real vs generated",
        "gan.share_plot": "Share of each digit among 1,000 samples (%)",
        "gan.show_btn": "Show epoch",
        "gan.play_btn": "▶ Play the run",
        "gan.stop_btn": "■ Stop",
        "gan.s_mark": "chosen epoch",
        "gan.heat_title": "Every epoch: share of each digit (%)",
        "gan.bars_title": "Epoch {e}: share of each digit",
        "gan.even": "even mix (10 %)",
        "gan.arch_h": "Figures 6-1 and 6-3: the data flow and the two networks, drawn from the model",
        "gan.arch_alt": "The GAN's data flow (left) and its generator above its mirrored discriminator (right)",
        "gan.arch_text": (
            "Every width and activation in the drawing is read from the loaded networks of {recipe}: generator "
            "{g}; discriminator {d}. The discriminator's last layer gives a number that a sigmoid turns into D(x) "
            "between 0 and 1.{extra}"
        ),
        "gan.arch_spread": (
            " This recipe's discriminator also reads, in its last layer, how varied each group of four pictures is "
            "(one more input), which the chapter's does not."
        ),
        "gan.w_noise": "noise vector",
        "gan.w_fake": "fake image",
        "gan.w_real": "real images",
        "gan.w_image": "image",
        "gan.w_verdict": "real or fake",
        "gan.w_g": "generator",
        "gan.w_d": "discriminator",
        "gan.w_flow": "Figure 6-1: the data flow",
        "gan.w_nets": "Figure 6-3: generator (top), discriminator (bottom)",
        "gan.fig64_h": "#### Figure 6-4 side by side: epochs 1, 60 and 200",
        "gan.fig64_alt": "The same 64 noise vectors after epochs 1, 60 and 200, left to right",
        "gan.fig64_cols": (
            "**Left to right, {recipe}:** {cols}. The chapter's figure shows mostly ones after epoch 1, a variety of "
            "digits at 60, and mostly clear digits at 200."
        ),
        "gan.fig64_col": "epoch {e}: most common {top} ({top_p:.0f} % of 1,000 samples), KL {kl:.2f}",
        # handler text
        "gan.x_epoch": "epoch",
        "gan.y_loss": "mean loss",
        "gan.y_d": "mean D output",
        "gan.y_share": "share (%)",
        "gan.s_loss_d": "discriminator loss",
        "gan.s_loss_g": "generator loss",
        "gan.s_d_real": "D(x), real digits",
        "gan.s_d_fake": "D(G(z)), generated digits",
        "gan.s_digit": "digit {d}",
        "gan.summary": (
            "**Epoch {e} of {E}.** Discriminator loss {ld:.3f}, generator loss {lg:.3f}. The discriminator gave real "
            "digits {dr:.2f} and generated ones {df:.2f} on average (0 = surely fake, 1 = surely real; a perfectly "
            "fooled discriminator would say 0.5 to both). Among 1,000 samples the most common digit was **{top}** "
            "({top_p:.1f} %), the rarest **{low}** ({low_p:.1f} %); distance from an even mix KL = {kl:.3f} nats."
        ),
    },
    "zh-CN": {
        "gan.tab": "生成对抗网络（GAN）",
        "gan.intro": (
            "生成器网络把十个随机数变成一张 28×28 的图片，判别器网络则要分辨这些图片和真实的手写数字。"
            "两者互相从对方的失误中学习：判别器一旦被骗，生成器就得到奖励。这里用的正是本章搭建的小型全连接网络"
            "（噪声 10 → 256 → 512 → 1024 → 784 个像素，判别器再逐层缩回一个“真/假”分数），"
            "在 MNIST 上训练；本章把它们训练了 200 轮。训练不需要标签：判别器只需知道一个数字是真实的，"
            "不需要知道它是哪个数字。\n\n"
            "**试一试**：生成 64 个数字，看看图下方的计数（分类器认出了每一个）；换一个随机种子，看哪些数字仍然常见。"
            "然后在下方时间轴中按“播放整个训练过程”，看模糊的斑点如何变成笔画。"
        ),
        "gan.sample_h": "### 生成数字",
        "gan.examples": "示例",
        "gan.n": "数字个数",
        "gan.recipe": "哪一个 GAN",
        "gan.recipes_h": "两种配方",
        "gan.recipes_note": (
            "这个结构的 GAN 训练了两个。**本章配方**完全按九个步骤：真实数字标为 1，伪造的标为 0，"
            "不加任何别的东西。**改良配方**训练的是同样的网络，但从两方面改变判别器。一是限制它，使它不能轻易获胜"
            "（真实数字标为 0.9，加 dropout）。二是让它多看一样东西：每组四张图片彼此差别有多大（小批量标准差），"
            "这样总画同几种数字的生成器就会露馅；数字分布变均匀靠的正是这一点。它随附的生成器是训练最后阶段权重的平均。"
            "“模式坍塌”标签页展示了这带来的不同。"
        ),
        "gan.ex_64_remedy": "64 个数字 · 种子 0 · 改良配方",
        "gan.ex_64_chapter": "64 个数字 · 种子 0 · 本章配方",
        "gan.ex_256_remedy": "256 个数字 · 种子 7 · 改良配方",
        "gan.ex_epoch": "示例轮次（本章图 6-4 展示了第 1、60 和 200 轮）",
        "gan.tally": "**分类器把这 {n} 个数字认作** {counts}。最常见：**{top}**（{top_n} 个）；最少：**{low}**"
        "（{low_n} 个）。若分布均匀，每个数字约 {even:.0f} 个。",
        "gan.tally_item": "{d}: {k}",
        "gan.sample_btn": "生成",
        "gan.samples": "生成的数字",
        "gan.samples_h": "**生成的数字**",
        "gan.epoch_samples_h": "**这一轮之后，同样 64 个噪声向量生成的数字**",
        "gan.timeline_h": "### 训练时间轴",
        "gan.timeline_intro": (
            "训练过程中，每一轮结束后都保存了同一组 64 个噪声向量生成的数字、判别器对真实数字和生成数字的平均判断、"
            "两个损失，以及 1,000 个新样本各是哪个数字（由分类器判定）。拖动滑块并松开即可载入那一轮，"
            "也可以按“播放整个训练过程”。图表下方热图的轮次轴是对数刻度，左半边就是前十轮。那时两种配方几乎都只画一两种"
            "数字；第 1 轮之后大多是 8（1,000 个样本中，本章配方 99 %，改良配方 89 %），而本章图 6-4 里大多是 1。"
            "之后两者分道扬镳：改良配方的分布逐渐均匀并保持均匀（第 60 轮 KL 0.004，第 200 轮 0.009）；"
            "本章配方在大约第 20 轮之前逐渐均匀（KL 0.15；第 17 轮为 0.10），随后再次坍塌，偏向 1："
            "第 200 轮之后一半的数字是 1（KL 0.88）。"
        ),
        "gan.epoch": "训练轮次",
        "gan.epoch_samples": "这一轮之后，同样 64 个噪声向量生成的数字",
        "gan.loss_plot": "损失",
        "gan.d_plot": "判别器输出：真实数字与生成数字",
        "gan.share_plot": "1,000 个样本中各数字所占比例（%）",
        "gan.show_btn": "显示该轮",
        "gan.play_btn": "▶ 播放整个训练过程",
        "gan.stop_btn": "■ 停止",
        "gan.s_mark": "所选轮次",
        "gan.heat_title": "每一轮：各数字所占比例（%）",
        "gan.bars_title": "第 {e} 轮：各数字所占比例",
        "gan.even": "均匀分布（10 %）",
        "gan.arch_h": "图 6-1 和 6-3：数据流与两个网络，按模型本身画出",
        "gan.arch_alt": "GAN 的数据流（左），以及生成器和与之镜像对称的判别器（右）",
        "gan.arch_text": (
            "图中每一层的宽度和激活函数都读自{recipe}已载入的网络：生成器 {g}；判别器 {d}。"
            "判别器最后一层给出一个数，再经 sigmoid 变成 0 到 1 之间的 D(x)。{extra}"
        ),
        "gan.arch_spread": "这个配方的判别器在最后一层还会读取每组四张图片彼此差别有多大（多一个输入），"
        "本章的判别器没有这一项。",
        "gan.w_noise": "噪声向量",
        "gan.w_fake": "伪造图像",
        "gan.w_real": "真实图像",
        "gan.w_image": "图像",
        "gan.w_verdict": "真或假",
        "gan.w_g": "生成器",
        "gan.w_d": "判别器",
        "gan.w_flow": "图 6-1：数据流",
        "gan.w_nets": "图 6-3：生成器（上）与判别器（下）",
        "gan.fig64_h": "#### 图 6-4 并排：第 1、60 和 200 轮",
        "gan.fig64_alt": "同样 64 个噪声向量在第 1、60 和 200 轮之后，从左到右",
        "gan.fig64_cols": (
            "**从左到右，{recipe}：** {cols}。本章的图中，第 1 轮之后大多是 1，第 60 轮有各种各样的数字，"
            "第 200 轮大多数数字已经清晰。"
        ),
        "gan.fig64_col": "第 {e} 轮：最常见 {top}（1,000 个样本中占 {top_p:.0f} %），KL {kl:.2f}",
        "gan.x_epoch": "轮次",
        "gan.y_loss": "平均损失",
        "gan.y_d": "判别器平均输出",
        "gan.y_share": "比例（%）",
        "gan.s_loss_d": "判别器损失",
        "gan.s_loss_g": "生成器损失",
        "gan.s_d_real": "D(x)：真实数字",
        "gan.s_d_fake": "D(G(z))：生成数字",
        "gan.s_digit": "数字 {d}",
        "gan.summary": (
            "**第 {e} 轮（共 {E} 轮）。** 判别器损失 {ld:.3f}，生成器损失 {lg:.3f}。"
            "判别器对真实数字的平均输出为 {dr:.2f}，对生成数字为 {df:.2f}（0 表示确定是假的，1 表示确定是真的；"
            "判别器若被完全骗过，两者都会是 0.5）。在 1,000 个样本中，最常见的数字是 **{top}**（{top_p:.1f} %），"
            "最少见的是 **{low}**（{low_p:.1f} %）；与均匀分布的距离 KL = {kl:.3f} 奈特。"
        ),
    },
}
for _lang, _table in COMMON_STRINGS.items():  # the recipes' names and the shared heat map's axis (gan_common)
    STRINGS[_lang].update(_table)


@SAMPLE.handler
def gan_sample(n, seed, recipe, request: gr.Request = None):
    g = model(RECIPE_ROWS[recipe]["gan"], lang_of(request))
    x = sample_gan(g, n, seed)
    return to_pil_grid(x, nrow=min(16, int(np.ceil(np.sqrt(n)))), scale=2)  # the page enlarges it further, pixelated


@guarded
def gan_tally(n=64, seed=0, recipe="remedy", request: gr.Request = None):
    """Under the samples: how many of each digit the classifier reads among the very digits just drawn (the same n,
    seed and recipe give the same digits), so that "count how often each digit turns up" needs no counting by eye."""
    lang = lang_of(request)
    n, seed = SAMPLE.param("n").check(n, lang), SAMPLE.param("seed").check(seed, lang)
    g = model(RECIPE_ROWS[SAMPLE.param("recipe").check(recipe, lang)]["gan"], lang)
    counts = np.bincount(judge(fast_classifier(lang), sample_gan(g, n, seed)).argmax(1).numpy(), minlength=10)
    items = " · ".join(tr("gan.tally_item", lang, d=d, k=int(k)) for d, k in enumerate(counts))
    sep = "、" if lang == "zh-CN" else ", "
    most = sep.join(str(d) for d in np.flatnonzero(counts == counts.max()))  # ties named together
    fewest = sep.join(str(d) for d in np.flatnonzero(counts == counts.min()))
    top_n, low_n = int(counts.max()), int(counts.min())
    return tr("gan.tally", lang, n=n, counts=items, top=most, top_n=top_n, low=fewest, low_n=low_n, even=n / 10)


def _plot(df, x, y, color, x_title, y_title, cls=gr.LinePlot, **kw):
    return cls(value=df, x=x, y=y, color=color, x_title=x_title, y_title=y_title, color_title=" ", **kw)


def _marked(df, e: int, x: str, y: str, s: str, label: str, lo: float, hi: float):
    """The long frame plus a vertical segment at epoch e, drawn as one more series: the chosen epoch on the curves."""
    import pandas as pd

    return pd.concat([df, pd.DataFrame({x: [e, e], y: [lo, hi], s: [label, label]})], ignore_index=True)


def share_figure(shares: np.ndarray, e: int, lang: str):
    """Left: every epoch's digit shares as a heat map (epochs across, digits up), the chosen epoch marked; right: that
    epoch's ten shares as bars against the even 10 %. Ten crossing lines were hard to read."""
    fig, (heat, bars) = new_figure((9.6, 3.0))
    digit = tr("gan.s_digit", lang, d="").strip()
    im = share_heatmap(heat, shares, tr("gan.heat_title", lang), tr("gan.x_epoch_log", lang), digit)
    heat.axvline(e, color="#22d3ee", linewidth=2)
    fig.colorbar(im, ax=heat, label="%")
    p = 100 * shares[e - 1]
    bars.bar(range(10), p, color=["#f97316" if d == p.argmax() else "#6366f1" for d in range(10)])
    bars.axhline(10, color="black", linestyle="--", linewidth=1, label=tr("gan.even", lang))
    bars.set(xticks=range(10), ylim=(0, max(40, float(p.max()) + 5)), xlabel=digit)
    bars.set_title(tr("gan.bars_title", lang, e=e), fontsize=10)
    bars.legend(fontsize=8, loc="upper right")
    return figure_image(fig, layout=("timeline shares", lang, len(shares)))  # laid out alike at every epoch


def timeline_at(tl: dict, e: int, lang: str) -> tuple:
    """Everything the timeline shows for epoch e: its 64 digits, the curves with e marked, the shares, in words."""
    E = int(tl["samples"].shape[0])
    imgs = torch.from_numpy(tl["samples"][e - 1]).float().div(255).unsqueeze(1)
    grid = to_pil_grid(imgs, nrow=8, scale=3)
    ep = np.arange(1, E + 1)
    xe, ye, s = tr("gan.x_epoch", lang), tr("gan.y_loss", lang), "series"
    # The marker's series keeps one name at every epoch: a line chart whose data is replaced keeps the series names
    # (its colour scale's domain) it was first drawn with, so a new name ("epoch 60") got no colour — no line — and the
    # legend kept the old one ("epoch 200"). The summary beside the charts says which epoch it is.
    mark = tr("gan.s_mark", lang)
    loss = long_frame(ep, {tr("gan.s_loss_d", lang): tl["loss_d"], tr("gan.s_loss_g", lang): tl["loss_g"]}, xe, ye, s)
    hi = float(max(np.max(tl["loss_d"]), np.max(tl["loss_g"])))
    loss = _marked(loss, e, xe, ye, s, mark, 0.0, hi)
    yd = tr("gan.y_d", lang)
    dplot = long_frame(ep, {tr("gan.s_d_real", lang): tl["d_real"], tr("gan.s_d_fake", lang): tl["d_fake"]}, xe, yd, s)
    dplot = _marked(dplot, e, xe, yd, s, mark, 0.0, 1.0)
    p = tl["shares"][e - 1].astype(np.float64)
    summary = tr(
        "gan.summary",
        lang,
        e=e,
        E=E,
        ld=float(tl["loss_d"][e - 1]),
        lg=float(tl["loss_g"][e - 1]),
        dr=float(tl["d_real"][e - 1]),
        df=float(tl["d_fake"][e - 1]),
        top=int(p.argmax()),
        top_p=100 * p.max(),
        low=int(p.argmin()),
        low_p=100 * p.min(),
        kl=kl_to_uniform(p) if p.sum() > 0 else float("nan"),
    )
    return (
        grid,
        _plot(loss, xe, ye, s, xe, ye),
        _plot(dplot, xe, yd, s, xe, yd, y_lim=[0, 1]),
        share_figure(tl["shares"].astype(np.float64), e, lang),
        summary,
    )


@TIMELINE.handler
def gan_timeline(epoch, recipe, request: gr.Request = None):
    lang = lang_of(request)
    tl = model(RECIPE_ROWS[recipe]["timeline"], lang)
    E = int(tl["samples"].shape[0])
    return timeline_at(tl, min(epoch, E), lang)  # the declaration's range is the card's count of epochs


@guarded
def gan_architecture(recipe="remedy", request: gr.Request = None):
    """Figures 6-1 and 6-3 drawn from the chosen recipe's loaded generator and discriminator (gan_diagram.py)."""
    from gendemo.app.ui.gan_common import recipe_name
    from gendemo.app.ui.gan_diagram import architecture_figure, layer_widths

    lang = lang_of(request)
    recipe = SAMPLE.param("recipe").check(recipe, lang)
    g = model(RECIPE_ROWS[recipe]["gan"], lang)
    d = model("gan_discriminator" if recipe == "remedy" else "gan_chapter_discriminator", lang)
    keys = ("noise", "fake", "real", "image", "verdict", "g", "d", "flow", "nets")
    w = {k: tr(f"gan.w_{k}", lang) for k in keys}
    words = {**w, "flow_title": w["flow"], "nets_title": w["nets"]}

    def chain(widths):
        return " → ".join(f"{n:,}" + (f" ({a})" if a else "") for n, a in widths)

    extra = tr("gan.arch_spread", lang) if getattr(d, "group", 0) else ""
    gs, ds = chain(layer_widths(g)), chain(layer_widths(d))
    text = tr("gan.arch_text", lang, recipe=recipe_name(recipe, lang), g=gs, d=ds, extra=extra)
    return architecture_figure(g, d, words), text


FIGURE_6_4 = (1, 60, 200)  # the epochs the chapter's figure 6-4 shows


@guarded
def gan_figure_6_4(recipe="remedy", request: gr.Request = None):
    """Figure 6-4 as the chapter lays it out: the same 64 noise vectors after epochs 1, 60 and 200 side by side (the
    run's last epoch if it had fewer), with what the classifier read among 1,000 fresh samples at each."""
    from gendemo.app.ui.gan_common import recipe_name

    lang = lang_of(request)
    recipe = TIMELINE.param("recipe").check(recipe, lang)
    tl = model(RECIPE_ROWS[recipe]["timeline"], lang)
    E = int(tl["samples"].shape[0])
    eps = sorted({min(e, E) for e in FIGURE_6_4})
    grids = [torch.from_numpy(tl["samples"][e - 1]).float().div(255).unsqueeze(1) for e in eps]
    # one row of three 8×8 grids, a column of dark tiles between them
    gap = torch.zeros(8, 1, 28, 28)
    rows = []
    for r in range(8):
        parts = []
        for i, g in enumerate(grids):
            parts.append(g[r * 8 : (r + 1) * 8])
            if i < len(grids) - 1:
                parts.append(gap[:1])
        rows.append(torch.cat(parts))
    image = to_pil_grid(torch.cat(rows), nrow=8 * len(grids) + len(grids) - 1, scale=2)
    cols = []
    for e in eps:
        p = tl["shares"][e - 1].astype(np.float64)
        cols.append(tr("gan.fig64_col", lang, e=e, top=int(p.argmax()), top_p=100 * p.max(), kl=kl_to_uniform(p)))
    sep = "；" if lang == "zh-CN" else "; "
    return image, tr("gan.fig64_cols", lang, recipe=recipe_name(recipe, lang), cols=sep.join(cols))


PLAY_FRAMES = 40  # epochs shown by Play: 1, then evenly to the last (every 5th of 200)
PLAY_PAUSE_S = 0.15  # between frames, so the eye can follow the marker


@guarded
def gan_timeline_play(recipe="remedy", request: gr.Request = None):
    """Play: the timeline from epoch 1 to the end, the slider and the marker moving together."""
    import time

    lang = lang_of(request)
    tl = model(RECIPE_ROWS[TIMELINE.param("recipe").check(recipe, lang)]["timeline"], lang)
    E = int(tl["samples"].shape[0])
    for e in np.unique(np.linspace(1, E, min(PLAY_FRAMES, E)).round().astype(int)):
        yield (int(e), *timeline_at(tl, int(e), lang))
        time.sleep(PLAY_PAUSE_S)


def build():
    E = card_epochs()
    gr.Markdown(txt("gan.intro"))
    with gr.Accordion(txt("gan.recipes_h"), open=False, elem_id="gan-recipes"):
        gr.Markdown(txt("gan.recipes_note"))
    with gr.Column(elem_id="gan-sample-section"):
        gr.Markdown(txt("gan.sample_h"))
        with gr.Row():
            with gr.Column(scale=1):
                recipe = SAMPLE.widget("recipe", choices=recipe_choices(), elem_id="gan-recipe")
                n = SAMPLE.widget("n", elem_id="gan-n")
                seed = SAMPLE.widget("seed", elem_id="gan-seed")
                btn = gr.Button(txt("gan.sample_btn"), variant="primary", elem_id="gan-sample-button")
            with gr.Column(scale=2):
                gr.Markdown(txt("gan.samples_h"))  # captions above the grids: an overlaid label would hide the top row
                out = picture(txt("gan.samples"), "gan-samples", show_label=False, height=400)
                tally = gr.Markdown(elem_id="gan-tally")
        sample_examples = gr.Examples(
            [[64, 0, "remedy"], [64, 0, "chapter"], [256, 7, "remedy"]],
            inputs=[n, seed, recipe],
            outputs=[out],
            fn=gan_sample,
            **example_caching(),
            api_visibility="private",
            example_labels=[txt("gan.ex_64_remedy"), txt("gan.ex_64_chapter"), txt("gan.ex_256_remedy")],
            label=txt("gan.examples"),
        )
    counted = {"api_visibility": "private", "show_progress": "hidden"}
    btn.click(gan_sample, [n, seed, recipe], [out], **SAMPLE.event()).then(
        gan_tally, [n, seed, recipe], [tally], **counted
    )
    # an example fills the controls and then shows their picture, so controls and picture never disagree
    sample_examples.load_input_event.then(gan_sample, [n, seed, recipe], [out], **SAMPLE.event(private=True)).then(
        gan_tally, [n, seed, recipe], [tally], **counted
    )
    on_open(gan_sample, [n, seed, recipe], [out])
    on_open(gan_tally, [n, seed, recipe], [tally])

    with gr.Accordion(txt("gan.arch_h"), open=False, elem_id="gan-architecture"):
        arch = picture(txt("gan.arch_alt"), "gan-architecture-figure", show_label=False)
        arch_text = gr.Markdown(elem_id="gan-architecture-text")
    recipe.change(gan_architecture, [recipe], [arch, arch_text], api_visibility="private")
    on_open(gan_architecture, [recipe], [arch, arch_text])

    with gr.Column(elem_id="gan-timeline-section"):
        gr.Markdown(txt("gan.timeline_h"))
        gr.Markdown(txt("gan.timeline_intro"))
        with gr.Row():
            tl_recipe = TIMELINE.widget("recipe", choices=recipe_choices(), elem_id="gan-tl-recipe", scale=2)
            epoch = TIMELINE.widget("epoch", elem_id="gan-epoch", scale=4)
            with gr.Column(scale=1, min_width=160):
                show = gr.Button(txt("gan.show_btn"), elem_id="gan-timeline-button")
                with gr.Row():
                    play = gr.Button(txt("gan.play_btn"), size="sm", elem_id="gan-play-button")
                    stop = gr.Button(txt("gan.stop_btn"), size="sm", elem_id="gan-stop-button")
        with gr.Row():
            with gr.Column(scale=1):
                gr.Markdown(txt("gan.epoch_samples_h"))
                tl_img = picture(txt("gan.epoch_samples"), "gan-timeline-samples", show_label=False, height=420)
                summary = gr.Markdown(elem_id="gan-timeline-summary")
            with gr.Column(scale=1):
                loss_plot = gr.LinePlot(label=txt("gan.loss_plot"), color="series", elem_id="gan-loss-plot")
                d_plot = gr.LinePlot(label=txt("gan.d_plot"), color="series", elem_id="gan-d-plot")
        # the figure carries its own titles; a label would sit on top of them
        share_plot = picture(txt("gan.share_plot"), "gan-share-plot", "chart", show_label=False)
        outs = [tl_img, loss_plot, d_plot, share_plot, summary]
        ex = sorted({1, min(60, E), E})  # the chapter shows epochs 1, 60 and 200
        examples = gr.Examples(
            [[e] for e in ex],
            inputs=[epoch],
            outputs=outs,
            fn=gan_timeline,
            **example_caching(),
            api_visibility="private",
            example_labels=[str(e) for e in ex],
            label=txt("gan.ex_epoch"),
        )
        gr.Markdown(txt("gan.fig64_h"))  # the run's last epoch stands in for 200 if it had fewer (a test run)
        fig64 = picture(txt("gan.fig64_alt"), "gan-figure-6-4", show_label=False)
        fig64_text = gr.Markdown(elem_id="gan-figure-6-4-text")
    tl_recipe.change(gan_figure_6_4, [tl_recipe], [fig64, fig64_text], api_visibility="private")
    on_open(gan_figure_6_4, [tl_recipe], [fig64, fig64_text])
    show.click(gan_timeline, [epoch, tl_recipe], outs, **TIMELINE.event())
    epoch.release(gan_timeline, [epoch, tl_recipe], outs, **TIMELINE.event(private=True))
    tl_recipe.change(gan_timeline, [epoch, tl_recipe], outs, **TIMELINE.event(private=True))
    # run_on_click would add a public-looking event; show the chosen epoch with a private one instead
    examples.load_input_event.then(gan_timeline, [epoch, tl_recipe], outs, **TIMELINE.event(private=True))
    playing = play.click(gan_timeline_play, [tl_recipe], [epoch, *outs], api_visibility="private")
    stop.click(None, None, None, cancels=[playing])
    on_open(gan_timeline, [epoch, tl_recipe], outs)
