"""Train it yourself: the chapter's GAN trained from scratch in the server while the learner watches (/gan_live), and
the chapter's loop one minibatch at a time (/gan_live_step). The engine is gendemo/gan/live.py, and one scheduler
(gendemo/gan/scheduler.py) trains every learner's run in turn; this module only checks the knobs, watches the learner's
seat for new frames and turns the engine's numbers into pictures and plots."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid

import gradio as gr
import numpy as np
import torch

from gendemo.app import class_board
from gendemo.app.endpoints import ENDPOINTS, live_runs_cap
from gendemo.app.i18n import lang_of, tr
from gendemo.app.ui.common import (
    guarded,
    model,
    on_open,
    picture,
    txt,
)
from gendemo.app.ui.gan_common import CJK_FONTS, fast_classifier, figure_image
from gendemo.app.zerogpu import live_registry
from gendemo.classifier.fast import judge
from gendemo.core.device import resolve_precision
from gendemo.core.images import to_pil_grid
from gendemo.core.metrics import kl_to_uniform
from gendemo.core.priority import give_way
from gendemo.gan.artifacts import FORK_EPOCHS, fork_pair
from gendemo.gan.live import KL_EVERY, POINT_EVERY, LiveRun, Report, Start
from gendemo.gan.recipes import CHAPTER, RECIPES
from gendemo.gan.scheduler import Busy, Frame, Scheduler, Seat, Superseded

TAB_KEY = "live.tab"
# Both run in the live lane (endpoints.LIVE), wide enough that no press waits for another learner's run: the training
# itself is the scheduler's, which trains up to GENDEMO_LIVE_RUNS runs in turn. The budget's range is the server's cap
# on one press of Start (endpoints.live_max_seconds).
TRAIN, STEP = ENDPOINTS["gan_live"], ENDPOINTS["gan_live_step"]
LOOK_SECONDS = 0.2  # how often a stream looks for new frames and at the Stop switch
BEAT_SECONDS = 2.0  # without a new frame, the status is sent again this often (the countdown; a closed tab is noticed)
CURVES_EVERY = 4  # frames between two drawings of the curves

_SCHEDULER: Scheduler | None = None
_SCHEDULER_LOCK = threading.Lock()


def live_scheduler() -> Scheduler:
    """The server's one trainer of live runs, made at the first run."""
    global _SCHEDULER
    with _SCHEDULER_LOCK:
        if _SCHEDULER is None:
            _SCHEDULER = Scheduler(cap=live_runs_cap())
        return _SCHEDULER


STRINGS = {
    "en": {
        "live.tab": "Train it yourself",
        "live.intro": (
            "Here the chapter's GAN starts from nothing and learns on the server while you watch. Every picture below "
            "comes from the same 64 noise vectors, so you see one generator change rather than new random draws. "
            "The classifier judges a few hundred fresh digits at every update: the bars show which digits the "
            "generator currently draws, and the KL number says how far that is from an even mix (0 is perfectly even, "
            "2.30 means one digit only).\n\n"
            "**Try this:** press Start with the chapter's recipe and watch the first seconds: the generator soon draws "
            "mostly one kind of blob (a collapse, KL above 1), then spreads out. Then switch to the remedy recipe, or "
            "open the knobs and make the discriminator learn five times faster, and compare the curves."
        ),
        "live.recipe": "Recipe",
        "live.recipe_info": (
            "The chapter's plain loop (real = 1, fake = 0), or the remedy the shipped GAN used (real = 0.9, dropout in "
            "the discriminator, which also reads how varied each group of four pictures is). Picking one sets the "
            "knobs."
        ),
        "live.from": "Start from",
        "live.from_info": (
            "Random weights, or the recorded run of the chapter's recipe (the one the GAN tab's timeline shows) at one "
            "of the epochs whose generator and discriminator were kept: your run forks it there and goes on with your "
            "knobs, and the charts put the recorded run beside yours."
        ),
        "live.from_scratch": "random weights (a new run)",
        "live.from_epoch": "the recorded run at epoch {e}",
        "live.fork_new": (
            "**Not trained yet: a fork of the recorded run at epoch {e}.** Above: the digits the recorded generator "
            "drew then for the 64 fixed noise vectors. Press Start to train on from here with the knobs as they "
            "are. Your run starts from the recorded G and D (8-bit copies of their weights) but with a fresh Adam "
            "optimiser: the recorded run's optimiser state was not kept, so even unchanged knobs will not retrace it "
            "step for step."
        ),
        "live.fork_line": (
            "Fork of the recorded run at epoch {e} (its G and D, fresh Adam state). Recorded run at epoch {re}: KL = "
            "{rkl:.2f}, most drawn digit **{rtop}** ({rtop_p:.0f} %). Its figures come from 1,000 digits an epoch, "
            "yours from 200 at a time, so differences of a few points are chance."
        ),
        "live.fork_end": "Fork of the recorded run at epoch {e}; the recorded run ends at epoch {last}.",
        "live.err.fork_noise": (
            "A fork continues the recorded generator, which reads ten noise numbers: set the noise size to 10, or "
            "start from random weights."
        ),
        "live.x_epoch": "epoch",
        "live.s_yours": "your run",
        "live.s_recorded": "recorded run",
        "live.share_fork": "Digit shares: your fork at epoch {e:.1f} vs the recorded run at epoch {re}",
        "live.knobs": "The knobs: learning rates, Adam β1, batch, noise size, real label, discriminator steps",
        "live.lr_g": "Generator learning rate",
        "live.lr_g_info": "How big a step the generator takes after each verdict; too big and it overshoots.",
        "live.lr_d": "Discriminator learning rate",
        "live.lr_d_info": "A faster discriminator wins sooner, and then gives the generator little to learn from.",
        "live.beta1": "Adam β1",
        "live.beta1_info": "How much each step remembers of earlier steps; high values make the tug of war swing more.",
        "live.batch": "Batch size",
        "live.batch_info": (
            "Real and fake digits per step. The chapter gives 468 minibatches an epoch, not their size; for MNIST's "
            "60,000 digits that means 128 (60,000 / 128 = 468)."
        ),
        "live.noise": "Noise size",
        "live.noise_info": (
            "How many random numbers the generator starts from; the chapter uses ten. It notes that a small noise "
            "vector "
            "tends to be entangled (one number changes several features at once) and that a larger one, a hundred say, "
            "makes it likelier that a feature follows a single direction; the Latent space tab puts that to a test. "
            "With two, the chapter warns, a generator is hard to train."
        ),
        "live.real_label": "Label for real digits",
        "live.real_label_info": "1 in the chapter; 0.9 (label smoothing) stops the discriminator from being too sure.",
        "live.d_steps": "Discriminator steps per generator step",
        "live.d_steps_info": "More than one lets the discriminator pull ahead before the generator moves.",
        "live.budget": "Time budget (seconds)",
        "live.budget_info": (
            "Each press of Start or Continue trains at most this long; the slider stops at the server's limit."
        ),
        "live.start": "Start",
        "live.continue": "Continue",
        "live.stop": "Stop",
        "live.step": "One step",
        "live.samples": "The 64 fixed noise vectors, now",
        "live.samples_h": "**The generator's digits for 64 fixed noise vectors**",
        "live.loss_plot": "Losses",
        "live.d_plot": "Discriminator output: real vs generated",
        "live.share_plot": "Which digits the generator draws now (% of fresh samples)",
        "live.kl_plot": "Distance from an even mix of digits (KL, nats)",
        "live.curves": "How the run is going: digit shares now, KL, losses, the discriminator's verdicts",
        "live.queue_note": (
            "Everyone's runs take turns on this server, a tenth of a second each, so yours starts at once; the more "
            "runs share the server, the fewer digits yours sees per second (the status says how many share it). "
            "Someone who starts the very same knobs and seed watches the same run with you rather than training a "
            "second copy. The other tabs keep working."
        ),
        "live.step_h": "The chapter's loop, one minibatch at a time",
        "live.step_intro": (
            "One step does the nine steps the chapter lists. Press **One step** to run a single minibatch of the "
            "current run (or of a new one with the knobs above) and see each part: the fakes, the verdicts before and "
            "after the discriminator learns, and the generator's move."
        ),
        "live.step_img": "Real digits (top), the fakes D learns from (middle), fakes from fresh noise (bottom)",
        "live.step_img_h": "**Top: real digits · middle: the fakes D learns from · bottom: fakes from fresh noise**",
        # handler text
        "live.x_step": "step",
        "live.y_loss": "mean loss",
        "live.y_d": "mean D output",
        "live.y_share": "share (%)",
        "live.y_kl": "KL (nats)",
        "live.x_digit": "digit",
        "live.s_loss_d": "discriminator loss",
        "live.s_loss_g": "generator loss",
        "live.s_d_real": "D(x), real digits",
        "live.s_d_fake": "D(G(z)), generated digits",
        "live.s_kl": "KL to an even mix",
        "live.status_run": (
            "**Training.** Step {step:,} (epoch {epoch:.2f}), {seen:,} real digits seen. {share} Most drawn digit "
            "now: **{top}** ({top_p:.0f} %), KL = {kl:.2f}. {left:.0f} s of this press left."
        ),
        "live.share_one": "This run has the server to itself: {rate:,.0f} images/s.",
        "live.share_many": "{runs} runs share the server; this one trains at {rate:,.0f} images/s.",
        "live.err.busy": (
            "The server is training {cap} runs already, as many as it can share fairly. Try again in a minute, "
            "or pick the knobs and seed of a run that is going on to watch it."
        ),
        "live.status_done": (
            "**Paused after {sec:.0f} s of training** (step {step:,}, epoch {epoch:.2f}). {share} Most drawn digit: "
            "**{top}** ({top_p:.0f} %), KL = {kl:.2f}. Press Continue to train on, or Start for a new run."
        ),
        "live.err.no_run": "There is no run to continue yet: press Start first.",
        "live.status_new": (
            "**Not trained yet.** Above: the 64 fixed noise vectors through a generator with random weights — grey "
            "noise. Press Start and watch it learn."
        ),
        "live.preparing": "**Getting ready:** loading MNIST and building the two networks (a few seconds the first "
        "time).",
        "live.stopping": "**Stopping…** the run ends after the minibatches in hand (about a second) and keeps its "
        "pictures; Continue trains it on.",
        "live.step_md": (
            "**Step {step}** (real digits labelled {rl:g}, fakes 0)\n\n"
            '| chapter step | what happened | D\'s average verdict "real" |\n|---|---|---|\n'
            "| 1–2 | a minibatch of fakes from the current generator, and one of real digits | — |\n"
            "| 3–4 | D (unfrozen) scores both | real {rb:.3f} · fake {fb:.3f} |\n"
            "| 5 | D takes one gradient step on loss {ld:.3f} | real {ra:.3f} · fake {fa:.3f} |\n"
            "| 6–7 | D frozen; fresh noise gives new fakes | new fakes {nb:.3f} |\n"
            "| 8 | G takes one gradient step on loss {lg:.3f} (fakes labelled real) | same noise {na:.3f} |\n"
            "| 9 | back to step 1 | |"
        ),
    },
    "zh-CN": {
        "live.tab": "亲手训练",
        "live.intro": (
            "在这里，本章的 GAN 从零开始，在服务器上边训练边给你看。下面每张图都来自同一组 64 个噪声向量，"
            "所以你看到的是同一个生成器在变化，而不是新的随机抽样。每次更新时，分类器都会判定几百个新生成的数字："
            "柱状图显示生成器此刻画的是哪些数字，KL 值表示它离均匀分布有多远（0 表示完全均匀，"
            "2.30 表示只画一种数字）。\n\n"
            "**试一试**：用本章配方按“开始”，留意最初几秒：生成器很快几乎只画一种斑点（坍塌，KL 大于 1），"
            "随后才逐渐分散开。然后换成改良配方，或者展开各项参数、让判别器的学习率提高五倍，再比较曲线。"
        ),
        "live.recipe": "配方",
        "live.recipe_info": (
            "本章配方即书中的原始循环（真 = 1，假 = 0）；改良配方是已发布 GAN 所用的（真 = 0.9，"
            "判别器带 dropout，并且会读取每组四张图片彼此差别有多大）。选择后会设置各项参数。"
        ),
        "live.from": "起点",
        "live.from_info": (
            "随机权重；或者本章配方那次有记录的训练（GAN 标签页的时间线展示的就是它），"
            "从保存了生成器和判别器的某一轮开始：你的训练在那里分叉，按你的参数继续，图表会把有记录的训练和你的并排画出。"
        ),
        "live.from_scratch": "随机权重（新的训练）",
        "live.from_epoch": "有记录的训练的第 {e} 轮",
        "live.fork_new": (
            "**还没有训练：从有记录的训练第 {e} 轮分叉。** 上图是当时记录的生成器为 64 个固定噪声向量画出的数字。"
            "按“开始”，就用现在的参数从这里接着训练。你的训练从记录下来的 G 和 D 出发（权重的 8 位副本），"
            "但 Adam 优化器是全新的：原训练的优化器状态没有保存，所以即使参数不变，也不会一步一步重走原来的路。"
        ),
        "live.fork_line": (
            "从有记录的训练第 {e} 轮分叉（沿用其 G 和 D，Adam 状态全新）。有记录的训练在第 {re} 轮：KL = {rkl:.2f}，"
            "画得最多的数字 **{rtop}**（{rtop_p:.0f} %）。它的数字每轮来自 1,000 个样本，你的每次来自 200 个，"
            "所以几个百分点的差别只是偶然。"
        ),
        "live.fork_end": "从有记录的训练第 {e} 轮分叉；有记录的训练到第 {last} 轮为止。",
        "live.err.fork_noise": (
            "分叉是接着记录下来的生成器训练，它读取十个噪声数：请把噪声维数设为 10，或从随机权重开始。"
        ),
        "live.x_epoch": "轮次",
        "live.s_yours": "你的训练",
        "live.s_recorded": "有记录的训练",
        "live.share_fork": "各数字比例：你的分叉在第 {e:.1f} 轮，有记录的训练在第 {re} 轮",
        "live.knobs": "各项参数：学习率、Adam β1、批大小、噪声维数、真实标签、判别器步数",
        "live.lr_g": "生成器学习率",
        "live.lr_g_info": "每次得到判别结果后生成器迈出的步子有多大；太大就会冲过头。",
        "live.lr_d": "判别器学习率",
        "live.lr_d_info": "判别器学得越快就越早获胜，之后生成器就学不到什么了。",
        "live.beta1": "Adam 的 β1（动量）",
        "live.beta1_info": "每一步保留多少之前各步的记忆；数值越高，双方的拉锯摆动越大。",
        "live.batch": "批大小",
        "live.batch_info": (
            "每一步使用的真实和生成数字个数。本章只给出每轮 468 个小批量，没说批大小；"
            "MNIST 有 60,000 个数字，由此推出是 128（60,000 / 128 = 468）。"
        ),
        "live.noise": "噪声维数",
        "live.noise_info": (
            "生成器从多少个随机数出发；本章用十个。本章指出，噪声向量较小时往往更容易纠缠（一个数同时改变好几个特征），"
            "而更大的向量（例如一百个）能提高把某个特征分配到单一方向上的机会；“潜在空间”标签页检验了这一说法。"
            "本章还提醒：只用两个数时，生成器可能很难训练。"
        ),
        "live.real_label": "真实数字的标签",
        "live.real_label_info": "本章用 1；0.9（标签平滑）可以防止判别器过于自信。",
        "live.d_steps": "每步生成器对应的判别器步数",
        "live.d_steps_info": "大于 1 时，判别器会在生成器更新前先领先一步。",
        "live.budget": "时间预算（秒）",
        "live.budget_info": "每次按“开始”或“继续”最多训练这么久；滑块的最大值就是服务器允许的上限。",
        "live.start": "开始",
        "live.continue": "继续",
        "live.stop": "停止",
        "live.step": "单步",
        "live.samples": "64 个固定噪声向量此刻生成的数字",
        "live.samples_h": "**生成器为 64 个固定噪声向量画出的数字**",
        "live.loss_plot": "损失",
        "live.d_plot": "判别器输出：真实数字与生成数字",
        "live.share_plot": "生成器此刻画出的各数字比例（新样本的 %）",
        "live.kl_plot": "与均匀分布的距离（KL，奈特）",
        "live.curves": "训练进展：此刻各数字的比例、KL、损失、判别器的判断",
        "live.queue_note": (
            "所有人的训练在这台服务器上轮流进行，每次十分之一秒，所以你的训练会立刻开始；"
            "共享服务器的训练越多，你的训练每秒看到的数字就越少（状态栏会写出有几个训练在共享）。"
            "如果别人选了完全相同的参数和种子，他会和你一起观看同一个训练，而不是再算一份。其他标签页照常可用。"
        ),
        "live.step_h": "本章的循环，一次一个小批量",
        "live.step_intro": (
            "一步就是本章列出的九个步骤。按“单步”会让当前训练（若还没有，则用上面的参数新建一个）只运行一个小批量，"
            "并展示每一部分：假样本、判别器学习前后的判断，以及生成器的更新。"
        ),
        "live.step_img": "真实数字（上）、判别器学习所用的假样本（中）、新噪声生成的假样本（下）",
        "live.step_img_h": "**上：真实数字 · 中：判别器学习所用的假样本 · 下：新噪声生成的假样本**",
        "live.x_step": "步数",
        "live.y_loss": "平均损失",
        "live.y_d": "判别器平均输出",
        "live.y_share": "比例（%）",
        "live.y_kl": "KL（奈特）",
        "live.x_digit": "数字",
        "live.s_loss_d": "判别器损失",
        "live.s_loss_g": "生成器损失",
        "live.s_d_real": "D(x)：真实数字",
        "live.s_d_fake": "D(G(z))：生成数字",
        "live.s_kl": "与均匀分布的 KL",
        "live.status_run": (
            "**训练中。** 第 {step:,} 步（第 {epoch:.2f} 轮），已看过 {seen:,} 个真实数字。{share}"
            "此刻画得最多的数字：**{top}**（{top_p:.0f} %），KL = {kl:.2f}。本次还剩 {left:.0f} 秒。"
        ),
        "live.share_one": "这个训练独占服务器：每秒 {rate:,.0f} 张图片。",
        "live.share_many": "{runs} 个训练共享服务器；这个训练每秒 {rate:,.0f} 张图片。",
        "live.err.busy": "服务器已经在训练 {cap} 个模型，这是能公平分享的上限。请一分钟后再试，"
        "或者选用一个正在进行的训练的参数和种子来观看它。",
        "live.status_done": (
            "**已暂停，共训练 {sec:.0f} 秒**（第 {step:,} 步，第 {epoch:.2f} 轮）。{share}画得最多的数字：**{top}**"
            "（{top_p:.0f} %），KL = {kl:.2f}。按“继续”接着训练，或按“开始”重新训练。"
        ),
        "live.err.no_run": "还没有可以继续的训练：请先按“开始”。",
        "live.status_new": "**还没有训练。** 上图是 64 个固定噪声向量经过一个权重随机的生成器得到的结果——灰色的噪声。"
        "按“开始”，看它如何学习。",
        "live.preparing": "**准备中：** 正在载入 MNIST 并搭建两个网络（第一次需要几秒钟）。",
        "live.stopping": "**正在停止……** 手头的几个小批量做完（约一秒）就结束，图片保留；按“继续”可接着训练。",
        "live.step_md": (
            "**第 {step} 步**（真实数字标为 {rl:g}，假样本标为 0）\n\n"
            "| 本章步骤 | 发生了什么 | 判别器判为“真”的平均值 |\n|---|---|---|\n"
            "| 1–2 | 当前生成器生成一批假样本，再取一批真实数字 | — |\n"
            "| 3–4 | 解冻判别器，为两批打分 | 真 {rb:.3f} · 假 {fb:.3f} |\n"
            "| 5 | 判别器按损失 {ld:.3f} 做一步梯度下降 | 真 {ra:.3f} · 假 {fa:.3f} |\n"
            "| 6–7 | 冻结判别器；新噪声生成新的假样本 | 新假样本 {nb:.3f} |\n"
            "| 8 | 生成器按损失 {lg:.3f} 做一步梯度下降（假样本标为真） | 同一噪声 {na:.3f} |\n"
            "| 9 | 回到第 1 步 | |"
        ),
    },
}


# The browser translates a label by its key alone (no arguments): each epoch of "Start from" gets a key of its own.
for _table in STRINGS.values():
    _table.update({f"live.from_{e}": _table["live.from_epoch"].format(e=e) for e in FORK_EPOCHS})


def _recipe(recipe, lr_g, lr_d, beta1, batch_size, noise_dim, real_label, d_steps):
    """The Recipe the knobs describe (checked against the declaration before anything trains)."""
    return RECIPES[recipe].with_changes(
        lr_g=lr_g,
        lr_d=lr_d,
        beta1=beta1,
        batch_size=batch_size,
        noise_dim=noise_dim,
        real_label=real_label,
        d_steps=d_steps,
    )


def _new_run(knobs, seed, lang, from_epoch: int = 0) -> LiveRun:
    recipe = _recipe(*knobs)
    reg = live_registry()  # the app's models, or CPU copies on ZeroGPU (see gendemo/app/zerogpu.py)
    start = _fork_point(int(from_epoch), recipe, lang, reg) if from_epoch else None
    images, classifier = model("mnist_train", lang, reg), fast_classifier(lang, reg)
    dev = reg.device
    fast_judge = lambda x: judge(classifier, x)  # batch-norm folded into the convolutions: half the time of predict()
    precision = resolve_precision("auto", dev)
    every = {"point_every": POINT_EVERY, "kl_every": KL_EVERY}
    return LiveRun(images, fast_judge, recipe, seed=seed, device=dev, precision=precision, start=start, **every)


def _check_fork(from_epoch, noise_dim, lang) -> None:
    if from_epoch and int(noise_dim) != CHAPTER.noise_dim:
        raise gr.Error(tr("live.err.fork_noise", lang))


def _fork_point(epoch: int, recipe, lang, reg) -> Start:
    """The recorded chapter run's G and D after `epoch` (one of FORK_EPOCHS: the kept ones, or the final pair)."""
    _check_fork(epoch, recipe.noise_dim, lang)
    G, D = fork_pair(epoch, lambda name: model(name, lang, reg))
    state = lambda net: {k: v.detach().float().cpu().clone() for k, v in net.state_dict().items()}
    return Start(epoch=epoch, G=state(G), D=state(D))


def _recorded(lang) -> tuple[np.ndarray, np.ndarray]:
    """The recorded chapter run, one row per epoch (row i is after epoch i + 1): shares (E, 10) and KL (E,)."""
    shares = np.asarray(model("gan_chapter_timeline", lang, live_registry())["shares"], np.float64)
    return shares, np.array([kl_to_uniform(s) for s in shares])


# Charts drawn at once, over every learner's stream. Matplotlib is Python and holds the GIL: thirty charts drawn at
# once took as long as thirty one after another (≈ 8 s), and held thirty figures together: RSS +113 MB at the peak,
# measured; two at a time, +41 MB.
DRAWING = threading.BoundedSemaphore(2)


def _curves(rep: Report, lang):
    """One picture with four panels: the shares now, KL over the run, both losses, D's verdicts. Drawn as an image:
    Gradio's native plots lose their lines when a stream updates them (seen with 6.31)."""
    with DRAWING:
        return figure_image(curves_figure(rep, lang, _recorded(lang) if rep.start_epoch else None))


def _recorded_epoch(rep: Report, last: int) -> int:
    """The recorded run's epoch to set beside a fork's present one: the nearest kept row (1 … last)."""
    return int(min(max(round(rep.epoch), 1), last))


def curves_figure(rep: Report, lang, recorded: tuple[np.ndarray, np.ndarray] | None = None):
    """The figure _curves draws (its axes can be read: the step axes start at 0). recorded: the recorded run's
    (shares, KL) per epoch, for a fork (rep.start_epoch > 0): its shares and KL are drawn beside the fork's."""
    import matplotlib
    from matplotlib.figure import Figure

    h = rep.history
    x = np.asarray(h["step"], np.float64)
    # Chinese labels need a CJK font; the first one installed is used (boxes where there is none). No pyplot: its global
    # state is not safe when several handlers draw at once (gan_common.new_figure).
    matplotlib.rcParams["font.sans-serif"] = [*CJK_FONTS, "DejaVu Sans"]
    fig = Figure(figsize=(9.6, 6.0), dpi=80)
    ax = fig.subplots(2, 2)
    (a_share, a_kl), (a_loss, a_d) = ax
    dots = {"marker": "o", "markersize": 3} if len(x) < 30 else {}  # the first updates: a few points, each seen
    kl_x = np.asarray(h.get("kl_step", h["step"]), np.float64)
    if recorded is None:
        a_share.bar(range(10), 100 * np.asarray(rep.shares, np.float64), color="#6366f1")
        a_share.set_title(tr("live.share_plot", lang), fontsize=10)
        a_kl.plot(kl_x, h["kl"], color="#6366f1", **dots)
        a_kl.set(xlabel=tr("live.x_step", lang))
    else:  # a fork: the recorded run beside it, both on the recorded run's epochs
        shares, kls = recorded
        last, start = len(kls), rep.start_epoch
        re = _recorded_epoch(rep, last)
        digits = np.arange(10)
        a_share.bar(digits - 0.2, 100 * np.asarray(rep.shares, np.float64), 0.4, color="#6366f1",
                    label=tr("live.s_yours", lang))  # fmt: skip
        a_share.bar(digits + 0.2, 100 * shares[re - 1], 0.4, color="#9ca3af", label=tr("live.s_recorded", lang))
        a_share.legend(fontsize=8, loc="upper right")
        a_share.set_title(tr("live.share_fork", lang, e=rep.epoch, re=re), fontsize=10)
        per_step = (rep.epoch - start) / rep.step if rep.step else 0.0  # epochs per minibatch of this run
        hi = min(last, max(start + 10, int(np.ceil(rep.epoch)) + 2))
        lo = max(1, min(start, hi) - 5)
        ep = np.arange(lo, hi + 1)
        a_kl.plot(ep, kls[ep - 1], color="#9ca3af", marker="o", markersize=2, label=tr("live.s_recorded", lang))
        a_kl.plot(start + per_step * kl_x, h["kl"], color="#6366f1", label=tr("live.s_yours", lang), **dots)
        a_kl.axvline(start, color="#6366f1", lw=0.8, ls=":")
        a_kl.legend(fontsize=8, loc="upper right")
        a_kl.set(xlabel=tr("live.x_epoch", lang))
    a_share.set(xticks=range(10), ylim=(0, 100), xlabel=tr("live.x_digit", lang), ylabel=tr("live.y_share", lang))
    a_kl.set(ylim=(0, 2.4), ylabel=tr("live.y_kl", lang))
    a_kl.set_title(tr("live.kl_plot", lang), fontsize=10)
    a_loss.plot(x, h["loss_d"], label=tr("live.s_loss_d", lang), **dots)
    a_loss.plot(x, h["loss_g"], label=tr("live.s_loss_g", lang), **dots)
    a_loss.set(xlabel=tr("live.x_step", lang), ylabel=tr("live.y_loss", lang))
    a_loss.set_title(tr("live.loss_plot", lang), fontsize=10)
    a_d.plot(x, h["d_real"], label=tr("live.s_d_real", lang), **dots)
    a_d.plot(x, h["d_fake"], label=tr("live.s_d_fake", lang), **dots)
    a_d.set(ylim=(0, 1), xlabel=tr("live.x_step", lang), ylabel=tr("live.y_d", lang))
    a_d.set_title(tr("live.d_plot", lang), fontsize=10)
    for a in (a_loss, a_d):
        if len(x):
            a.legend(fontsize=8, loc="best")
    # the step axis starts at 0 and reaches the last step: one point alone was drawn on an axis from 4.8 to 5.2
    for a in (a_loss, a_d) if recorded is not None else (a_kl, a_loss, a_d):
        a.set_xlim(0, 1.05 * max(float(x[-1]) if len(x) else 0.0, 10.0))
    for a in ax.flat:
        a.grid(alpha=0.3)
    return fig


def _frame(seat, rep: Report, key: str, lang, left: float = 0.0, curves: bool = True, runs=1, rate=0.0):
    p = np.asarray(rep.shares, np.float64)
    status = tr(
        key,
        lang,
        step=rep.step,
        epoch=rep.epoch,
        seen=rep.images_seen,
        sec=rep.seconds,
        share=_share(runs, rate, lang),
        top=int(p.argmax()),
        top_p=100 * p.max(),
        kl=rep.kl,
        left=max(0.0, left),
    )
    if rep.start_epoch:
        status += "\n\n" + _fork_line(rep, lang)
    # The curves are the costly picture (≈ 0.5 s of matplotlib): drawn on every CURVES_EVERY-th frame and the last,
    # as background work (thirty runs' charts slowed every other learner's request when the class's live runs began)
    if curves:
        give_way()
    return seat, to_pil_grid(rep.samples, nrow=8, scale=3), status, _curves(rep, lang) if curves else gr.skip()


def _fork_line(rep: Report, lang) -> str:
    """What a fork's status adds: where it began, and the recorded run at the fork's present epoch."""
    shares, kls = _recorded(lang)
    if rep.epoch > len(kls) + 0.5:
        return tr("live.fork_end", lang, e=rep.start_epoch, last=len(kls))
    re = _recorded_epoch(rep, len(kls))
    p = shares[re - 1]
    return tr(
        "live.fork_line", lang, e=rep.start_epoch, re=re, rkl=kls[re - 1], rtop=int(p.argmax()), rtop_p=100 * p.max()
    )


def _share(runs: int, rate: float, lang) -> str:
    """How many runs share the server, and this run's resulting speed (every frame says both)."""
    return tr("live.share_one" if runs <= 1 else "live.share_many", lang, runs=runs, rate=rate)


def _session(request) -> str:
    """The learner's session (one run each); a call without one (the bench, a test calling the handler) is its own."""
    return getattr(request, "session_hash", None) or f"anon-{uuid.uuid4().hex}"


def _own_seat(run, request) -> Seat | None:
    """The session's seat, if the state holds one of this session's (a state is never another session's, but a seat
    carries its owner too)."""
    if isinstance(run, Seat) and run.session == getattr(request, "session_hash", run.session):
        return run
    return None


def _busy(e: Busy, lang):
    return gr.Error(tr("live.err.busy", lang, cap=e.cap))


async def _watch(seat: Seat, generation: int, lang, control: dict | None):
    """Stream the seat's frames as the scheduler makes them, until the budget is spent, Stop is pressed (control
    ["stop"]: the run keeps its pictures and can be continued), or another press of this session takes the seat
    over. Between
    frames the status is sent again every BEAT_SECONDS: the countdown moves, and a closed tab ends the stream (Gradio
    closes a stream when it finds its client gone), which stops the run's training within seconds."""
    sched = live_scheduler()
    stopped = lambda: isinstance(control, dict) and control.get("stop")
    shown, last, drawn = 0, None, None  # frames shown, the last one, the index of the last with curves
    beat = time.monotonic()
    try:
        while seat.generation == generation:
            for f in sched.frames_for(seat):
                shown, last = shown + 1, f
                # the curves as soon as there is a point to draw, then on every CURVES_EVERY-th frame
                curves = bool(f.report.history["step"]) and (drawn is None or shown - drawn >= CURVES_EVERY)
                drawn = shown if curves else drawn
                yield await asyncio.to_thread(_frame_of, seat, f, lang, curves)
                beat = time.monotonic()
            if seat.generation != generation:
                return  # a newer press of this session has the seat: its stream shows it
            if stopped() or time.monotonic() >= seat.deadline or not seat.active or seat.job.error:
                if seat.job.error:
                    raise RuntimeError(f"live run failed: {seat.job.error}")
                rep, rate = await asyncio.to_thread(sched.pause, seat)
                class_board.post_run(seat.session, seat.job.id, seat.job.run, rep)  # the class board, if on (#32)
                runs = max(sched.active_runs(), 1)
                yield await asyncio.to_thread(_frame, seat, rep, "live.status_done", lang, runs=runs, rate=rate)
                return
            if last is not None and time.monotonic() - beat >= BEAT_SECONDS:
                beat = time.monotonic()
                yield gr.skip(), gr.skip(), _status(seat, last, lang, sched.active_runs()), gr.skip()
            await asyncio.sleep(LOOK_SECONDS)
    finally:
        sched.leave(seat, generation)  # a closed stream (tab closed, request cancelled) stops its training


def _frame_of(seat: Seat, f: Frame, lang, curves: bool):
    return _frame(seat, f.report, "live.status_run", lang, seat.deadline - time.monotonic(), curves, f.runs, f.rate)


def _status(seat: Seat, f: Frame, lang, runs: int) -> str:
    return _frame(seat, f.report, "live.status_run", lang, seat.deadline - time.monotonic(), False, runs, f.rate)[2]


@TRAIN.handler
async def gan_live(
    recipe,
    lr_g,
    lr_d,
    beta1,
    batch_size,
    noise_dim,
    real_label,
    d_steps,
    seed,
    budget,
    from_epoch,
    control,
    request: gr.Request = None,
):
    lang = lang_of(request)
    with _running(control):
        yield gr.skip(), gr.skip(), tr("live.preparing", lang), gr.skip()  # at once: what the first seconds are for
        knobs = (recipe, lr_g, lr_d, beta1, batch_size, noise_dim, real_label, d_steps)
        _check_fork(from_epoch, noise_dim, lang)  # before a seat is taken
        # the same knobs, seed and start are the same computation: a run going on with them is watched, not trained
        # twice
        key = (_recipe(*knobs), seed, int(from_epoch))
        sched = live_scheduler()
        make = lambda: _new_run(knobs, seed, lang, from_epoch)
        try:
            seat = await asyncio.to_thread(sched.start, _session(request), key, make, budget)
        except Busy as e:
            raise _busy(e, lang) from None
        except Superseded:
            return  # the session pressed Start again meanwhile: that press's stream shows its run
        async for out in _watch(seat, seat.generation, lang, control):
            yield out


@contextlib.contextmanager
def _running(control):
    """control["running"] while a press's stream lasts, from its first output on: Stop can then say at once that it
    is stopping (the stream itself sees the switch at its next look)."""
    if isinstance(control, dict):
        control["running"] = True
    try:
        yield
    finally:
        if isinstance(control, dict):
            control["running"] = False


@guarded
async def gan_live_continue(budget=None, run=None, control=None, request: gr.Request = None):
    lang = lang_of(request)
    p = TRAIN.param("budget")
    budget = p.check(p.start() if budget is None else budget, lang)
    seat = _own_seat(run, request)
    if seat is None:
        raise gr.Error(tr("live.err.no_run", lang))
    sched = live_scheduler()
    with _running(control):
        try:
            generation = await asyncio.to_thread(sched.resume, seat, budget)
        except Busy as e:
            raise _busy(e, lang) from None
        # at once: the state it starts from (the seat's own run, reported between two slices)
        job = seat.job
        rep = await asyncio.to_thread(_locked_report, job)
        yield await asyncio.to_thread(
            _frame, seat, rep, "live.status_run", lang, budget, rep.step > 0, sched.active_runs(), 0.0
        )
        async for out in _watch(seat, generation, lang, control):
            yield out


def _locked_report(job):
    with job.lock:
        return job.run.report()


def arm():
    """At the click, before the run starts: a fresh stop switch this run will watch."""
    return {"stop": False}


def request_stop(control, request: gr.Request = None):
    """Stop: the running stream ends at its next look (a fifth of a second); the status says so at once (nothing while
    none runs)."""
    if isinstance(control, dict):
        control["stop"] = True
        if control.get("running"):
            return tr("live.stopping", lang_of(request))
    return gr.skip()


@STEP.handler
def gan_live_step(
    recipe,
    lr_g,
    lr_d,
    beta1,
    batch_size,
    noise_dim,
    real_label,
    d_steps,
    seed,
    run,
    request: gr.Request = None,
    progress=gr.Progress(),
):
    # the knobs were checked before this runs: a bad one is reported even though a run in hand keeps its own settings
    lang = lang_of(request)
    sched = live_scheduler()
    seat = _own_seat(run, request)
    if seat is None:
        progress(0, desc=tr("live.preparing", lang).replace("**", ""))  # a new run loads MNIST first: seconds
        knobs = (recipe, lr_g, lr_d, beta1, batch_size, noise_dim, real_label, d_steps)
        seat = sched.adopt(_session(request), _new_run(knobs, seed, lang))
    # on the learner's own run, between two of the scheduler's slices (a run shared with another learner is copied)
    d = sched.step_in_detail(seat, show=8)
    pic = to_pil_grid(torch.cat([d.real, d.fake, d.new_fake]), nrow=8, scale=3)
    md = tr(
        "live.step_md",
        lang,
        step=d.step,
        rl=d.real_label,
        rb=d.d_real_before,
        fb=d.d_fake_before,
        ld=d.loss_d,
        ra=d.d_real_after,
        fa=d.d_fake_after,
        nb=d.d_new_before,
        lg=d.loss_g,
        na=d.d_new_after,
    )
    return seat, pic, md


@guarded
def live_opening(
    recipe, lr_g, lr_d, beta1, batch_size, noise_dim, real_label, d_steps, seed, from_epoch=0, request=None
):
    """What the tab opens with (common.on_open, kept per language), and shows again when "Start from" changes: the
    starting point of a run of these knobs — the fixed noise through an untrained generator (or the recorded one at
    the fork's epoch), and the charts that training will fill."""
    lang = lang_of(request)
    knobs = [TRAIN.param(name).check(v, lang) for name, v in zip(
        ("recipe", "lr_g", "lr_d", "beta1", "batch_size", "noise_dim", "real_label", "d_steps"),
        (recipe, lr_g, lr_d, beta1, batch_size, noise_dim, real_label, d_steps),
    )]  # fmt: skip
    from_epoch = TRAIN.param("from_epoch").check(from_epoch, lang)
    run = _new_run(knobs, TRAIN.param("seed").check(seed, lang), lang, from_epoch)
    rep = run.report()
    status = tr("live.fork_new", lang, e=from_epoch) if from_epoch else tr("live.status_new", lang)
    return to_pil_grid(rep.samples, nrow=8, scale=3), status, _curves(rep, lang)


def preset(recipe, request: gr.Request = None):
    """Picking a recipe sets every knob to it."""
    r = RECIPES.get(recipe, CHAPTER)
    return r.lr_g, r.lr_d, r.beta1, r.batch_size, r.noise_dim, r.real_label, r.d_steps


def build():
    gr.Markdown(txt("live.intro"))
    # A run's weights live in the session; a session left alone for 30 minutes lets them go.
    run = gr.State(None, time_to_live=1800)
    control = gr.State(None)  # {"stop": bool, "running": bool}: Stop asks the running stream to end after its slice
    with gr.Row(elem_id="live-run-section"):
        # the recipe, the budget and the buttons first, the seven knobs folded under them: Start sat below all of
        # them, and after Start the picture was off the screen above it
        with gr.Column(scale=1, min_width=300):
            recipes = [(txt("gan.r_chapter"), "chapter"), (txt("gan.r_remedy"), "remedy")]
            recipe = TRAIN.widget("recipe", choices=recipes, info=txt("live.recipe_info"), elem_id="live-recipe")
            budget = TRAIN.widget("budget", info=txt("live.budget_info"), elem_id="live-budget")
            with gr.Row():
                start = gr.Button(txt("live.start"), variant="primary", elem_id="live-start", min_width=80)
                cont = gr.Button(txt("live.continue"), elem_id="live-continue", min_width=80)
                stop = gr.Button(txt("live.stop"), variant="stop", elem_id="live-stop", min_width=80)
            # under the buttons, so that Start and its picture stay on a laptop's first screen (#33)
            starts = [(txt("live.from_scratch"), 0), *[(txt(f"live.from_{e}"), e) for e in FORK_EPOCHS]]
            from_epoch = TRAIN.widget("from_epoch", choices=starts, info=txt("live.from_info"), elem_id="live-from")
            with gr.Accordion(txt("live.knobs"), open=False, elem_id="live-knobs"):
                lr_g = TRAIN.widget("lr_g", info=txt("live.lr_g_info"))
                lr_d = TRAIN.widget("lr_d", info=txt("live.lr_d_info"))
                beta1 = TRAIN.widget("beta1", info=txt("live.beta1_info"))
                batch = TRAIN.widget("batch_size", info=txt("live.batch_info"))
                noise = TRAIN.widget("noise_dim", info=txt("live.noise_info"))
                real_label = TRAIN.widget("real_label", info=txt("live.real_label_info"))
                d_steps = TRAIN.widget("d_steps", info=txt("live.d_steps_info"))
                seed = TRAIN.widget("seed", elem_id="live-seed")
        with gr.Column(scale=2):
            gr.Markdown(txt("live.samples_h"))
            samples = picture(txt("live.samples"), "live-samples", show_label=False, height=400)
            status = gr.Markdown(elem_id="live-status")
            curves = picture(txt("live.curves"), "live-curves", "chart", show_label=False, height=480)
            gr.Markdown(txt("live.queue_note"))
    knobs = [recipe, lr_g, lr_d, beta1, batch, noise, real_label, d_steps]
    outs = [run, samples, status, curves]
    recipe.change(preset, [recipe], knobs[1:], api_visibility="private", queue=False)
    quick = {"queue": False, "api_visibility": "private"}
    start.click(arm, None, [control], **quick).then(
        gan_live, [*knobs, seed, budget, from_epoch, control], outs, **TRAIN.event()
    )
    # Continue trains the session's run on, in the same lane as Start
    cont.click(arm, None, [control], **quick).then(
        gan_live_continue, [budget, run, control], outs, **TRAIN.event(private=True)
    )
    # A cooperative stop, not a cancel: the run keeps its pictures and can be continued (a cancelled stream would leave
    # every output marked as failed). A closed page still cancels the stream (Gradio closes the generator).
    stop.click(request_stop, [control], [status], **quick)
    on_open(live_opening, [*knobs, seed, from_epoch], [samples, status, curves])
    # a new starting point is shown at once: the recorded generator's digits at that epoch, and what a fork keeps
    from_epoch.change(
        live_opening, [*knobs, seed, from_epoch], [samples, status, curves], api_visibility="private", queue=False
    )

    with gr.Accordion(txt("live.step_h"), open=False, elem_id="live-step-section"):
        gr.Markdown(txt("live.step_intro"))
        with gr.Row():
            with gr.Column(scale=1):
                step = gr.Button(txt("live.step"), elem_id="live-step")
                step_md = gr.Markdown(elem_id="live-step-table")
            with gr.Column(scale=1):
                gr.Markdown(txt("live.step_img_h"))
                step_img = picture(txt("live.step_img"), "live-step-images", show_label=False, height=260)
    step.click(gan_live_step, [*knobs, seed, run], [run, step_img, step_md], **STEP.event())
