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
from gendemo.app.ui.common import ImageInput, guarded, model, txt
from gendemo.core.images import to_pil_grid
from gendemo.core.paths import EXAMPLES
from gendemo.diffusion.captions import DIGIT_WORDS, PALETTE, PALETTE_NAMES, colourize
from gendemo.diffusion.init_image import prepare_init
from gendemo.diffusion.objective import loss_curve
from gendemo.diffusion.objective import noise_prediction as predict_noise
from gendemo.diffusion.sampling import ALPHA_BAR_FLOOR, DEFAULT_GUIDANCE, ddpm_walk, embed_prompts, to_unit_range

TAB_KEY = "ins.tab"
NOISE, STEP = ENDPOINTS["noise_prediction"], ENDPOINTS["reverse_step"]
CURVE_DIGITS = 64  # the first 64 MNIST test digits, each in a palette colour with a caption that names both
CURVE_GUIDANCE = DEFAULT_GUIDANCE  # the app's default guidance scale
STEP_CLIP = "never"  # the step view runs the chapter's formula as written (no clipping of x̂0)
RUN_EVERY = 50  # Run to the end shows every 50th step
NOISE_SCALE = 0.25  # noise panels: ε·0.25 + 0.5, so ±2 standard deviations fill black to white

STRINGS = {
    "en": {
        "ins.tab": "Inside diffusion: noise & steps",
        "ins.learn_title": "## What the network learns",
        "ins.learn_intro": (
            "Training never asks the network to draw a digit. It takes a clean picture x₀, mixes in fresh Gaussian "
            "noise ε to reach step t in one jump (x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε), and asks: *which noise did I add?* "
            "The network's answer is ε̂, and the loss is how far it is off, ‖ε̂ − ε‖². Pick a digit, a caption and a "
            "step t, and see each piece. Noise panels are drawn grey for 0, white for +2, black for −2.\n\n"
            "**Try this:** slide t from 1 to 1000. At small t the noise is faint and hard to tell apart from the "
            "strokes; at large t the picture is nearly all noise, so guessing the noise is easy — and the curve on the "
            "right shows what that does to the loss. Then empty the caption and compare."
        ),
        "ins.source": "Digit",
        "ins.source_test": "an MNIST test digit",
        "ins.source_image": "the picture below",
        "ins.index": "Test digit number (0–9999)",
        "ins.image": "…or your own picture (any size or format)",
        "ins.caption": "Caption (its colour word paints the test digit)",
        "ins.t": "Step t",
        "ins.guidance": "Guidance for ε̂ (1 = what training asked for)",
        "ins.learn_button": "Predict the noise",
        "ins.panels": "x₀ · ε · x_t · ε̂ · ε̂ − ε",
        "ins.curve": "Average loss against t (64 test digits, the same noise at every t)",
        "ins.p_x0": "x₀, the clean image",
        "ins.p_eps": "ε, the noise added",
        "ins.p_xt": "x_t = {a:.3f}·x₀ + {b:.3f}·ε",
        "ins.p_hat": "ε̂, the network's guess",
        "ins.p_diff": "ε̂ − ε, its error",
        "ins.learn_summary": (
            "At t = {t} (ᾱ_t = {ab:.4f}): ‖ε̂ − ε‖² = **{sq:.1f}** over {d} numbers, **{mse:.4f}** per number "
            "(guessing ε̂ = 0 would score about 1). The average over the 64 test digits at this t is {avg:.4f} with "
            "the caption, {unc:.4f} without it."
        ),
        "ins.x_t": "step t",
        "ins.y_loss": "loss per number",
        "ins.s_uncond": "no caption (∅)",
        "ins.s_cond": "caption (guidance 1)",
        "ins.s_guided": f"caption, guidance {CURVE_GUIDANCE:g}",
        "ins.series": "predicted with",
        "ins.err.no_image": "Please upload a picture, or choose an MNIST test digit.",
        "ins.step_title": "## One reverse step at a time",
        "ins.step_intro": (
            "Sampling runs the film backwards with the chapter's reverse algorithm (DDPM): start from pure noise "
            "x_T and, for t = T down to 1, remove the network's scaled noise estimate and add a little fresh noise:\n\n"
            "x_{t−1} = (1/√α_t)·(x_t − β_t/√(1−ᾱ_t)·ε̂) + σ_t·z\n\n"
            "**Step** takes one such step from the t on the slider; **Run to the end** goes on to x₀. The pictures "
            "show x_t, the scaled estimate being subtracted, the fresh noise σ_t·z being added, x_{t−1}, and the "
            "clean image that ε̂ implies. The two middle panels are magnified by the same factor so you can see them "
            "at all: each step changes the picture only a little.\n\n"
            "**Try this:** step a few times at t = 1000, then set t to 200 and step again: late steps add almost "
            "no noise, and the digit is already there."
        ),
        "ins.prompt": "Prompt",
        "ins.step_guidance": "Guidance scale",
        "ins.step_t": "Step from t",
        "ins.step_button": "Step",
        "ins.run_button": "Run to the end",
        "ins.stop": "Stop",
        "ins.steps_view": "x_t · − subtracted · + added · x_{t−1} · x̂₀",
        "ins.q_xt": "x_t (t = {t})",
        "ins.q_removed": "− (1/√α_t)·β_t/√(1−ᾱ_t)·ε̂ (×{amp:.0f})",
        "ins.q_noise": "+ σ_t·z (×{amp:.0f})",
        "ins.q_noise_none": "+ nothing: the last step adds no noise",
        "ins.q_prev": "x_{{t−1}} (t − 1 = {tp})",
        "ins.q_x0": "x̂₀, the clean image ε̂ implies",
        "ins.step_text": (
            "**t = {t} → {tp}.** β_t = {beta:.5f}, α_t = 1 − β_t = {alpha:.5f}, ᾱ_t = {ab:.5f}.\n\n"
            "x_{{t−1}} = {inv:.5f} · x_t − {inv:.5f} × {coef:.5f} · ε̂ + {sigma:.5f} · z\n\n"
            "(1/√α_t = {inv:.5f}; β_t/√(1−ᾱ_t) = {coef:.5f}; σ_t = √(β_t·(1−ᾱ_{{t−1}})/(1−ᾱ_t)) = {sigma:.5f}.) "
            "Size of the two parts (root mean square): subtracted {rm:.4f}, added {rn:.4f}."
        ),
        "ins.step_done": "x₀ reached: that is the generated digit. The next Step starts again from pure noise "
        "(t = {T}).",
        "ins.step_floor": (
            "Here almost no signal is left (ᾱ_t < 10⁻⁶): dividing by √ᾱ_t would blow the network's tiny errors up, so "
            "the sampler takes the average training image as x̂₀ and subtracts the noise that fits it instead of ε̂."
        ),
        "ins.step_walked": "Walked {k} steps from pure noise to reach t = {t} (same seed, same path).",
    },
    "zh-CN": {
        "ins.tab": "扩散内部：噪声与每一步",
        "ins.learn_title": "## 网络到底在学什么",
        "ins.learn_intro": (
            "训练时从不要求网络“画一个数字”。它拿一张干净的图 x₀，混入新的高斯噪声 ε，一步跳到第 t 步"
            "（x_t = √ᾱ_t·x₀ + √(1−ᾱ_t)·ε），然后问网络：*我加进去的是哪份噪声？* 网络的回答是 ε̂，"
            "损失就是它差了多少：‖ε̂ − ε‖²。选一个数字、一句说明文字和一个步数 t，就能看到每一部分。"
            "噪声图中灰色表示 0，白色表示 +2，黑色表示 −2。\n\n"
            "**试一试**：把 t 从 1 拖到 1000。t 很小时噪声很淡，和笔画难以区分；t 很大时画面几乎全是噪声，"
            "猜噪声反而容易——右边的曲线显示了这对损失的影响。再把说明文字清空，对比一下。"
        ),
        "ins.source": "数字来源",
        "ins.source_test": "MNIST 测试集中的数字",
        "ins.source_image": "下面的图片",
        "ins.index": "测试数字编号（0–9999）",
        "ins.image": "……或你自己的图片（任意尺寸和格式）",
        "ins.caption": "说明文字（其中的颜色词决定测试数字的颜色）",
        "ins.t": "步数 t",
        "ins.guidance": "ε̂ 的引导强度（1 = 训练时的要求）",
        "ins.learn_button": "预测噪声",
        "ins.panels": "x₀ · ε · x_t · ε̂ · ε̂ − ε（依次）",
        "ins.curve": "平均损失随 t 的变化（64 个测试数字，每个 t 用同一份噪声）",
        "ins.p_x0": "x₀，干净的图像",
        "ins.p_eps": "ε，加入的噪声",
        "ins.p_xt": "带噪图像 x_t = {a:.3f}·x₀ + {b:.3f}·ε",
        "ins.p_hat": "ε̂，网络的猜测",
        "ins.p_diff": "ε̂ − ε，猜测的误差",
        "ins.learn_summary": (
            "在 t = {t}（ᾱ_t = {ab:.4f}）时：‖ε̂ − ε‖² = **{sq:.1f}**（共 {d} 个数），平均每个数 **{mse:.4f}**"
            "（如果直接猜 ε̂ = 0，大约是 1）。在这个 t 上，64 个测试数字的平均损失：有说明文字时为 {avg:.4f}，"
            "没有时为 {unc:.4f}。"
        ),
        "ins.x_t": "步数 t",
        "ins.y_loss": "每个数的损失",
        "ins.s_uncond": "无说明文字（∅）",
        "ins.s_cond": "有说明文字（引导 1）",
        "ins.s_guided": f"有说明文字，引导 {CURVE_GUIDANCE:g}",
        "ins.series": "预测时的条件",
        "ins.err.no_image": "请上传一张图片，或者改选 MNIST 测试数字。",
        "ins.step_title": "## 一步一步地反向采样",
        "ins.step_intro": (
            "采样就是用本章的反向算法（DDPM）把“电影”倒着放：从纯噪声 x_T 出发，对 t = T 一直到 1，"
            "每一步减去网络按比例缩放后的噪声估计，再加上一点新的噪声：\n\n"
            "x_{t−1} = (1/√α_t)·(x_t − β_t/√(1−ᾱ_t)·ε̂) + σ_t·z\n\n"
            "**走一步**会从滑块上的 t 走一步；**一直走到底**会继续走到 x₀。图中依次是 x_t、被减去的缩放噪声估计、"
            "新加入的噪声 σ_t·z、x_{t−1}，以及 ε̂ 所对应的干净图像。中间两幅图按同一倍数放大，否则几乎看不见："
            "每一步对画面的改变都很小。\n\n"
            "**试一试**：在 t = 1000 处走几步，再把 t 设为 200 继续走：后期的步骤几乎不再加噪声，数字早已成形。"
        ),
        "ins.prompt": "提示词",
        "ins.step_guidance": "引导强度",
        "ins.step_t": "从第 t 步开始",
        "ins.step_button": "走一步",
        "ins.run_button": "一直走到底",
        "ins.stop": "停止",
        "ins.steps_view": "x_t · − 减去的部分 · + 加入的部分 · x_{t−1} · x̂₀",
        "ins.q_xt": "当前的 x_t（t = {t}）",
        "ins.q_removed": "− (1/√α_t)·β_t/√(1−ᾱ_t)·ε̂（放大 {amp:.0f} 倍）",
        "ins.q_noise": "+ σ_t·z（放大 {amp:.0f} 倍）",
        "ins.q_noise_none": "+ 无：最后一步不加噪声",
        "ins.q_prev": "下一步的 x_{{t−1}}（t − 1 = {tp}）",
        "ins.q_x0": "x̂₀，ε̂ 所对应的干净图像",
        "ins.step_text": (
            "**t = {t} → {tp}。** β_t = {beta:.5f}，α_t = 1 − β_t = {alpha:.5f}，ᾱ_t = {ab:.5f}。\n\n"
            "x_{{t−1}} = {inv:.5f} · x_t − {inv:.5f} × {coef:.5f} · ε̂ + {sigma:.5f} · z\n\n"
            "（1/√α_t = {inv:.5f}；β_t/√(1−ᾱ_t) = {coef:.5f}；σ_t = √(β_t·(1−ᾱ_{{t−1}})/(1−ᾱ_t)) = {sigma:.5f}。）"
            "两部分的大小（均方根）：减去 {rm:.4f}，加入 {rn:.4f}。"
        ),
        "ins.step_done": "已到达 x₀：这就是生成的数字。再点“走一步”会从纯噪声（t = {T}）重新开始。",
        "ins.step_floor": (
            "这里几乎不剩信号（ᾱ_t < 10⁻⁶）：除以 √ᾱ_t 会把网络的微小误差无限放大，"
            "所以采样器把训练图像的平均值当作 x̂₀，减去与它相符的噪声，而不是 ε̂ 本身。"
        ),
        "ins.step_walked": "为了到达 t = {t}，先从纯噪声走了 {k} 步（种子相同，路径相同）。",
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


CURVE_MODELS = ("diffusion", "text_encoder", "mnist_test")  # what average_loss_curve is made from, by registry name


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


def _curve_plot(curve, lang):
    import pandas as pd

    names = {k: tr(f"ins.s_{k}", lang) for k in ("uncond", "cond", "guided")}
    xt, y, s = tr("ins.x_t", lang), tr("ins.y_loss", lang), tr("ins.series", lang)
    df = pd.DataFrame(
        {
            xt: np.tile(curve["t"], 3),
            y: np.concatenate([curve[k] for k in names]),
            s: np.repeat(list(names.values()), len(curve["t"])),
        }
    )
    return gr.LinePlot(value=df, x=xt, y=y, color=s, color_title=s)


@NOISE.handler
def noise_prediction(source, index, image, caption, t, seed, guidance, request: gr.Request = None):
    lang = lang_of(request)
    text, notes = caption
    dm, enc = dc.diffusion_model(lang), dc.encoder(lang)
    test = model("mnist_test", lang)
    if source == "image":
        if not image:
            raise gr.Error(tr("ins.err.no_image", lang))
        x0 = prepare_init(image)[None]
    else:
        index = min(index, len(test["labels"]) - 1)
        x0 = colourize(test["images"][index : index + 1].float() / 255, torch.tensor([_colour_of(text)]))
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
    curve = REGISTRY.derived(CURVE_MODELS, "ins.loss_curve", average_loss_curve)
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
    return panels, "\n\n".join([summary, *notes]), _curve_plot(curve, lang)


# ---------------------------------------------------------------- one reverse step at a time


def _start(dm, emb, seed: int, guidance: float, t: int, state, key):
    """x_t (in [-1, 1]) and the generator positioned as the DDPM run with this seed has them at step t: taken from the
    session's state when it holds exactly that, else walked from pure noise (the same seed gives the same path)."""
    g = torch.Generator()
    if state and state.get("key") == key and state.get("t") == t:
        g.set_state(state["g"])
        return state["x"].to(dm.device), g, 0
    g.manual_seed(seed)
    x = torch.randn((1, dm.net.cfg.in_channels, 28, 28), generator=g).to(dm.device)  # x_T, as generate() draws it
    walked = 0
    for st in ddpm_walk(
        dm.net, dm.schedule, x, emb, guidance=guidance, generator=g, t_stop=t, clip=STEP_CLIP, precision="fp32"
    ):
        x, walked = st.x_prev, walked + 1
    return x, g, walked


def _step_view(st, lang):
    amp = 0.5 / max(st.removed.abs().max().item(), st.noise.abs().max().item(), 1e-6)
    amp = max(1.0, float(np.floor(amp)))
    tp = st.t - 1
    panels = [
        (_tile(to_unit_range(st.x_t)), tr("ins.q_xt", lang, t=st.t)),
        (_tile((0.5 - amp * st.removed).clamp(0, 1)), tr("ins.q_removed", lang, amp=amp)),
        (
            _tile((0.5 + amp * st.noise).clamp(0, 1)),
            tr("ins.q_noise", lang, amp=amp) if st.t > 1 else tr("ins.q_noise_none", lang),
        ),
        (_tile(to_unit_range(st.x_prev)), tr("ins.q_prev", lang, tp=tp)),
        (_tile(to_unit_range(st.x0.clamp(-1, 1))), tr("ins.q_x0", lang)),
    ]
    rms = lambda v: v.pow(2).mean().sqrt().item()
    return panels, (st.inv_sqrt_alpha, st.eps_coef, st.sigma, rms(st.removed), rms(st.noise))


def _step_text(dm, st, parts, lang, extra=()):
    s = dm.schedule
    inv, coef, sigma, rm, rn = parts
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
    )
    if float(s.alpha_bar(st.t)) < ALPHA_BAR_FLOOR:
        extra = [tr("ins.step_floor", lang), *extra]
    return "\n\n".join([text, *extra])


def _step_inputs(prompt: dc.Prompt, seed: int, guidance: float, lang: str):
    """(model, the prompt's embedding, its notes, the key of the path) for checked inputs of /reverse_step."""
    dm = dc.diffusion_model(lang)
    text, notes = prompt
    emb, _ = embed_prompts(dm.net, dc.encoder(lang), [text], translate=False)
    return dm, emb, notes, (text, seed, guidance)


def _state_after(st, g, key):
    return {"key": key, "t": st.t - 1, "x": st.x_prev.detach().cpu(), "g": g.get_state()}


@STEP.handler
def reverse_step(prompt, seed, guidance, t, state, request: gr.Request = None):
    lang = lang_of(request)
    dm, emb, notes, key = _step_inputs(prompt, seed, guidance, lang)
    x, g, walked = _start(dm, emb, seed, guidance, t, state, key)
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
    """Run to the end (a private event): /reverse_step's inputs, checked by its declaration, walked down to x₀."""
    lang = lang_of(request)
    prompt, seed, guidance, t = (
        STEP.param(name).check(value, lang)
        for name, value in (("prompt", prompt), ("seed", seed), ("guidance", guidance), ("t", t))
    )
    dm, emb, notes, key = _step_inputs(prompt, seed, guidance, lang)
    x, g, _ = _start(dm, emb, seed, guidance, t, state, key)
    for st in ddpm_walk(dm.net, dm.schedule, x, emb, guidance=guidance, generator=g, t_start=t, clip=STEP_CLIP):
        if st.t == 1 or st.t % RUN_EVERY == 0:
            panels, parts = _step_view(st, lang)
            extra = [tr("ins.step_done", lang, T=dm.schedule.T)] if st.t == 1 else []
            next_t = dm.schedule.T if st.t == 1 else st.t - 1
            yield panels, _step_text(dm, st, parts, lang, [*extra, *notes]), next_t, _state_after(st, g, key)


# ---------------------------------------------------------------- layout


def build():
    gr.Markdown(txt("ins.learn_title"))
    gr.Markdown(txt("ins.learn_intro"))
    with gr.Row():
        with gr.Column(scale=1):
            source = NOISE.widget(
                "source",
                choices=[(txt("ins.source_test"), "test"), (txt("ins.source_image"), "image")],
                elem_id="ins-source",
            )
            index = NOISE.widget("index", elem_id="ins-index")
            image = ImageInput(
                label=txt(NOISE.param("image").label),
                type="filepath",
                value=str(EXAMPLES / "digit_7.png"),
                sources=["upload", "clipboard"],
                height=160,
                elem_id="ins-image",
            )
            caption = NOISE.widget("caption", max_lines=2, max_length=dc.MAX_PROMPT_CHARS, elem_id="ins-caption")
            t = NOISE.widget("t", elem_id="ins-t")
            with gr.Row():
                seed = NOISE.widget("seed", elem_id="ins-seed")
                guidance = NOISE.widget("guidance", elem_id="ins-guidance")
            button = gr.Button(txt("ins.learn_button"), variant="primary", elem_id="ins-button")
        with gr.Column(scale=2):
            panels = gr.Gallery(
                label=txt("ins.panels"),
                columns=5,
                height="auto",
                format="png",
                elem_id="ins-panels",
                elem_classes=["gd-pixel"],
            )
            summary = gr.Markdown(elem_id="ins-summary")
            # no fixed height: Gradio draws the legend below the x axis and a set height cut it off (as on Noising)
            curve = gr.LinePlot(label=txt("ins.curve"), elem_id="ins-curve")
    inputs = [source, index, image, caption, t, seed, guidance]
    outputs = [panels, summary, curve]
    button.click(noise_prediction, inputs, outputs, **NOISE.event())
    t.release(noise_prediction, inputs, outputs, **NOISE.event(private=True))

    gr.Markdown(txt("ins.step_title"))
    gr.Markdown(txt("ins.step_intro"))
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
            s_panels = gr.Gallery(
                label=txt("ins.steps_view"),
                columns=5,
                height="auto",
                format="png",
                elem_id="ins-step-panels",
                elem_classes=["gd-pixel"],
            )
            s_text = gr.Markdown(elem_id="ins-step-text")
    s_inputs = [prompt, s_seed, s_guid, s_t, state]
    s_outputs = [s_panels, s_text, s_t, state]
    step.click(reverse_step, s_inputs, s_outputs, **STEP.event())
    ev = run.click(
        reverse_run, s_inputs, s_outputs, api_visibility="private", show_progress="hidden", **DIFFUSION.event()
    )
    stop.click(None, None, None, cancels=[ev], api_visibility="private")
