"""Mode collapse, measured (/mode_collapse): which digits does the GAN really produce, against the chapter's own count,
an even 10 % each, and the conditional GAN asked for every digit equally often."""

from __future__ import annotations

import functools

import gradio as gr
import numpy as np
import torch

from gendemo.app.i18n import lang_of, tr
from gendemo.app.registry import REGISTRY, ModelUnavailable
from gendemo.app.ui.common import Dropdown, Number, Slider, T, as_int, as_seed, example_caching, guarded, model
from gendemo.app.ui.gan_common import card_epochs, judge, long_frame, snapshot_epochs, tiles
from gendemo.core.images import to_pil, to_pil_grid
from gendemo.core.metrics import CHAPTER_SHARES, class_shares, entropy_bits, kl_to_uniform
from gendemo.gan.sampling import sample_cgan, sample_gan

TAB_KEY = "mc.tab"
N_MIN, N_MAX, N_DEFAULT = 100, 10_000, 1_000
PER_ROW = 12  # samples shown per predicted digit
N_UNSURE = 12  # least confident samples shown
CHAPTER_KL = 0.114

STRINGS = {
    "en": {
        "mc.tab": "Mode collapse",
        "mc.intro": (
            "A generator is only rewarded for fooling the discriminator, never for variety. If it finds a few kinds of "
            "digit that pass as real, nothing stops it from drawing mostly those: that is **mode collapse**. In the "
            "worst case every noise vector gives the same digit; usually it is milder — some digits are drawn far too "
            "often and others hardly ever, because the generator keeps chasing whatever the discriminator currently "
            "believes and the discriminator keeps moving. The chapter's GAN produced 21 % ones but only 4 % twos.\n\n"
            "Here the GAN draws N digits, the classifier names each one, and the counts are compared with the "
            "chapter's table, with a perfectly even 10 % per digit, and with the conditional GAN, which is told which "
            "digit to draw (each asked for equally often). Two numbers sum up the unevenness: the KL divergence from "
            "the even mix (0 when every digit has 10 %, ln 10 ≈ 2.30 nats when only one digit ever appears) and the "
            "entropy (log₂ 10 ≈ 3.32 bits at best).\n\n"
            "**Try this:** compare the generator after epoch 1 with the final one, then raise N to 10,000 to see how "
            "much of the unevenness at N = 1,000 is just chance."
        ),
        "mc.source": "Generator",
        "mc.final": "final (end of training)",
        "mc.epoch_choice": "after epoch {e}",
        "mc.n": "Number of samples N",
        "mc.run": "Count the digits",
        "mc.bar": "Share of each digit (%)",
        "mc.compare": "Compared: this generator, the chapter, the conditional GAN, an even split",
        "mc.table": "Shares in percent",
        "mc.grouped": "Samples sorted by the digit the classifier sees (row 0 at the top to row 9 at the bottom)",
        "mc.unsure": "The samples the classifier is least sure about",
        "mc.grouped_h": (
            "**Samples sorted by the digit the classifier sees** — row 0 at the top, row 9 at the "
            "bottom; the clearest first."
        ),
        # handler text
        "mc.x_digit": "digit",
        "mc.y_share": "share (%)",
        "mc.s_this": "this generator",
        "mc.s_chapter": "chapter (table 6-1)",
        "mc.s_cgan": "conditional GAN",
        "mc.s_uniform": "even split",
        "mc.col_digit": "digit",
        "mc.col_this": "this generator %",
        "mc.col_chapter": "chapter %",
        "mc.col_cgan": "conditional GAN %",
        "mc.col_uniform": "even %",
        "mc.bad_source": "Generator must be 'final' or an epoch from 1 to {E}; got {value!r}.",
        "mc.recorded": (
            "No weights were kept for epoch {e}, so these are the shares counted during training (1,000 samples, "
            "whatever N says); the pictures are that epoch's 64 timeline digits. Epochs with weights: "
            "the final one and those marked ● in the list."
        ),
        "mc.summary": (
            "**{name}, N = {n:,}** · KL(p ‖ even) = **{kl:.3f} nats** (chapter: {ckl:.3f}; 0 is perfectly even) · "
            "entropy **{h:.3f} bits** (at most 3.322) · rarest digit **{low}** at {low_p:.1f} %, most common **{top}** "
            "at {top_p:.1f} % · the classifier is unsure (below 60 %) about {unsure:.1f} % of them."
        ),
        "mc.summary_cgan": (
            "**Conditional GAN, each digit asked for N/10 times (a fixed reference sample, seed 0):** KL = {kl:.3f} "
            "nats, entropy {h:.3f} bits, rarest digit {low} at {low_p:.1f} %; the classifier agreed with the requested "
            "digit for {acc:.1f} % of them."
        ),
        "mc.no_cgan": "The conditional GAN is not available for the comparison: {why}",
        "mc.name_final": "Final generator",
        "mc.name_epoch": "Generator after epoch {e}",
        "mc.verdict_even": "By this measure the generator covers all ten digits fairly evenly.",
        "mc.verdict_mild": "Some digits are clearly favoured over others: a mild case of mode collapse.",
        "mc.verdict_strong": "A few digits dominate: strong mode collapse.",
    },
    "zh-CN": {
        "mc.tab": "模式坍塌",
        "mc.intro": (
            "生成器只因骗过判别器而得到奖励，多样性从来不计分。如果它发现某几种数字能蒙混过关，"
            "就没有什么能阻止它主要画这几种——这就是**模式坍塌**。最极端时，任何噪声向量都画出同一个数字；"
            "通常情况要温和一些：某些数字出现得太多，另一些几乎不出现，因为生成器总在追逐判别器当下的看法，"
            "而判别器自己也在不断变化。本章的 GAN 生成了 21% 的 1，却只有 4% 的 2。\n\n"
            "在这里，GAN 生成 N 个数字，由分类器逐一认出，再把统计结果与本章的表格、每个数字各占 10% 的均匀分布，"
            "以及条件 GAN（告诉它画哪个数字，每个数字被要求的次数相同）进行比较。两个数字概括了不均匀的程度："
            "与均匀分布的 KL 散度（每个数字都是 10% 时为 0，只出现一个数字时为 ln 10 ≈ 2.30 奈特），"
            "以及熵（最大为 log₂ 10 ≈ 3.32 比特）。\n\n"
            "**试一试**：比较第 1 轮之后的生成器和最终的生成器，再把 N 调到 10,000，"
            "看看 N = 1,000 时的不均匀有多少只是偶然。"
        ),
        "mc.source": "生成器",
        "mc.final": "最终（训练结束时）",
        "mc.epoch_choice": "第 {e} 轮之后",
        "mc.n": "样本数 N",
        "mc.run": "统计数字",
        "mc.bar": "各数字所占比例（%）",
        "mc.compare": "对比：当前生成器、本章结果、条件 GAN、均匀分布",
        "mc.table": "各数字比例（%）",
        "mc.grouped": "按分类器认出的数字排列的样本（最上面一行是 0，最下面一行是 9）",
        "mc.unsure": "分类器最没有把握的样本",
        "mc.grouped_h": "**按分类器认出的数字排列的样本**——最上面一行是 0，最下面一行是 9；每行中最清楚的排在前面。",
        "mc.x_digit": "数字",
        "mc.y_share": "比例（%）",
        "mc.s_this": "当前生成器",
        "mc.s_chapter": "本章（表 6-1）",
        "mc.s_cgan": "条件 GAN",
        "mc.s_uniform": "均匀分布",
        "mc.col_digit": "数字",
        "mc.col_this": "当前生成器 %",
        "mc.col_chapter": "本章 %",
        "mc.col_cgan": "条件 GAN %",
        "mc.col_uniform": "均匀 %",
        "mc.bad_source": "生成器必须是 'final' 或 1 到 {E} 之间的某一轮；收到的是 {value!r}。",
        "mc.recorded": (
            "第 {e} 轮没有保存权重，因此这里显示的是训练时统计的比例（1,000 个样本，与 N 无关）；"
            "图片是该轮时间轴上的 64 个数字。保存了权重的轮次：最终一轮，以及列表中标有 ● 的轮次。"
        ),
        "mc.summary": (
            "**{name}，N = {n:,}** · KL(p ‖ 均匀) = **{kl:.3f} 奈特**（本章：{ckl:.3f}；0 表示完全均匀）· "
            "熵 **{h:.3f} 比特**（最大 3.322）· 最少见的数字 **{low}** 占 {low_p:.1f} %，"
            "最常见的 **{top}** 占 {top_p:.1f} % · 分类器对其中 {unsure:.1f} % 的样本没有把握（置信度低于 60%）。"
        ),
        "mc.summary_cgan": (
            "**条件 GAN，每个数字各要求 N/10 次（固定的参照样本，随机种子 0）：** KL = {kl:.3f} 奈特，熵 {h:.3f} 比特，"
            "最少见的数字 {low} 占 {low_p:.1f} %；分类器认出的数字与要求的一致的比例为 {acc:.1f} %。"
        ),
        "mc.no_cgan": "条件 GAN 暂不可用，无法对比：{why}",
        "mc.name_final": "最终生成器",
        "mc.name_epoch": "第 {e} 轮之后的生成器",
        "mc.verdict_even": "按这个指标，生成器相当均匀地覆盖了全部十个数字。",
        "mc.verdict_mild": "某些数字明显更受偏爱：轻度的模式坍塌。",
        "mc.verdict_strong": "少数几个数字占了绝大多数：严重的模式坍塌。",
    },
}


def _source(source, lang):
    """'final' (or None) → ("live", final GAN, name); an epoch with stored weights → ("live", that snapshot, name);
    any other epoch of the timeline → ("recorded", timeline, name): the shares counted during training."""
    s = "final" if source is None or str(source).strip() == "" else str(source).strip().lower()
    if s == "final":
        return "live", model("gan", lang), tr("mc.name_final", lang), None
    try:
        e = int(float(s))
        ok = float(s) == e
    except (TypeError, ValueError, OverflowError):
        ok = False
    E = card_epochs()
    if not ok or not 1 <= e <= E:
        raise gr.Error(tr("mc.bad_source", lang, E=E, value=source))
    if e in snapshot_epochs():
        snaps = model("gan_snapshots", lang)
        if e in snaps:
            return "live", snaps[e], tr("mc.name_epoch", lang, e=e), e
    tl = model("gan_timeline", lang)
    if e > tl["shares"].shape[0]:
        raise gr.Error(tr("mc.bad_source", lang, E=tl["shares"].shape[0], value=source))
    return "recorded", tl, tr("mc.name_epoch", lang, e=e), e


CGAN_SEED = 0  # the contrast is a fixed reference sample per N, so it is computed once and then cached


@functools.lru_cache(maxsize=16)
def _cgan_counts(n: int, key: int):
    """The conditional GAN asked for each digit n/10 times: (shares, accuracy).
    Independent of the GAN's source and seed."""
    g, net = REGISTRY.get("cgan"), REGISTRY.get("classifier")
    want = torch.arange(10).repeat_interleave(max(1, n // 10))
    probs = judge(net, sample_cgan(g, want, CGAN_SEED))
    pred = probs.argmax(1)
    return class_shares(pred), float((pred == want).float().mean())


@guarded
def mode_collapse(source="final", n=N_DEFAULT, seed=0, request: gr.Request = None, progress=gr.Progress()):
    lang = lang_of(request)
    n = as_int(n, tr("mc.n", lang), N_MIN, N_MAX, lang)
    seed = as_seed(seed, lang)
    kind, g, name, epoch = _source(source, lang)
    net = model("classifier", lang)
    if kind == "live":
        progress(0.1, desc=tr("mc.n", lang))  # 10,000 digits take a few seconds on a CPU: show that work is going on
        x = sample_gan(g, n, seed).cpu()
        progress(0.5)
        probs = judge(net, x)
        conf, pred = probs.max(1)
        p = class_shares(pred)
    else:  # no weights kept for this epoch: the 1,000 samples counted during training, and its 64 timeline digits
        x = torch.from_numpy(g["samples"][epoch - 1]).float().div(255).unsqueeze(1)
        probs = judge(net, x)
        conf, pred = probs.max(1)
        p = g["shares"][epoch - 1].astype(np.float64)
        p = p / p.sum()
        n = 1000
    kl, h = kl_to_uniform(p), entropy_bits(p)

    cg_text, cg_p = "", None
    progress(0.8)
    try:
        cg_p, acc = _cgan_counts(n, id(REGISTRY.get("cgan")))
        cg_text = tr(
            "mc.summary_cgan",
            lang,
            kl=kl_to_uniform(cg_p),
            h=entropy_bits(cg_p),
            low=int(cg_p.argmin()),
            low_p=100 * cg_p.min(),
            acc=100 * acc,
        )
    except ModelUnavailable as e:
        cg_text = tr("mc.no_cgan", lang, why=str(e))

    digits = np.arange(10)
    xd, ys = tr("mc.x_digit", lang), tr("mc.y_share", lang)
    bar_df = long_frame(digits.astype(str), {tr("mc.s_this", lang): 100 * p}, xd, ys, "series")
    series = {tr("mc.s_this", lang): 100 * p, tr("mc.s_chapter", lang): np.array(CHAPTER_SHARES)}
    if cg_p is not None:
        series[tr("mc.s_cgan", lang)] = 100 * cg_p
    series[tr("mc.s_uniform", lang)] = np.full(10, 10.0)
    cmp_df = long_frame(digits.astype(str), series, xd, ys, "series")

    import pandas as pd

    table = pd.DataFrame(
        {
            tr("mc.col_digit", lang): digits,
            tr("mc.col_this", lang): np.round(100 * p, 1),
            tr("mc.col_chapter", lang): CHAPTER_SHARES,
            tr("mc.col_cgan", lang): np.round(100 * cg_p, 1) if cg_p is not None else [float("nan")] * 10,
            tr("mc.col_uniform", lang): [10.0] * 10,
        }
    )

    verdict = "mc.verdict_even" if kl < 0.05 else ("mc.verdict_mild" if kl < 0.3 else "mc.verdict_strong")
    summary = tr(
        "mc.summary",
        lang,
        name=name,
        n=n,
        kl=kl,
        ckl=CHAPTER_KL,
        h=h,
        low=int(p.argmin()),
        low_p=100 * p.min(),
        top=int(p.argmax()),
        top_p=100 * p.max(),
        unsure=100 * float((conf < 0.6).float().mean()),
    )
    summary += " " + tr(verdict, lang)
    if kind == "recorded":
        summary += "\n\n" + tr("mc.recorded", lang, e=epoch)
    summary += "\n\n" + cg_text

    rows = []
    for d in range(10):
        idx = (pred == d).nonzero().flatten()
        idx = idx[conf[idx].argsort(descending=True)][:PER_ROW]  # the clearest examples of each digit first
        rows.append(x[idx])
    grouped = to_pil_grid(tiles(rows, PER_ROW), nrow=PER_ROW, scale=2)
    unsure_idx = conf.argsort()[:N_UNSURE]
    unsure = [(to_pil(x[i], scale=4), f"{int(pred[i])} · {100 * float(conf[i]):.0f} %") for i in unsure_idx]

    return (
        gr.BarPlot(value=bar_df, x=xd, y=ys, x_title=xd, y_title=ys, y_lim=[0, max(25.0, 100 * p.max() + 2)]),
        gr.LinePlot(value=cmp_df, x=xd, y=ys, color="series", x_title=xd, y_title=ys, color_title=" "),
        table,
        summary,
        grouped,
        unsure,
    )


def build():
    epochs, E = snapshot_epochs(), card_epochs()
    listed = sorted({e for e in (1, 2, 3, 5, 10, 20, 30, 40, 60, 80, 100, 120, 150, 180) if e < E} | set(epochs))
    choices = [(T("mc.final"), "final")] + [(f"{e} ●" if e in epochs else str(e), str(e)) for e in listed]
    gr.Markdown(T("mc.intro"))
    with gr.Row():
        source = Dropdown(choices, value="final", label=T("mc.source"), elem_id="mc-source")
        n = Slider(N_MIN, N_MAX, value=N_DEFAULT, step=100, label=T("mc.n"), elem_id="mc-n")
        seed = Number(value=0, precision=0, label=T("common.seed"), elem_id="mc-seed")
        btn = gr.Button(T("mc.run"), variant="primary", elem_id="mc-button")
    summary = gr.Markdown(elem_id="mc-summary")
    with gr.Row():
        bar = gr.BarPlot(label=T("mc.bar"), height=320, elem_id="mc-bar")
        cmp = gr.LinePlot(label=T("mc.compare"), color="series", elem_id="mc-compare")
    table = gr.Dataframe(label=T("mc.table"), interactive=False, elem_id="mc-table")
    with gr.Row():
        with gr.Column():
            gr.Markdown(T("mc.grouped_h"))  # a caption above, not over the picture: the label would hide row 0
            grouped = gr.Image(
                label=T("mc.grouped"),
                show_label=False,
                format="png",
                interactive=False,
                elem_id="mc-grouped",
                elem_classes=["gd-pixel"],
            )
        unsure = gr.Gallery(
            label=T("mc.unsure"),
            format="png",
            columns=4,
            height=520,
            elem_id="mc-unsure",
            elem_classes=["gd-pixel"],
            allow_preview=False,
        )
    outs = [bar, cmp, table, summary, grouped, unsure]
    gr.Examples(
        [["final", 1000, 0], ["final", 10000, 0]] + [[str(e), 1000, 0] for e in epochs[:1]],
        inputs=[source, n, seed],
        outputs=outs,
        fn=mode_collapse,
        **example_caching(),
        api_visibility="private",
        example_labels=["N = 1,000", "N = 10,000"] + [f"{e} · N = 1,000" for e in epochs[:1]],
        label=T("gan.examples"),
    )
    btn.click(mode_collapse, [source, n, seed], outs, api_name="mode_collapse")
