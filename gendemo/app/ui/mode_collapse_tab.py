"""Mode collapse, measured (/mode_collapse): which digits does the GAN really produce, against the chapter's own count,
an even 10 % each, and the conditional GAN asked for every digit equally often."""

from __future__ import annotations

import functools
import math

import gradio as gr
import numpy as np
import torch

from gendemo.app.endpoints import ENDPOINTS
from gendemo.app.i18n import lang_of, tr
from gendemo.app.registry import REGISTRY, ModelUnavailable
from gendemo.app.ui import predict
from gendemo.app.ui.common import (
    example_caching,
    model,
    on_open,
    picture,
    pictures,
    txt,
)
from gendemo.app.ui.gan_common import (
    RECIPE_ROWS,
    card_epochs,
    fast_classifier,
    figure_image,
    new_figure,
    recipe_choices,
    recipe_name,
    share_heatmap,
    snapshot_epochs,
    tiles,
)
from gendemo.classifier.fast import judge
from gendemo.core.images import to_pil, to_pil_grid
from gendemo.core.metrics import (
    CHAPTER_SHARES,
    class_shares,
    crossings,
    entropy_bits,
    kl_per_epoch,
    kl_to_uniform,
    moving_average,
)
from gendemo.gan.sampling import sample_cgan, sample_gan

TAB_KEY = "mc.tab"
COUNT = ENDPOINTS["mode_collapse"]
PER_ROW = 12  # samples shown per predicted digit
N_UNSURE = 12  # least confident samples shown
CHAPTER_KL = 0.114

_STRINGS = {  # the fixed text; STRINGS (below) adds one label per epoch the generator list offers
    "en": {
        "mc.tab": "Mode collapse",
        "mc.intro": (
            "A generator is only rewarded for fooling the discriminator, never for variety. If a few kinds of digit "
            "pass as real, nothing stops it from drawing mostly those: that is **mode collapse**. At its worst every "
            "noise vector gives the same digit; usually it is milder — some digits far too often, others hardly ever "
            "— because the generator keeps chasing whatever the discriminator believes at the moment, and the "
            "discriminator keeps moving. The chapter's GAN drew 21 % ones but only 4 % twos and 4 % eights (its "
            "table 6-1).\n\n"
            "**Try this:** count the final generator of the chapter's recipe at N = 10,000, then the remedy recipe's; "
            "then pick epoch 1 of either and see what a freshly started GAN draws."
        ),
        "mc.more": "The two recipes, and the two numbers that measure unevenness",
        "mc.more_text": (
            "Two GANs with the chapter's architecture were trained here (the chapter runs 200 epochs). **The "
            "chapter's recipe** is the nine-step loop exactly as printed: real digits labelled 1, fakes 0, nothing "
            "added. **The remedy recipe** changes how the discriminator learns. It cannot win too easily: real digits "
            "are labelled 0.9 instead of 1 (one-sided label smoothing) and dropout switches off 30 % of its units at "
            "random while it learns. And it sees the pictures in groups of four together with how much they differ "
            "from each other (minibatch standard deviation), so a generator that keeps drawing the same few digits "
            "gives itself away.\n\n"
            "Each generator draws N digits, the classifier names every one, and the counts are set beside the "
            "chapter's table 6-1 and the conditional GAN, which is told which digit to draw. Two numbers sum up the "
            "unevenness: the KL divergence from an even mix (0 when every digit has 10 %, ln 10 ≈ 2.30 nats when "
            "only one digit appears) and the entropy (at most log₂ 10 ≈ 3.32 bits)."
        ),
        "mc.recipe": "Training recipe",
        "mc.source": "Generator",
        "mc.source_info": (
            "“drawn now”: that generator's weights were kept, so its digits are drawn for you; the other epochs show "
            "what was counted during training"
        ),
        "mc.final": "final (end of training) — drawn now",
        "mc.epoch_choice": "after epoch {e}",
        "mc.src_kept": "epoch {e} — drawn now",
        "mc.src_counts": "epoch {e} — counted in training",
        "mc.n": "Number of samples N",
        "mc.run": "Count the digits",
        "mc.compare": "Share of each digit (%): this generator beside the others",
        "mc.table": "Shares in percent, KL to an even mix and entropy",
        "mc.grouped": "Samples sorted by the digit the classifier sees (row 0 at the top to row 9 at the bottom)",
        "mc.unsure": "The samples the classifier is least sure about",
        "mc.grouped_h": (
            "**Samples sorted by the digit the classifier sees** — row 0 at the top, row 9 at the "
            "bottom; the clearest first."
        ),
        "mc.traj_h": "The whole run: collapse over 200 epochs",
        "mc.samples_acc": "The samples themselves, sorted by digit, and the ones the classifier doubts",
        "mc.ex_remedy": "remedy recipe · final · N = 1,000",
        "mc.ex_chapter": "chapter's recipe · final · N = 10,000",
        "mc.ex_chapter_1": "chapter's recipe · epoch 1 · N = 1,000",
        "mc.p_draw": "Drawing {n:,} digits",
        "mc.p_judge": "The classifier names each one",
        "mc.p_other": "The other recipe's final generator, the same N and seed",
        "mc.p_cgan": "The conditional GAN, asked for each digit N/10 times",
        "mc.p_figures": "Drawing the charts",
        "mc.traj": "KL after every epoch (both recipes) and the chosen recipe's shares per epoch",
        # handler text
        "mc.x_digit": "digit",
        "mc.y_share": "share (%)",
        "mc.x_epoch": "epoch",
        "mc.y_kl": "KL to an even mix (nats, log scale)",
        "mc.traj_kl": "KL per epoch (1,000 samples; line: 5-epoch mean)",
        "mc.traj_heat": "Share of each digit per epoch — {recipe}",
        "mc.s_other": "final · {recipe}",
        "mc.s_chapter": "the chapter's table 6-1",
        "mc.s_book": "from the chapter's table 6-1 (0.114)",
        "mc.s_cgan": "conditional GAN",
        "mc.s_uniform": "even split",
        "mc.col_series": "generator",
        "mc.col_kl": "KL (nats)",
        "mc.col_h": "entropy (bits)",
        "mc.bad_source": "Generator must be 'final' or an epoch from 1 to {E}; got {value!r}.",
        "mc.recorded": (
            "No weights were kept for epoch {e}, so these are the shares counted during training (1,000 samples, "
            "whatever N says); the pictures are that epoch's 64 timeline digits. Epochs with weights: "
            "the final one and those marked “drawn now” in the list."
        ),
        "mc.summary": (
            "**{name}, N = {n:,}** · KL(p ‖ even) = **{kl:.3f} nats** (from the chapter's table 6-1: {ckl:.3f}; 0 is "
            "perfectly even) · "
            "entropy **{h:.3f} bits** (at most 3.322) · rarest digit **{low}** at {low_p:.1f} %, most common **{top}** "
            "at {top_p:.1f} % · the classifier is unsure (below 60 %) about {unsure:.1f} % of them."
        ),
        "mc.summary_cgan": (
            "The conditional GAN was asked for each digit N/10 times (a fixed reference sample, seed 0); the "
            "classifier agreed with the requested digit for {acc:.1f} % of them."
        ),
        "mc.no_cgan": "The conditional GAN is not available for the comparison: {why}",
        "mc.name_final": "Final generator",
        "mc.name_epoch": "Generator after epoch {e}",
        "mc.verdict_even": "By this measure the generator covers all ten digits fairly evenly.",
        "mc.verdict_as_real": (
            "By this measure the generator mixes the ten digits about as evenly as real handwriting does: the labels "
            "of MNIST's 60,000 training digits score 0.0014 nats."
        ),
        "mc.verdict_mild": "Some digits are clearly favoured over others: a mild case of mode collapse.",
        "mc.verdict_strong": "A few digits dominate: strong mode collapse.",
        "mc.traj_run": (
            "**Trained with {recipe}:** after epoch 1, {top1_p:.0f} % of its samples were {top1}s. After epoch {E} its "
            "KL is {kl_end:.3f} nats (5-epoch mean); favourites {fav}, rarest {rare}."
        ),
        "mc.traj_partial": "This run has had {E} of the chapter's 200 epochs so far.",
        "mc.traj_down": "Its curve first falls below the 0.114 of the chapter's table 6-1 at epoch {e}.",
        "mc.traj_up": "It climbs back above the book's level at epoch {e} and ends above it: the collapse deepens.",
        "mc.traj_stays": "It stays below the book's level from then on.",
        "mc.traj_book": (
            "The chapter says its early samples looked like 1s; in these runs the first epoch drew mostly the digits "
            "named above. The book's table is one point on a curve like these (the chapter prints no KL: its 0.114 is "
            "computed here from table 6-1's percentages) — where a run sits depends "
            "on how long it trained and how it was trained."
        ),
    },
    "zh-CN": {
        "mc.tab": "模式坍塌",
        "mc.intro": (
            "生成器只因骗过判别器而得到奖励，多样性从来不计分。如果某几种数字能蒙混过关，就没有什么能阻止它主要画这"
            "几种——这就是**模式坍塌**。最极端时，任何噪声向量都画出同一个数字；通常要温和一些：某些数字出现得太多，"
            "另一些几乎不出现，因为生成器总在追逐判别器当下的看法，而判别器自己也在不断变化。本章的 GAN 生成了 "
            "21% 的 1，而 2 和 8 都只有 4%（见本章表 6-1）。\n\n"
            "**试一试**：先在 N = 10,000 时统计本章配方的最终生成器，再统计改良配方的；然后任选一个配方的第 1 轮，"
            "看看刚开始训练的 GAN 画些什么。"
        ),
        "mc.more": "两种配方，以及衡量不均匀程度的两个数字",
        "mc.more_text": (
            "这里用本章的网络结构训练了两个 GAN（本章训练了 200 轮）。**本章配方**完全按书中的九个步骤："
            "真实数字标为 1，伪造的标为 0，不加任何改动。**改良配方**改变了判别器的训练方式。一是不让它轻易获胜："
            "真实数字标为 0.9 而不是 1（单侧标签平滑），并在它学习时用 dropout 随机关闭 30% 的神经元。"
            "二是让它每次看四张一组的图片，并告诉它这几张彼此差别有多大（小批量标准差），"
            "这样总画同样几种数字的生成器就会露出马脚。\n\n"
            "每个生成器画 N 个数字，分类器逐一认出，再与本章的表 6-1 以及条件 GAN（告诉它画哪个数字）并排比较。"
            "两个数字概括了不均匀的程度：与均匀分布的 KL 散度（每个数字都是 10% 时为 0，只出现一个数字时为 "
            "ln 10 ≈ 2.30 奈特），以及熵（最大为 log₂ 10 ≈ 3.32 比特）。"
        ),
        "mc.recipe": "训练配方",
        "mc.source": "生成器",
        "mc.source_info": "“现场生成”：保存了该生成器的权重，数字现场为你生成；其他轮次显示训练时统计的结果",
        "mc.final": "最终（训练结束时）— 现场生成",
        "mc.epoch_choice": "第 {e} 轮之后",
        "mc.src_kept": "第 {e} 轮 — 现场生成",
        "mc.src_counts": "第 {e} 轮 — 训练时的统计",
        "mc.n": "样本数 N",
        "mc.run": "统计数字",
        "mc.compare": "各数字所占比例（%）：当前生成器与其他生成器对比",
        "mc.table": "各数字比例（%）、与均匀分布的 KL 散度和熵",
        "mc.grouped": "按分类器认出的数字排列的样本（最上面一行是 0，最下面一行是 9）",
        "mc.unsure": "分类器最没有把握的样本",
        "mc.grouped_h": "**按分类器认出的数字排列的样本**——最上面一行是 0，最下面一行是 9；每行中最清楚的排在前面。",
        "mc.traj_h": "整个训练过程：200 轮中的模式坍塌",
        "mc.samples_acc": "样本本身：按数字排列，以及分类器没有把握的样本",
        "mc.ex_remedy": "改良配方 · 最终 · N = 1,000",
        "mc.ex_chapter": "本章配方 · 最终 · N = 10,000",
        "mc.ex_chapter_1": "本章配方 · 第 1 轮 · N = 1,000",
        "mc.p_draw": "正在画 {n:,} 个数字",
        "mc.p_judge": "分类器正在逐一认出",
        "mc.p_other": "另一种配方的最终生成器，同样的 N 和随机种子",
        "mc.p_cgan": "条件 GAN，每个数字各要求 N/10 次",
        "mc.p_figures": "正在画图表",
        "mc.traj": "每轮之后的 KL 散度（两种配方）以及所选配方每轮各数字的比例",
        "mc.x_digit": "数字",
        "mc.y_share": "比例（%）",
        "mc.x_epoch": "轮次",
        "mc.y_kl": "与均匀分布的 KL 散度（奈特，对数坐标）",
        "mc.traj_kl": "每轮的 KL（1,000 个样本；实线：5 轮平均）",
        "mc.traj_heat": "每轮各数字所占比例——{recipe}",
        "mc.s_other": "最终 · {recipe}",
        "mc.s_chapter": "本章表 6-1",
        "mc.s_book": "由本章表 6-1 算出（0.114）",
        "mc.s_cgan": "条件 GAN",
        "mc.s_uniform": "均匀分布",
        "mc.col_series": "生成器",
        "mc.col_kl": "KL（奈特）",
        "mc.col_h": "熵（比特）",
        "mc.bad_source": "生成器必须是 'final' 或 1 到 {E} 之间的某一轮；收到的是 {value!r}。",
        "mc.recorded": (
            "第 {e} 轮没有保存权重，因此这里显示的是训练时统计的比例（1,000 个样本，与 N 无关）；"
            "图片是该轮时间轴上的 64 个数字。保存了权重的轮次：最终一轮，以及列表中标有“现场生成”的轮次。"
        ),
        "mc.summary": (
            "**{name}，N = {n:,}** · KL(p ‖ 均匀) = **{kl:.3f} 奈特**（由本章表 6-1 算出：{ckl:.3f}；0 表示完全均匀）· "
            "熵 **{h:.3f} 比特**（最大 3.322）· 最少见的数字 **{low}** 占 {low_p:.1f} %，"
            "最常见的 **{top}** 占 {top_p:.1f} % · 分类器对其中 {unsure:.1f} % 的样本没有把握（置信度低于 60%）。"
        ),
        "mc.summary_cgan": (
            "条件 GAN 对每个数字各要求 N/10 次（固定的参照样本，随机种子 0）；分类器认出的数字与要求的一致的比例为 "
            "{acc:.1f} %。"
        ),
        "mc.no_cgan": "条件 GAN 暂不可用，无法对比：{why}",
        "mc.name_final": "最终生成器",
        "mc.name_epoch": "第 {e} 轮之后的生成器",
        "mc.verdict_even": "按这个指标，生成器相当均匀地覆盖了全部十个数字。",
        "mc.verdict_as_real": (
            "按这个指标，生成器画出各个数字的比例和真实手写数字差不多均匀：MNIST 六万个训练数字的标签为 0.0014 奈特。"
        ),
        "mc.verdict_mild": "某些数字明显更受偏爱：轻度的模式坍塌。",
        "mc.verdict_strong": "少数几个数字占了绝大多数：严重的模式坍塌。",
        "mc.traj_run": (
            "**用{recipe}训练：** 第 1 轮之后，{top1_p:.0f} % 的样本是 {top1}。第 {E} 轮之后，KL 为 {kl_end:.3f} 奈特"
            "（5 轮平均）；最偏爱 {fav}，最少见 {rare}。"
        ),
        "mc.traj_partial": "这次训练目前完成了本章 200 轮中的 {E} 轮。",
        "mc.traj_down": "它的曲线在第 {e} 轮首次降到由本章表 6-1 算出的 0.114 以下。",
        "mc.traj_up": "它在第 {e} 轮又升回本章的水平之上，并停留在上方：模式坍塌在加深。",
        "mc.traj_stays": "此后一直低于本章的水平。",
        "mc.traj_book": (
            "本章说早期的样本看起来像 1；而在这两次训练中，第 1 轮画的主要是上面列出的数字。"
            "本章的表格只是这类曲线上的一个点（本章没有给出 KL：0.114 是这里由表 6-1 的百分比算出的）"
            "——一次训练落在哪里，取决于训练了多久、怎样训练。"
        ),
    },
}


@functools.cache
def source_epochs() -> tuple[list[int], list[int]]:
    """(the epochs the generator list offers, those whose weights were kept): a spread of the chapter's epochs up to
    the last one trained, plus every kept snapshot. Read once from the shipped cards."""
    epochs, E = snapshot_epochs(), card_epochs()
    listed = sorted({e for e in (1, 2, 3, 5, 10, 20, 30, 40, 60, 80, 100, 120, 150, 180) if e < E} | set(epochs))
    return listed, epochs


def _source_key(e: int, kept: bool) -> str:
    return f"mc.src_{'kept' if kept else 'counts'}_{e}"


@functools.cache
def _strings() -> dict[str, dict[str, str]]:
    """The tab's text with one label per listed epoch in each language, so that the list reads on its own (it showed
    bare numbers, some with a "●" explained only under it): "epoch 5 — counted in training", "epoch 10 — drawn now".
    The browser translates a label by its key and has no arguments to fill in, so each epoch gets a key of its own;
    which epochs are listed comes from the shipped cards, read when the text is first needed rather than on import."""
    listed, kept = source_epochs()
    out = {lang: dict(table) for lang, table in _STRINGS.items()}
    for table in out.values():
        for e in listed:
            table[_source_key(e, e in kept)] = table["mc.src_kept" if e in kept else "mc.src_counts"].format(e=e)
    return out


def __getattr__(name: str):
    # STRINGS is made on first use (PEP 562): i18n reads it when the app's text is first needed, not on import
    if name == "STRINGS":
        return _strings()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _source(source, lang, recipe="remedy"):
    """'final' (or None) → ("live", final GAN, name); an epoch with stored weights → ("live", that snapshot, name);
    any other epoch of the timeline → ("recorded", timeline, name): the shares counted during training."""
    rows = RECIPE_ROWS[recipe]
    s = "final" if source is None or str(source).strip() == "" else str(source).strip().lower()
    if s == "final":
        return "live", model(rows["gan"], lang), tr("mc.name_final", lang), None
    try:
        e = int(float(s))
        ok = float(s) == e
    except (TypeError, ValueError, OverflowError):
        ok = False
    E = card_epochs(recipe=recipe)
    if not ok or not 1 <= e <= E:
        raise gr.Error(tr("mc.bad_source", lang, E=E, value=source))
    if e in snapshot_epochs(recipe):
        snaps = model(rows["snapshots"], lang)
        if e in snaps:
            return "live", snaps[e], tr("mc.name_epoch", lang, e=e), e
    tl = model(rows["timeline"], lang)
    if e > tl["shares"].shape[0]:
        raise gr.Error(tr("mc.bad_source", lang, E=tl["shares"].shape[0], value=source))
    return "recorded", tl, tr("mc.name_epoch", lang, e=e), e


CGAN_SEED = 0  # the contrast is a fixed reference sample per N, so it is computed once and then cached


def _cgan_counts(g, n: int):
    """The conditional GAN asked for each digit n/10 times: (shares, accuracy).
    Independent of the GAN's source and seed; kept by the registry per N (see mode_collapse)."""
    want = torch.arange(10).repeat_interleave(max(1, n // 10))
    probs = judge(fast_classifier(), sample_cgan(g, want, CGAN_SEED))
    pred = probs.argmax(1)
    return class_shares(pred), float((pred == want).float().mean())


def _final_counts(g, n: int, seed: int) -> np.ndarray:
    """The other recipe's final generator, N digits from the same seed: its shares, for the side-by-side view."""
    return class_shares(judge(fast_classifier(), sample_gan(g, n, seed)).argmax(1))


def _compare_figure(series: dict[str, np.ndarray], lang: str):
    """Grouped bars, one group per digit, one bar per generator; the even 10 % as a dashed line. One axes across the
    whole figure, the legend in a row above it: a second, removed axes had left the bars a quarter of the picture, and
    a legend inside the axes lay over the tallest bar (53 % ones)."""
    fig, ax = new_figure((12.0, 4.0), panels=1)
    w = 0.8 / len(series)
    for i, (name, p) in enumerate(series.items()):
        ax.bar(np.arange(10) + (i - (len(series) - 1) / 2) * w, p, width=w, label=name)
    ax.axhline(10, color="black", linestyle="--", linewidth=1, label=tr("mc.s_uniform", lang))
    top = max(float(np.max(p)) for p in series.values())
    ax.set(xticks=range(10), xlabel=tr("mc.x_digit", lang), ylabel=tr("mc.y_share", lang), ylim=(0, 1.08 * top))
    ax.legend(fontsize=8, ncol=3, loc="lower center", bbox_to_anchor=(0.5, 1.0), frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return figure_image(fig)


def _trajectory(lang: str, recipe: str) -> tuple:
    """The two runs' KL to the even mix after every epoch, the book's 0.114 marked, and the chosen recipe's shares
    as a heat map (epochs across, digits down): collapse as it deepens or heals."""
    runs = {}
    for r in RECIPE_ROWS:
        try:
            runs[r] = REGISTRY.get(RECIPE_ROWS[r]["timeline"])["shares"].astype(np.float64)
        except ModelUnavailable:
            continue
    if not runs:
        return None, ""
    fig, (a_kl, a_heat) = new_figure((9.6, 3.6))
    for r, shares in runs.items():
        kl = kl_per_epoch(shares)
        ep = np.arange(1, len(kl) + 1)
        line = a_kl.plot(ep, moving_average(kl), label=recipe_name(r, lang))[0]
        a_kl.plot(ep, kl, color=line.get_color(), alpha=0.25, linewidth=0.8)
    a_kl.axhline(CHAPTER_KL, color="black", linestyle="--", linewidth=1, label=tr("mc.s_book", lang))
    a_kl.set(yscale="log", ylim=(0.003, 2.5), xlabel=tr("mc.x_epoch", lang), ylabel=tr("mc.y_kl", lang))
    a_kl.set_title(tr("mc.traj_kl", lang), fontsize=10)
    a_kl.legend(fontsize=8)
    a_kl.grid(alpha=0.3)
    shown = runs.get(recipe, next(iter(runs.values())))
    title = tr("mc.traj_heat", lang, recipe=recipe_name(recipe, lang))
    im = share_heatmap(a_heat, shown, title, tr("mc.x_epoch", lang), tr("mc.x_digit", lang))
    fig.colorbar(im, ax=a_heat, label=tr("mc.y_share", lang))
    return figure_image(fig), _trajectory_text(runs, lang)


def _trajectory_text(runs: dict[str, np.ndarray], lang: str) -> str:
    """What the curves say, in numbers read off them: the first epoch, the book's level, the end."""
    parts = []
    for r, shares in runs.items():
        first = shares[0] / shares[0].sum()
        kl = kl_per_epoch(shares)
        smooth = moving_average(kl)
        ups = [i + 1 for i, d in crossings(smooth, CHAPTER_KL) if d == "up"]
        downs = [i + 1 for i, d in crossings(smooth, CHAPTER_KL) if d == "down"]
        end = shares[-1] / shares[-1].sum()
        order = np.argsort(-end)
        text = tr(
            "mc.traj_run",
            lang,
            recipe=recipe_name(r, lang),
            top1=int(first.argmax()),
            top1_p=100 * first.max(),
            E=len(kl),
            kl_end=float(smooth[-1]),
            fav=", ".join(f"{int(d)} ({100 * end[d]:.1f} %)" for d in order[:3]),
            rare=", ".join(f"{int(d)} ({100 * end[d]:.1f} %)" for d in order[-2:]),
        )
        if downs:
            text += " " + tr("mc.traj_down", lang, e=downs[0])
        if ups:
            text += " " + tr("mc.traj_up", lang, e=ups[-1])
        elif downs:
            text += " " + tr("mc.traj_stays", lang)
        if len(kl) < 200:
            text += " " + tr("mc.traj_partial", lang, E=len(kl))
        parts.append(text)
    return "\n\n".join(parts) + "\n\n" + tr("mc.traj_book", lang)


def _trajectory_cached(lang: str, recipe: str):
    # the timelines never change while the models stay loaded; _trajectory fetches them itself (either may be missing)
    return REGISTRY.derived((), "mc.trajectory", _trajectory, lang, recipe, keep=8)


def _series_row(name: str, p: np.ndarray) -> list:
    p = np.asarray(p, np.float64) / np.sum(p)
    return [name, *np.round(100 * p, 1).tolist(), round(kl_to_uniform(p), 3), round(entropy_bits(p), 3)]


@COUNT.handler
def mode_collapse(source, n, seed, recipe, request: gr.Request = None, progress=gr.Progress()):
    lang = lang_of(request)
    kind, g, name, epoch = _source(source, lang, recipe)
    net = fast_classifier(lang)
    # 10,000 digits and the comparisons take 10-30 s on a CPU: each part says what it is doing
    if kind == "live":
        progress(0.05, desc=tr("mc.p_draw", lang, n=n))
        x = sample_gan(g, n, seed).cpu()
        progress(0.25, desc=tr("mc.p_judge", lang))
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
    name = f"{name} · {recipe_name(recipe, lang)}"

    series = {name: 100 * p}
    other = "chapter" if recipe == "remedy" else "remedy"
    progress(0.45, desc=tr("mc.p_other", lang))
    try:  # the other recipe's final generator, same N and seed
        q = REGISTRY.derived(RECIPE_ROWS[other]["gan"], "mc.final_counts", _final_counts, n, seed, keep=16)
        series[tr("mc.s_other", lang, recipe=recipe_name(other, lang))] = 100 * q
    except ModelUnavailable:
        pass
    series[tr("mc.s_chapter", lang)] = np.array(CHAPTER_SHARES)
    cg_text = ""
    progress(0.65, desc=tr("mc.p_cgan", lang))
    try:
        cg_p, acc = REGISTRY.derived("cgan", "mc.cgan_counts", _cgan_counts, n, keep=16)
        series[tr("mc.s_cgan", lang)] = 100 * cg_p
        cg_text = tr("mc.summary_cgan", lang, acc=100 * acc)
    except ModelUnavailable as e:
        cg_text = tr("mc.no_cgan", lang, why=str(e))

    import pandas as pd

    cols = [tr("mc.col_series", lang), *[str(d) for d in range(10)], tr("mc.col_kl", lang), tr("mc.col_h", lang)]
    table = pd.DataFrame([_series_row(k, v) for k, v in series.items()], columns=cols)

    # the first band whose upper KL limit the mix stays under; 0.005: MNIST's own training labels score 0.0014, and
    # N = 10,000 samples add noise of about 0.0005
    bands = [(0.005, "as_real"), (0.05, "even"), (0.3, "mild"), (math.inf, "strong")]
    verdict = "mc.verdict_" + next(name for limit, name in bands if kl <= limit)
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

    progress(0.9, desc=tr("mc.p_figures", lang))
    rows = []
    for d in range(10):
        idx = (pred == d).nonzero().flatten()
        idx = idx[conf[idx].argsort(descending=True)][:PER_ROW]  # the clearest examples of each digit first
        rows.append(x[idx])
    grouped = to_pil_grid(tiles(rows, PER_ROW), nrow=PER_ROW, scale=2)
    unsure_idx = conf.argsort()[:N_UNSURE]
    unsure = [(to_pil(x[i], scale=4), f"{int(pred[i])} · {100 * float(conf[i]):.0f} %") for i in unsure_idx]
    traj, traj_text = _trajectory_cached(lang, recipe)
    return _compare_figure(series, lang), table, summary, grouped, unsure, traj, traj_text


def build():
    listed, epochs = source_epochs()
    choices = [(txt("mc.final"), "final")] + [(txt(_source_key(e, e in epochs)), str(e)) for e in listed]
    gr.Markdown(txt("mc.intro"))
    with gr.Accordion(txt("mc.more"), open=False, elem_id="mc-more"):
        gr.Markdown(txt("mc.more_text"))
    # predict, then look (#32): which digit dominates? The click counts the chapter recipe's final generator
    predicted = predict.ask("mc", [(str(d), str(d)) for d in range(10)], predict.mode_collapse_answer)
    with gr.Row(elem_id="mc-controls"):
        # two columns, so the generator list has room for its longest choice ("final (end of training) — drawn now")
        with gr.Column(scale=3):
            with gr.Row():
                recipe = COUNT.widget("recipe", choices=recipe_choices(), elem_id="mc-recipe", scale=1, min_width=200)
                source = COUNT.widget(
                    "source", choices=choices, info=txt("mc.source_info"), elem_id="mc-source", scale=2, min_width=320
                )
        with gr.Column(scale=2):
            with gr.Row():
                n = COUNT.widget("n", elem_id="mc-n", scale=2)
                seed = COUNT.widget("seed", elem_id="mc-seed", scale=1)
            btn = gr.Button(txt("mc.run"), variant="primary", elem_id="mc-button")
    predicted("mc-button", sets=((recipe, "chapter"), (source, "final")))
    summary = gr.Markdown(elem_id="mc-summary")
    compare = picture(txt("mc.compare"), "mc-compare", "chart", height=340)
    table = gr.Dataframe(label=txt("mc.table"), interactive=False, elem_id="mc-table")
    ins = [source, n, seed, recipe]
    with gr.Accordion(txt("mc.traj_h"), open=False, elem_id="mc-trajectory-section"):
        traj = picture(txt("mc.traj"), "mc-trajectory", "chart", height=300)
        traj_text = gr.Markdown(elem_id="mc-trajectory-text")
    with gr.Accordion(txt("mc.samples_acc"), open=False, elem_id="mc-samples-section"):
        with gr.Row():
            with gr.Column():
                gr.Markdown(txt("mc.grouped_h"))  # a caption above, not over the picture: the label would hide row 0
                grouped = picture(txt("mc.grouped"), "mc-grouped", show_label=False)
            unsure = pictures("mc-unsure", 4, label=txt("mc.unsure"), allow_preview=False)
    outs = [compare, table, summary, grouped, unsure, traj, traj_text]
    examples = gr.Examples(
        [["final", 1000, 0, "remedy"], ["final", 10000, 0, "chapter"]]
        + ([["1", 1000, 0, "chapter"]] if 1 in epochs else []),
        inputs=ins,
        outputs=outs,
        fn=mode_collapse,
        **example_caching(),
        api_visibility="private",
        example_labels=[txt("mc.ex_remedy"), txt("mc.ex_chapter")] + ([txt("mc.ex_chapter_1")] if 1 in epochs else []),
        label=txt("gan.examples"),
    )
    btn.click(mode_collapse, ins, outs, **COUNT.event())
    # an example fills the controls and then counts, so the controls never disagree with the pictures
    examples.load_input_event.then(mode_collapse, ins, outs, **COUNT.event(private=True))
    on_open(mode_collapse, ins, outs)
