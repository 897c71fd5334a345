"""Inside the diffusion model: what the network is trained to predict (/noise_prediction) and the chapter's reverse
algorithm one step at a time (/reverse_step; Run to the end streams the rest)."""

from __future__ import annotations

import gradio as gr
import numpy as np
import torch

from gendemo.app.endpoints import DIFFUSION, ENDPOINTS
from gendemo.app.i18n import lang_of, tr
from gendemo.app.registry import REGISTRY
from gendemo.app.ui import diffusion_common as dc
from gendemo.app.ui.common import ImageInput, ahead, guarded, markdown, model, pictures, txt
from gendemo.core.images import to_pil_grid
from gendemo.core.paths import EXAMPLES
from gendemo.diffusion.captions import DIGIT_WORDS, PALETTE, PALETTE_NAMES, colourize
from gendemo.diffusion.init_image import prepare_init
from gendemo.diffusion.objective import gradient_step, loss_curve
from gendemo.diffusion.objective import noise_prediction as predict_noise
from gendemo.diffusion.sampling import (
    ALPHA_BAR_FLOOR,
    DEFAULT_GUIDANCE,
    ddpm_walk,
    embed_prompts,
    q_sample,
    to_model_range,
    to_unit_range,
)

TAB_KEY = "ins.tab"
NOISE, STEP, TRAIN = ENDPOINTS["noise_prediction"], ENDPOINTS["reverse_step"], ENDPOINTS["training_step"]
CURVE_DIGITS = 64  # the first 64 MNIST test digits, each in a palette colour with a caption that names both
CURVE_GUIDANCE = DEFAULT_GUIDANCE  # the app's default guidance scale
STEP_CLIP = "never"  # the step view runs the chapter's formula as written (no clipping of x̂0)
RUN_EVERY = 50  # Run to the end shows every 50th step
NOISE_SCALE = 0.25  # noise panels: ε·0.25 + 0.5, so ±2 standard deviations fill black to white

STRINGS = {
    "en": {
        "ins.tab": "Inside diffusion: noise & steps",
        "ins.learn_tab": "What the network learns",
        "ins.learn_intro": (
            "Training never asks the network to draw a digit. It takes a clean picture $x_0$, mixes in fresh "
            "Gaussian noise $\\varepsilon$ (the chapter's *e*) to reach step $t$ in one jump, "
            "$x_t = \\sqrt{\\bar\\alpha_t}\\,x_0 + \\sqrt{1-\\bar\\alpha_t}\\,\\varepsilon$, and asks: *which noise "
            "did I add?* The network's answer is $\\hat\\varepsilon$, and the loss is how far off it is, "
            "$\\lVert\\hat\\varepsilon-\\varepsilon\\rVert^2$. Noise panels are grey for 0, white for +2, black for "
            "−2.\n\n"
            "**Try this:** slide t from 1 to 1000 and watch the marker on the loss curve: at small t the noise is "
            "faint and hard to tell from the strokes; at large t the picture is nearly all noise, so guessing the "
            "noise is easy. Then empty the caption and compare."
        ),
        "ins.source": "Digit",
        "ins.source_test": "an MNIST test digit",
        "ins.source_image": "your own picture",
        "ins.index": "Test digit number (0–9999)",
        "ins.image": "Your picture (any size or format)",
        "ins.caption": "Caption (its colour word paints the test digit)",
        "ins.t": "Step t",
        "ins.guidance": "Guidance for ε̂ (1 = what training asked for)",
        "ins.learn_button": "Predict the noise",
        "ins.panels": "x₀ · ε · xₜ · ε̂ · ε̂ − ε",
        "ins.curve": "Average loss against t (64 test digits, the same noise at every t)",
        "ins.p_x0": "x₀, the clean image",
        "ins.p_eps": "ε, the noise added",
        "ins.p_xt": "xₜ = {a:.3f}·x₀ + {b:.3f}·ε",
        "ins.p_hat": "ε̂, the network's guess",
        "ins.p_diff": "ε̂ − ε, its error",
        "ins.learn_summary": (
            "At t = {t} ($\\bar\\alpha_t$ = {ab:.4f}): $\\lVert\\hat\\varepsilon-\\varepsilon\\rVert^2$ = **{sq:.1f}** "
            "over {d} numbers, **{mse:.4f}** per number (guessing $\\hat\\varepsilon = 0$ would score about 1). The "
            "average over the 64 test digits at this t is {avg:.4f} with the caption, {unc:.4f} without it."
        ),
        "ins.x_t": "step t",
        "ins.y_loss": "loss per number",
        "ins.s_uncond": "no caption (∅)",
        "ins.s_cond": "caption (guidance 1)",
        "ins.s_guided": f"caption, guidance {CURVE_GUIDANCE:g}",
        "ins.s_marker": "the chosen t",
        "ins.series": "predicted with",
        "ins.train_title": "Step 6: update the weights once",
        "ins.train_intro": (
            "The chapter's forward algorithm ends with step 6: backpropagation and gradient descent change the "
            "network's weights so that its guess $\\hat\\varepsilon$ moves toward the noise $\\varepsilon$ that was "
            "really added. Here that step is taken for real, once, for the digit, caption, $t$ and seed set above: "
            "every weight $w$ moves to $w - \\text{lr}\\cdot\\nabla_w L$, with $L$ the per-pixel loss "
            "$\\lVert\\hat\\varepsilon-\\varepsilon\\rVert^2/d$ (caption given). It changes a copy of the network; "
            "the app's own model stays as it is.\n\n"
            "**Try this:** take the step at each learning rate and compare the two losses of each answer."
        ),
        "ins.lr": "Learning rate (lr)",
        "ins.train_button": "Take one gradient step",
        "ins.train_panels": "xₜ · ε · ε̂ before · ε̂ after · the change",
        "ins.g_before": "ε̂ before the step",
        "ins.g_after": "ε̂ after the step",
        "ins.g_change": "ε̂ after − before, ×{amp:g}",
        "ins.train_summary": (
            "**Loss of this digit:** {before:.5f} → **{after:.5f}** ({change:+.1%}).  \n"
            "The gradient's length was {g:.3g}; the step moved the weights by {wc:.1e} of their size.  \n"
            "**{n} other test digits** at the same $t$ (each with its own noise, not used for the step): "
            "{ob:.5f} → {oa:.5f} ({ochange:+.1%})."
        ),
        "ins.train_down": (
            "A small step went downhill: this digit's loss fell and the other digits barely moved. One step "
            "teaches one example a little; training repeats it many thousands of times, each step on a minibatch "
            "of many digits."
        ),
        "ins.train_others": (
            "This digit's loss fell, but the other digits' loss rose by more than a tenth: a step taken for one "
            "example pulls the weights toward that example. Averaging the gradient over a minibatch of many "
            "digits keeps a single one from dragging the network along."
        ),
        "ins.train_up": (
            "The step was too long: it overshot the bottom of the loss, so even the loss of the digit it was taken "
            "for went up. This is why training takes small steps."
        ),
        "ins.train_adamw": (
            "The network itself was trained with AdamW, a form of gradient descent that adapts each weight's "
            "step size; this panel uses the plain rule the chapter names."
        ),
        "ins.err.no_image": "Please upload a picture, or choose an MNIST test digit.",
        "ins.curve_wait": "Averaging the loss over {n} test digits at every t of the curve (once, a few seconds)",
        "ins.step_tab": "One reverse step at a time",
        "ins.step_intro": (
            "Sampling runs the film backwards with the chapter's reverse algorithm (DDPM): start from pure noise "
            "$x_T$ and, for $t = T$ down to 1, remove the network's scaled noise estimate and add a little fresh "
            "noise $z$:\n\n"
            "$$x_{t-1} = \\frac{1}{\\sqrt{\\alpha_t}}\\Big(x_t - \\frac{\\beta_t}{\\sqrt{1-\\bar\\alpha_t}}\\,"
            "\\hat\\varepsilon\\Big) + \\sigma_t z$$\n\n"
            "**Step** takes one such step from the t on the slider (for any other t the app first walks there from "
            "pure noise, on the path the seed fixes); **Run to the end** goes on to $x_0$. The pictures show $x_t$, "
            "the scaled estimate being subtracted, the fresh noise $\\sigma_t z$ being added, $x_{t-1}$, the whole "
            "change $x_{t-1} - x_t$, and the clean image $\\hat x_0$ that $\\hat\\varepsilon$ implies. The parts and "
            "the change are magnified (the factor is in their captions): one step changes the picture only a little."
            "\n\n"
            "**Try this:** step a few times at t = 1000: $x_t$ stays noise (the text under the pictures says why). "
            "Then set t to 200 and step again: late steps add almost no noise, and the digit is already there."
        ),
        "ins.prompt": "Prompt",
        "ins.step_guidance": "Guidance scale",
        "ins.step_t": "Step from t",
        "ins.step_button": "Step",
        "ins.run_button": "Run to the end",
        "ins.stop": "Stop",
        "ins.steps_view": "xₜ · − subtracted · + added · xₜ₋₁ · xₜ₋₁ − xₜ · x̂₀",
        "ins.q_xt": "xₜ (t = {t})",
        "ins.q_removed": "− (1/√αₜ)·βₜ/√(1−ᾱₜ)·ε̂ (×{amp:g})",
        "ins.q_noise": "+ σₜ·z (×{amp:g})",
        "ins.q_noise_none": "+ nothing: the last step adds no noise",
        "ins.q_prev": "xₜ₋₁ (t − 1 = {tp})",
        "ins.q_change": "xₜ₋₁ − xₜ, the whole change (×{amp:g})",
        "ins.q_x0": "x̂₀, the clean image ε̂ implies",
        "ins.step_text": (
            "**t = {t} → {tp}.** $\\beta_t$ = {beta:.5f}, $\\alpha_t = 1-\\beta_t$ = {alpha:.5f}, "
            "$\\bar\\alpha_t$ = {ab:.5f}.\n\n"
            "$$x_{{t-1}} = {inv:.5f}\\,x_t - {inv:.5f} \\times {coef:.5f}\\,\\hat\\varepsilon + {sigma:.5f}\\,z$$\n\n"
            "($1/\\sqrt{{\\alpha_t}}$ = {inv:.5f}; $\\beta_t/\\sqrt{{1-\\bar\\alpha_t}}$ = {coef:.5f}; "
            "$\\sigma_t = \\sqrt{{\\beta_t(1-\\bar\\alpha_{{t-1}})/(1-\\bar\\alpha_t)}}$ = {sigma:.5f}.) "
            "Size of the two parts (root mean square): subtracted {rm:.4f}, added {rn:.4f}; of the whole change "
            "$x_{{t-1}} - x_t$: {rc:.4f} (pixels run from −1 to 1)."
        ),
        "ins.step_done": "x₀ reached: that is the generated digit. The next Step starts again from pure noise "
        "(t = {T}).",
        "ins.step_floor": (
            "Here almost no signal is left ($\\bar\\alpha_t < 10^{-6}$): dividing by $\\sqrt{\\bar\\alpha_t}$ would "
            "blow the network's tiny errors up, so the sampler takes the average training image as $\\hat x_0$ and "
            "subtracts the noise that fits it instead of $\\hat\\varepsilon$."
        ),
        "ins.step_walked": "Walked {k} steps from pure noise to reach t = {t} (same seed, same path).",
        "ins.step_noise": (
            "**Why $x_{{t-1}}$ looks like $x_t$:** both are almost pure noise. The digit's share of $x_{{t-1}}$ is "
            "$\\sqrt{{\\bar\\alpha_{{t-1}}}}$ = {share:.4f}, the noise's $\\sqrt{{1-\\bar\\alpha_{{t-1}}}}$ = "
            "{noise:.4f}. The step did move the pixels (by {rc:.2f} on average: see the change), but it swapped one "
            "field of noise for another. The digit's share passes 0.5 only near t = {half}; set t lower to see it "
            "in $x_t$."
        ),
        "ins.walking": "Walking from pure noise to t = {t} (same seed, same path)",
        "ins.walk_unit": "steps",
    },
    "zh-CN": {
        "ins.tab": "扩散内部：噪声与每一步",
        "ins.learn_tab": "网络到底在学什么",
        "ins.learn_intro": (
            "训练时从不要求网络“画一个数字”。它拿一张干净的图 $x_0$，"
            "混入新的高斯噪声 $\\varepsilon$（即本章中的 *e*），一步跳到第 $t$ 步："
            "$x_t = \\sqrt{\\bar\\alpha_t}\\,x_0 + \\sqrt{1-\\bar\\alpha_t}\\,\\varepsilon$，"
            "然后问网络：*我加进去的是哪份噪声？* 网络的回答是 $\\hat\\varepsilon$，损失就是它差了多少："
            "$\\lVert\\hat\\varepsilon-\\varepsilon\\rVert^2$。噪声图中灰色表示 0，白色表示 +2，黑色表示 −2。\n\n"
            "**试一试**：把 t 从 1 拖到 1000，看损失曲线上的标记：t 很小时噪声很淡，和笔画难以区分；"
            "t 很大时画面几乎全是噪声，猜噪声反而容易。再把说明文字清空，对比一下。"
        ),
        "ins.source": "数字来源",
        "ins.source_test": "MNIST 测试集中的数字",
        "ins.source_image": "你自己的图片",
        "ins.index": "测试数字编号（0–9999）",
        "ins.image": "你的图片（任意尺寸和格式）",
        "ins.caption": "说明文字（其中的颜色词决定测试数字的颜色）",
        "ins.t": "步数 t",
        "ins.guidance": "ε̂ 的引导强度（1 = 训练时的要求）",
        "ins.learn_button": "预测噪声",
        "ins.panels": "x₀ · ε · xₜ · ε̂ · ε̂ − ε（依次）",
        "ins.curve": "平均损失随 t 的变化（64 个测试数字，每个 t 用同一份噪声）",
        "ins.p_x0": "x₀，干净的图像",
        "ins.p_eps": "ε，加入的噪声",
        "ins.p_xt": "带噪图像 xₜ = {a:.3f}·x₀ + {b:.3f}·ε",
        "ins.p_hat": "ε̂，网络的猜测",
        "ins.p_diff": "ε̂ − ε，猜测的误差",
        "ins.learn_summary": (
            "在 t = {t}（$\\bar\\alpha_t$ = {ab:.4f}）时："
            "$\\lVert\\hat\\varepsilon-\\varepsilon\\rVert^2$ = **{sq:.1f}**（共 {d} 个数），"
            "平均每个数 **{mse:.4f}**（如果直接猜 $\\hat\\varepsilon = 0$，大约是 1）。"
            "在这个 t 上，64 个测试数字的平均损失：有说明文字时为 {avg:.4f}，没有时为 {unc:.4f}。"
        ),
        "ins.x_t": "步数 t",
        "ins.y_loss": "每个数的损失",
        "ins.s_uncond": "无说明文字（∅）",
        "ins.s_cond": "有说明文字（引导 1）",
        "ins.s_guided": f"有说明文字，引导 {CURVE_GUIDANCE:g}",
        "ins.s_marker": "所选的 t",
        "ins.series": "预测时的条件",
        "ins.train_title": "第 6 步：把权重更新一次",
        "ins.train_intro": (
            "本章的前向算法以第 6 步结束：用反向传播和梯度下降修改网络的权重，让它的猜测 $\\hat\\varepsilon$ "
            "更接近真正加入的噪声 $\\varepsilon$。这里真的走一次这一步，用的是上面选定的数字、描述、$t$ 和种子："
            "每个权重 $w$ 变成 $w - \\text{lr}\\cdot\\nabla_w L$，其中 $L$ 是每个像素的损失 "
            "$\\lVert\\hat\\varepsilon-\\varepsilon\\rVert^2/d$（给出描述时）。改动的是网络的一个副本，"
            "应用自己的模型保持不变。\n\n"
            "**试一试：** 用每个学习率各走一步，比较每次结果里的两个损失。"
        ),
        "ins.lr": "学习率（lr）",
        "ins.train_button": "走一步梯度下降",
        "ins.train_panels": "xₜ · ε · 更新前的 ε̂ · 更新后的 ε̂ · 变化",
        "ins.g_before": "更新前的 ε̂",
        "ins.g_after": "更新后的 ε̂",
        "ins.g_change": "ε̂ 的变化（更新后 − 更新前），×{amp:g}",
        "ins.train_summary": (
            "**这个数字的损失：** {before:.5f} → **{after:.5f}**（{change:+.1%}）。  \n"
            "梯度的长度是 {g:.3g}；这一步让权重移动了自身大小的 {wc:.1e}。  \n"
            "**另外 {n} 个测试数字**在同一个 $t$（各用自己的噪声，没有参与这一步）："
            "{ob:.5f} → {oa:.5f}（{ochange:+.1%}）。"
        ),
        "ins.train_down": (
            "小小的一步走向了下坡：这个数字的损失下降了，其他数字几乎不变。一步只让网络从一个例子学到一点；"
            "训练要把这一步重复成千上万次，每一步用一个包含许多数字的小批量。"
        ),
        "ins.train_others": (
            "这个数字的损失下降了，但其他数字的损失上升了一成以上：为一个例子走的一步会把权重拉向这个例子。"
            "把梯度在包含许多数字的小批量上取平均，就不会让单个数字拖着整个网络走。"
        ),
        "ins.train_up": (
            "这一步走得太远：越过了损失的谷底，连这一步所针对的数字的损失都上升了。这就是训练只走小步的原因。"
        ),
        "ins.train_adamw": (
            "这个网络本身是用 AdamW 训练的，它是梯度下降的一种变体，会为每个权重调整步长；"
            "这里用的是本章所说的最朴素的规则。"
        ),
        "ins.err.no_image": "请上传一张图片，或者改选 MNIST 测试数字。",
        "ins.curve_wait": "正在计算 {n} 个测试数字在曲线上每个 t 的平均损失（只算一次，需要几秒）",
        "ins.step_tab": "一步一步地反向采样",
        "ins.step_intro": (
            "采样就是用本章的反向算法（DDPM）把“电影”倒着放：从纯噪声 $x_T$ 出发，对 $t = T$ 一直到 1，"
            "每一步减去网络按比例缩放后的噪声估计，再加上一点新的噪声 $z$：\n\n"
            "$$x_{t-1} = \\frac{1}{\\sqrt{\\alpha_t}}\\Big(x_t - \\frac{\\beta_t}{\\sqrt{1-\\bar\\alpha_t}}\\,"
            "\\hat\\varepsilon\\Big) + \\sigma_t z$$\n\n"
            "**走一步**会从滑块上的 t 走一步（换成别的 t 时，应用会先沿着种子确定的路径从纯噪声走到那里）；"
            "**一直走到底**会继续走到 $x_0$。图中依次是 $x_t$、被减去的缩放噪声估计、新加入的噪声 $\\sigma_t z$、"
            "$x_{t-1}$、这一步的全部变化 $x_{t-1} - x_t$，以及 $\\hat\\varepsilon$ 所对应的干净图像 $\\hat x_0$。"
            "两部分和全部变化都经过放大（倍数写在图注里）：每一步对画面的改变都很小。\n\n"
            "**试一试**：在 t = 1000 处走几步：$x_t$ 始终是噪声（图下的文字会解释原因）。"
            "再把 t 设为 200 继续走：后期的步骤几乎不再加噪声，数字早已成形。"
        ),
        "ins.prompt": "提示词",
        "ins.step_guidance": "引导强度",
        "ins.step_t": "从第 t 步开始",
        "ins.step_button": "走一步",
        "ins.run_button": "一直走到底",
        "ins.stop": "停止",
        "ins.steps_view": "xₜ · − 减去的部分 · + 加入的部分 · xₜ₋₁ · xₜ₋₁ − xₜ · x̂₀",
        "ins.q_xt": "当前的 xₜ（t = {t}）",
        "ins.q_removed": "− (1/√αₜ)·βₜ/√(1−ᾱₜ)·ε̂（×{amp:g}）",
        "ins.q_noise": "+ σₜ·z（×{amp:g}）",
        "ins.q_noise_none": "+ 无：最后一步不加噪声",
        "ins.q_prev": "下一步的 xₜ₋₁（t − 1 = {tp}）",
        "ins.q_change": "xₜ₋₁ − xₜ，这一步的全部变化（×{amp:g}）",
        "ins.q_x0": "x̂₀，ε̂ 所对应的干净图像",
        "ins.step_text": (
            "**t = {t} → {tp}。** $\\beta_t$ = {beta:.5f}，$\\alpha_t = 1-\\beta_t$ = {alpha:.5f}，"
            "$\\bar\\alpha_t$ = {ab:.5f}。\n\n"
            "$$x_{{t-1}} = {inv:.5f}\\,x_t - {inv:.5f} \\times {coef:.5f}\\,\\hat\\varepsilon + {sigma:.5f}\\,z$$\n\n"
            "（$1/\\sqrt{{\\alpha_t}}$ = {inv:.5f}；$\\beta_t/\\sqrt{{1-\\bar\\alpha_t}}$ = {coef:.5f}；"
            "$\\sigma_t = \\sqrt{{\\beta_t(1-\\bar\\alpha_{{t-1}})/(1-\\bar\\alpha_t)}}$ = {sigma:.5f}。）"
            "两部分的大小（均方根）：减去 {rm:.4f}，加入 {rn:.4f}；全部变化 $x_{{t-1}} - x_t$：{rc:.4f}"
            "（像素值的范围是 −1 到 1）。"
        ),
        "ins.step_done": "已到达 x₀：这就是生成的数字。再点“走一步”会从纯噪声（t = {T}）重新开始。",
        "ins.step_floor": (
            "这里几乎不剩信号（$\\bar\\alpha_t < 10^{-6}$）：除以 $\\sqrt{\\bar\\alpha_t}$ 会把网络的微小误差无限放大，"
            "所以采样器把训练图像的平均值当作 $\\hat x_0$，减去与它相符的噪声，而不是 $\\hat\\varepsilon$ 本身。"
        ),
        "ins.step_walked": "为了到达 t = {t}，先从纯噪声走了 {k} 步（种子相同，路径相同）。",
        "ins.step_noise": (
            "**为什么 $x_{{t-1}}$ 看起来和 $x_t$ 一样**：两者几乎都是纯噪声。$x_{{t-1}}$ 中数字所占的份额是 "
            "$\\sqrt{{\\bar\\alpha_{{t-1}}}}$ = {share:.4f}，噪声的份额是 $\\sqrt{{1-\\bar\\alpha_{{t-1}}}}$ = "
            "{noise:.4f}。这一步确实改变了像素（平均 {rc:.2f}，见“全部变化”那幅图），但只是把一片噪声换成了另一片。"
            "数字的份额要到 t = {half} 附近才超过 0.5；把 t 调低，就能在 $x_t$ 里看到数字。"
        ),
        "ins.walking": "正在从纯噪声走到 t = {t}（种子相同，路径相同）",
        "ins.walk_unit": "步",
    },
}


# ---------------------------------------------------------------- what the network learns


def _noise_pic(e: torch.Tensor) -> torch.Tensor:
    return (e * NOISE_SCALE + 0.5).clamp(0, 1)


def _colour_of(text: str) -> int:
    words = [w.strip(",.;:!?").lower() for w in text.split()]
    return next((PALETTE_NAMES.index(w) for w in words if w in PALETTE), PALETTE_NAMES.index("white"))


def _tile(x: torch.Tensor, scale: int = 6):
    return to_pil_grid(x[:1], nrow=1, scale=scale, pad=0)


def _digit(source: str, index: int, image, text: str, lang: str) -> torch.Tensor:
    """The forward algorithm's step 1: the clean image x0, (1, 3, 28, 28) in [0, 1] — a test digit painted in the
    caption's colour, or the learner's picture prepared like the training images."""
    if source == "image":
        if not image:
            raise gr.Error(tr("ins.err.no_image", lang))
        return prepare_init(image)[None]
    test = model("mnist_test", lang)
    index = min(index, len(test["labels"]) - 1)
    return colourize(test["images"][index : index + 1].float() / 255, torch.tensor([_colour_of(text)]))


CURVE_MODELS = ("diffusion", "text_encoder", "mnist_test")  # what average_loss_curve is made from, by registry name
CURVE_KEY = "ins.loss_curve"  # its entry among the registry's derived values: the warm-up and the handler share it


def average_loss_curve(dm, enc, test) -> dict[str, list[float]]:
    """The trained model's loss against t over the first CURVE_DIGITS test digits (a few seconds: the registry keeps
    it, computed once per loaded model)."""
    gray = test["images"][:CURVE_DIGITS].float() / 255
    labels = test["labels"][:CURVE_DIGITS].tolist()
    colours = torch.arange(len(labels)) % len(PALETTE_NAMES)
    captions = [f"a {PALETTE_NAMES[c]} {DIGIT_WORDS[d]}" for c, d in zip(colours.tolist(), labels)]
    emb, _ = embed_prompts(dm.net, enc, captions, translate=False)
    x0 = colourize(gray, colours).to(dm.device)
    return loss_curve(dm.net, dm.schedule, x0, emb, guidance=CURVE_GUIDANCE)


@ahead
def loss_curve_ahead() -> dict[str, list[float]]:
    """The loss curve made before the first learner asks (the server's warm-up)."""
    return REGISTRY.derived(CURVE_MODELS, CURVE_KEY, average_loss_curve)


def _curve_plot(curve, lang, t: int):
    """The three loss curves against t, and a vertical line at the chosen t (a series of its own, named the same at
    every t, so the legend never names a t it does not show)."""
    import pandas as pd

    names = {k: tr(f"ins.s_{k}", lang) for k in ("uncond", "cond", "guided")}
    xt, y, s = tr("ins.x_t", lang), tr("ins.y_loss", lang), tr("ins.series", lang)
    values = np.concatenate([curve[k] for k in names])
    df = pd.DataFrame(
        {
            xt: np.concatenate([np.tile(curve["t"], 3), [t, t]]),
            y: np.concatenate([values, [values.min(), values.max()]]),
            s: np.concatenate([np.repeat(list(names.values()), len(curve["t"])), [tr("ins.s_marker", lang)] * 2]),
        }
    )
    return gr.LinePlot(value=df, x=xt, y=y, color=s, color_title=s)


@NOISE.handler
def noise_prediction(
    source, index, image, caption, t, seed, guidance, request: gr.Request = None, progress=gr.Progress()
):
    lang = lang_of(request)
    text, notes = caption
    dm, enc = dc.diffusion_model(lang), dc.encoder(lang)
    x0 = _digit(source, index, image, text, lang)
    net, dev = dm.net, dm.device
    emb, _ = embed_prompts(net, enc, [text], translate=False)
    null = net.null_embedding(1).to(dev, torch.float32)
    p = predict_noise(
        net, dm.schedule, x0.to(dev), t, emb, null, guidance=guidance, generator=torch.Generator().manual_seed(seed)
    )
    ab = float(dm.schedule.alpha_bar(t))
    panels = [
        (_tile(to_unit_range(p.x0)), tr("ins.p_x0", lang)),
        (_tile(_noise_pic(p.eps)), tr("ins.p_eps", lang)),
        (_tile(to_unit_range(p.x_t)), tr("ins.p_xt", lang, a=ab**0.5, b=(1 - ab) ** 0.5)),
        (_tile(_noise_pic(p.eps_hat)), tr("ins.p_hat", lang)),
        (_tile(_noise_pic(p.diff)), tr("ins.p_diff", lang)),
    ]

    def first_curve(*models):  # computed once per loaded model, a few seconds on a CPU: say what it is doing
        progress(None, desc=tr("ins.curve_wait", lang, n=CURVE_DIGITS))
        return average_loss_curve(*models)

    curve = REGISTRY.derived(CURVE_MODELS, CURVE_KEY, first_curve)
    at = lambda k: float(np.interp(t, curve["t"], curve[k]))
    summary = tr(
        "ins.learn_summary",
        lang,
        t=t,
        ab=ab,
        sq=p.sq_error.item(),
        d=p.x0[0].numel(),
        mse=p.mse.item(),
        avg=at("cond"),
        unc=at("uncond"),
    )
    return panels, "\n\n".join([summary, *notes]), _curve_plot(curve, lang, t)


# ---------------------------------------------------------------- step 6: one real gradient update

OTHER_DIGITS = 16  # test digits scored before and after the update (not part of it): what one example does to the rest
OTHERS_WORSE = 1.1  # the others' loss rising by more than a tenth is called out


@TRAIN.handler
def training_step(source, index, image, caption, t, seed, lr, request: gr.Request = None):
    lang = lang_of(request)
    text, _ = caption
    dm, enc = dc.diffusion_model(lang), dc.encoder(lang)
    x0 = _digit(source, index, image, text, lang).to(dm.device)
    emb, _ = embed_prompts(dm.net, enc, [text], translate=False)
    noise = torch.randn(x0.shape, generator=torch.Generator().manual_seed(seed))  # the ε of the panels above
    test = model("mnist_test", lang)
    pick = torch.arange(OTHER_DIGITS) + (index + 1 if source == "test" else 0)  # the digits after this one
    pick = pick % len(test["labels"])
    colours = torch.arange(OTHER_DIGITS) % len(PALETTE_NAMES)
    captions = [
        f"a {PALETTE_NAMES[c]} {DIGIT_WORDS[d]}" for c, d in zip(colours.tolist(), test["labels"][pick].tolist())
    ]
    rows, _ = embed_prompts(dm.net, enc, captions, translate=False)
    others = colourize(test["images"][pick].float() / 255, colours).to(dm.device)
    others_eps = torch.randn(others.shape, generator=torch.Generator().manual_seed(seed + 1))
    r = gradient_step(dm.net, dm.schedule, x0, t, emb, lr=float(lr), noise=noise, others=(others, rows, others_eps))
    x_t = q_sample(dm.schedule, to_model_range(x0), torch.full((1,), t), noise.to(dm.device))
    change = r.eps_after - r.eps_before
    amp = _amp(change)
    panels = [
        (_tile(to_unit_range(x_t)), tr("ins.q_xt", lang, t=t)),
        (_tile(_noise_pic(noise)), tr("ins.p_eps", lang)),
        (_tile(_noise_pic(r.eps_before)), tr("ins.g_before", lang)),
        (_tile(_noise_pic(r.eps_after)), tr("ins.g_after", lang)),
        (_tile((0.5 + amp * change).clamp(0, 1)), tr("ins.g_change", lang, amp=amp)),
    ]
    summary = tr(
        "ins.train_summary",
        lang,
        before=r.loss_before,
        after=r.loss_after,
        change=r.loss_after / r.loss_before - 1,
        g=r.grad_norm,
        wc=r.weight_change,
        n=OTHER_DIGITS,
        ob=r.others_before,
        oa=r.others_after,
        ochange=r.others_after / r.others_before - 1,
    )
    if r.loss_after >= r.loss_before:
        verdict = "ins.train_up"
    elif r.others_after > OTHERS_WORSE * r.others_before:
        verdict = "ins.train_others"
    else:
        verdict = "ins.train_down"
    return panels, "\n\n".join([summary, tr(verdict, lang), tr("ins.train_adamw", lang)])


# ---------------------------------------------------------------- one reverse step at a time


WALK_REPORT = 10  # the walk to a chosen t reports its progress every this many steps


def _walk(dm, emb, seed: int, guidance: float, t: int, state, key):
    """A generator that yields (steps walked, steps to walk) as it goes and returns (x_t in [-1, 1], the generator
    positioned as the DDPM run with this seed has them at step t, steps walked): taken from the session's state when
    it holds exactly that, else walked from pure noise (the same seed gives the same path)."""
    g = torch.Generator()
    if state and state.get("key") == key and state.get("t") == t:
        g.set_state(state["g"])
        return state["x"].to(dm.device), g, 0
    g.manual_seed(seed)
    x = torch.randn((1, dm.net.cfg.in_channels, 28, 28), generator=g).to(dm.device)  # x_T, as generate() draws it
    total, walked = dm.schedule.T - t, 0
    if total:
        yield 0, total
    for st in ddpm_walk(
        dm.net, dm.schedule, x, emb, guidance=guidance, generator=g, t_stop=t, clip=STEP_CLIP, precision="fp32"
    ):
        x, walked = st.x_prev, walked + 1
        if walked % WALK_REPORT == 0:
            yield walked, total
    return x, g, walked


def _start(dm, emb, seed: int, guidance: float, t: int, state, key, on_walk=None):
    """_walk to t, calling on_walk(walked, total) at each of its reports; returns what _walk returns."""
    walk = _walk(dm, emb, seed, guidance, t, state, key)
    while True:
        try:
            k, total = next(walk)
        except StopIteration as done:
            return done.value
        if on_walk:
            on_walk(k, total)


def _amp(v: torch.Tensor) -> float:
    """The magnification that shows `v` (centred on grey) without clipping its largest value: a whole number; a
    change too large for that is shown at NOISE_SCALE (±2 fill black to white)."""
    a = 0.5 / max(v.abs().max().item(), 1e-6)
    return float(np.floor(a)) if a >= 1 else NOISE_SCALE


def _step_view(st, lang):
    amp = 0.5 / max(st.removed.abs().max().item(), st.noise.abs().max().item(), 1e-6)
    amp = max(1.0, float(np.floor(amp)))
    change = st.x_prev - st.x_t
    amp_c = _amp(change)
    tp = st.t - 1
    panels = [
        (_tile(to_unit_range(st.x_t)), tr("ins.q_xt", lang, t=st.t)),
        (_tile((0.5 - amp * st.removed).clamp(0, 1)), tr("ins.q_removed", lang, amp=amp)),
        (
            _tile((0.5 + amp * st.noise).clamp(0, 1)),
            tr("ins.q_noise", lang, amp=amp) if st.t > 1 else tr("ins.q_noise_none", lang),
        ),
        (_tile(to_unit_range(st.x_prev)), tr("ins.q_prev", lang, tp=tp)),
        (_tile((0.5 + amp_c * change).clamp(0, 1)), tr("ins.q_change", lang, amp=amp_c)),
        (_tile(to_unit_range(st.x0.clamp(-1, 1))), tr("ins.q_x0", lang)),
    ]
    rms = lambda v: v.pow(2).mean().sqrt().item()
    return panels, (st.inv_sqrt_alpha, st.eps_coef, st.sigma, rms(st.removed), rms(st.noise), rms(change))


NOISE_ONLY = 0.1  # below this share √ᾱ of the digit in x_{t−1}, a step swaps one field of noise for another
HALF_SHARE = 0.5  # the share the explanation names as the point where the digit can be seen in x_t


def _half_share_t(s) -> int:
    """The largest t at which the digit's share √ᾱ_t of x_t is still at least HALF_SHARE."""
    return max(t for t in range(1, s.T + 1) if float(s.alpha_bar(t)) ** 0.5 >= HALF_SHARE)


def _step_text(dm, st, parts, lang, extra=()):
    s = dm.schedule
    inv, coef, sigma, rm, rn, rc = parts
    text = tr(
        "ins.step_text",
        lang,
        t=st.t,
        tp=st.t - 1,
        beta=float(s.beta(st.t)),
        alpha=float(s.alpha(st.t)),
        ab=float(s.alpha_bar(st.t)),
        inv=inv,
        coef=coef,
        sigma=sigma,
        rm=rm,
        rn=rn,
        rc=rc,
    )
    notes = []
    if float(s.alpha_bar(st.t)) < ALPHA_BAR_FLOOR:
        notes.append(tr("ins.step_floor", lang))  # no arguments: its braces are LaTeX's, written once
    ab_prev = float(s.alpha_bar(st.t - 1)) if st.t > 1 else 1.0
    if ab_prev**0.5 < NOISE_ONLY:
        share, noise = ab_prev**0.5, (1 - ab_prev) ** 0.5
        notes.append(tr("ins.step_noise", lang, share=share, noise=noise, rc=rc, half=_half_share_t(s)))
    return "\n\n".join([text, *notes, *extra])


def _step_inputs(prompt: dc.Prompt, seed: int, guidance: float, lang: str):
    """(model, the prompt's embedding, its notes, the key of the path) for checked inputs of /reverse_step."""
    dm = dc.diffusion_model(lang)
    text, notes = prompt
    emb, _ = embed_prompts(dm.net, dc.encoder(lang), [text], translate=False)
    return dm, emb, notes, (text, seed, guidance)


def _state_after(st, g, key):
    return {"key": key, "t": st.t - 1, "x": st.x_prev.detach().cpu(), "g": g.get_state()}


@STEP.handler
def reverse_step(prompt, seed, guidance, t, state, request: gr.Request = None, progress=gr.Progress()):
    lang = lang_of(request)
    dm, emb, notes, key = _step_inputs(prompt, seed, guidance, lang)

    def on_walk(k, total):  # a walk of hundreds of steps takes tens of seconds on a CPU: say what it is doing
        progress((k, total), desc=tr("ins.walking", lang, t=t), unit=tr("ins.walk_unit", lang))

    x, g, walked = _start(dm, emb, seed, guidance, t, state, key, on_walk)
    st = next(
        ddpm_walk(dm.net, dm.schedule, x, emb, guidance=guidance, generator=g, t_start=t, t_stop=t - 1, clip=STEP_CLIP)
    )
    panels, parts = _step_view(st, lang)
    extra = [tr("ins.step_walked", lang, k=walked, t=t)] if walked else []
    if st.t == 1:
        extra.append(tr("ins.step_done", lang, T=dm.schedule.T))
    next_t = dm.schedule.T if st.t == 1 else st.t - 1
    return panels, _step_text(dm, st, parts, lang, [*extra, *notes]), next_t, _state_after(st, g, key)


@guarded
def reverse_run(
    prompt="a red seven", seed=0, guidance=DEFAULT_GUIDANCE, t=1000, state=None, request: gr.Request = None
):
    """Run to the end (a private event): /reverse_step's inputs, checked by its declaration, walked down to x₀. Its
    pictures stream in (no progress bar over them), so a walk to a chosen t first says so in the text below them."""
    lang = lang_of(request)
    prompt, seed, guidance, t = (
        STEP.param(name).check(value, lang)
        for name, value in (("prompt", prompt), ("seed", seed), ("guidance", guidance), ("t", t))
    )
    dm, emb, notes, key = _step_inputs(prompt, seed, guidance, lang)
    walk = _walk(dm, emb, seed, guidance, t, state, key)
    while True:
        try:
            k, total = next(walk)
        except StopIteration as done:
            x, g, _ = done.value
            break
        if k % (10 * WALK_REPORT) == 0:  # the walk's progress as the text under the pictures, every 100 steps
            yield (
                gr.skip(),
                f"{tr('ins.walking', lang, t=t)}: {k}/{total} {tr('ins.walk_unit', lang)} …",
                *[gr.skip()] * 2,
            )
    for st in ddpm_walk(dm.net, dm.schedule, x, emb, guidance=guidance, generator=g, t_start=t, clip=STEP_CLIP):
        if st.t == 1 or st.t % RUN_EVERY == 0:
            panels, parts = _step_view(st, lang)
            extra = [tr("ins.step_done", lang, T=dm.schedule.T)] if st.t == 1 else []
            next_t = dm.schedule.T if st.t == 1 else st.t - 1
            yield panels, _step_text(dm, st, parts, lang, [*extra, *notes]), next_t, _state_after(st, g, key)


# ---------------------------------------------------------------- layout


def build():
    # two sections, one click apart: the forward algorithm (what training asks of the network) opens first
    with gr.Tabs(overflow_behavior="wrap", elem_id="ins-sections"):  # both names shown on a phone too
        with gr.Tab(txt("ins.learn_tab"), id="learn", elem_id="ins-learn"):
            _build_learn()
        with gr.Tab(txt("ins.step_tab"), id="steps", elem_id="ins-steps"):
            _build_steps()


def _build_learn():
    markdown(txt("ins.learn_intro"))
    with gr.Row():
        with gr.Column(scale=1):
            source = NOISE.widget(
                "source",
                choices=[(txt("ins.source_test"), "test"), (txt("ins.source_image"), "image")],
                elem_id="ins-source",
            )
            with gr.Row():
                index = NOISE.widget("index", elem_id="ins-index")
                seed = NOISE.widget("seed", elem_id="ins-seed")
            image = ImageInput(  # shown when the source is "your own picture"
                label=txt(NOISE.param("image").label),
                type="filepath",
                value=str(EXAMPLES / "digit_7.png"),
                sources=["upload", "clipboard"],
                height=200,
                visible=False,
                elem_id="ins-image",
            )
            caption = NOISE.widget("caption", max_lines=2, max_length=dc.MAX_PROMPT_CHARS, elem_id="ins-caption")
            t = NOISE.widget("t", elem_id="ins-t")
            guidance = NOISE.widget("guidance", elem_id="ins-guidance")
            button = gr.Button(txt("ins.learn_button"), variant="primary", elem_id="ins-button")
        with gr.Column(scale=2):
            panels = pictures("ins-panels", 5, label=txt("ins.panels"))
            summary = markdown(elem_id="ins-summary")
            # no fixed height: Gradio draws the legend below the x axis and a set height cut it off (as on Noising)
            curve = gr.LinePlot(label=txt("ins.curve"), elem_id="ins-curve")
    source.change(
        lambda s: gr.update(visible=s == "image"),  # the upload box, shown for "your own picture"
        source,
        image,
        queue=False,
        show_progress="hidden",
        api_visibility="private",
    )
    inputs = [source, index, image, caption, t, seed, guidance]
    outputs = [panels, summary, curve]
    button.click(noise_prediction, inputs, outputs, **NOISE.event())
    t.release(noise_prediction, inputs, outputs, **NOISE.event(private=True))
    with gr.Accordion(txt("ins.train_title"), open=False, elem_id="ins-train"):
        markdown(txt("ins.train_intro"))
        with gr.Row():
            with gr.Column(scale=1):
                lr = TRAIN.widget("lr", elem_id="ins-lr")
                train = gr.Button(txt("ins.train_button"), variant="primary", elem_id="ins-train-button")
            with gr.Column(scale=2):
                train_panels = pictures("ins-train-panels", 5, label=txt("ins.train_panels"))
                train_text = markdown(elem_id="ins-train-text")
    train.click(
        training_step, [source, index, image, caption, t, seed, lr], [train_panels, train_text], **TRAIN.event()
    )


def _build_steps():
    markdown(txt("ins.step_intro"))
    state = gr.State(None)
    with gr.Row():
        with gr.Column(scale=1):
            prompt = STEP.widget("prompt", max_lines=2, max_length=dc.MAX_PROMPT_CHARS, elem_id="ins-prompt")
            with gr.Row():
                s_seed = STEP.widget("seed", elem_id="ins-step-seed")
                s_guid = STEP.widget("guidance", elem_id="ins-step-guidance")
            s_t = STEP.widget("t", elem_id="ins-step-t")
            with gr.Row():
                step = gr.Button(txt("ins.step_button"), variant="primary", elem_id="ins-step")
                run = gr.Button(txt("ins.run_button"), elem_id="ins-run")
                stop = gr.Button(txt("ins.stop"), variant="stop", elem_id="ins-stop")
        with gr.Column(scale=2):
            s_panels = pictures("ins-step-panels", 6, label=txt("ins.steps_view"))
            s_text = markdown(elem_id="ins-step-text")
    s_inputs = [prompt, s_seed, s_guid, s_t, state]
    s_outputs = [s_panels, s_text, s_t, state]
    step.click(reverse_step, s_inputs, s_outputs, **STEP.event())
    ev = run.click(
        reverse_run, s_inputs, s_outputs, api_visibility="private", show_progress="hidden", **DIFFUSION.event()
    )
    stop.click(None, None, None, cancels=[ev], api_visibility="private")
