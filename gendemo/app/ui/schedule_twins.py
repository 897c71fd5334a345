"""The Noising tab's section "Which schedule trains better?": the schedule twins' measured curves (read from their
cards), what they say about the chapter's claim, and samples from both twins on the same noise (/schedule_twins)."""

from __future__ import annotations

import gradio as gr
import torch

from gendemo.app.endpoints import ENDPOINTS
from gendemo.app.i18n import lang_of, tr
from gendemo.app.ui import diffusion_common as dc
from gendemo.app.ui import predict
from gendemo.app.ui.common import model, on_open, picture, txt
from gendemo.core.checkpoints import CheckpointError
from gendemo.core.images import to_pil_grid
from gendemo.diffusion.sampling import generate
from gendemo.diffusion.twin_verdict import COMPARED, FRECHET_TIE, Z, judge_twins
from gendemo.diffusion.twins import EVAL, TWINS, twin_card

SCHEDULE_TWINS = ENDPOINTS["schedule_twins"]
N_SAMPLES = 8  # one row of digits per twin
ORDER = ("linear", "cosine")  # top row, bottom row; legend order
# One colour per schedule on every chart of the Noising tab, its schedule charts and the twins' alike (orange was
# constant β above and cosine here).
COLOURS = {"linear": "#2563eb", "constant": "#f59e0b", "cosine": "#dc2626"}
# Below this final digit accuracy (chance is 0.1) the twins have not learned digits yet, and the text says so.
EARLY_DIGIT_ACCURACY = 0.5

STRINGS = {
    "en": {
        "twin.title": "Which schedule trains better? The schedule twins, trained both ways",
        "twin.intro": (
            "The chapter says the cosine schedule helps the model learn better. Here the claim is tested. Two small "
            "U-Nets, the *twins*, were trained in exactly the same way — the same network, digits, captions, seed, "
            "noise draws and number of steps — except for the schedule: one with DDPM's linear β, one with the "
            "cosine schedule. At several points of training each was paused and judged on "
            "prompts it never saw in training, with the same sampler and the same starting noise for both: does the "
            "classifier read the digit that was asked for, is the colour right, and how far are the pictures from "
            "real digits (the Fréchet distance, lower is better)? Every figure below is read from the twins' "
            "checkpoint cards.\n\n"
            "**Try this:** write a prompt and let both twins draw it from the very same starting noise. Where do "
            "their pictures differ, and does that match the curves?"
        ),
        "twin.prompt": "Prompt for both twins",
        "twin.loading": "Loading the twins…",
        "twin.drawing": "The {which} twin: step {i} of {k}",
        "twin.which.linear": "linear-β",
        "twin.which.cosine": "cosine",
        "twin.judging": "Judging both rows…",
        "twin.button": "Draw with both twins",
        "twin.samples": "Top: linear-β twin · bottom: cosine twin (the same starting noise, column by column)",
        "twin.digit_plot": "Digit accuracy on held-out prompts",
        "twin.colour_plot": "Colour accuracy on held-out prompts",
        "twin.frechet_plot": "Fréchet distance to real digits (lower is better)",
        "twin.x": "training step",
        "twin.y_digit": "digit accuracy",
        "twin.y_colour": "colour accuracy",
        "twin.y_frechet": "Fréchet distance",
        "twin.schedule": "schedule",
        "twin.m.digit_accuracy": "digit accuracy",
        "twin.m.colour_accuracy": "colour accuracy",
        "twin.m.frechet_distance": "Fréchet distance",
        "twin.rows": "**Top row, linear-β twin:** {lin}\n\n**Bottom row, cosine twin:** {cos}",
        "twin.figures": (
            "At the end of the run ({steps:,} steps): digit accuracy {ld:.1%} (linear) vs {cd:.1%} (cosine), colour "
            "accuracy {lc:.1%} vs {cc:.1%}, Fréchet distance {lf:.3f} vs {cf:.3f}."
        ),
        "twin.v.supports": (
            "**What the measurement says:** the cosine twin ends ahead on {cos_where}, and behind on nothing. On "
            "this run the measurement agrees with the chapter: the cosine schedule helped the model learn."
        ),
        "twin.v.contradicts": (
            "**What the measurement says:** the linear-β twin ends ahead on {lin_where}, and behind on nothing. On "
            "this run the measurement does not back the chapter's claim: for these 28×28 digits the cosine schedule "
            "did not help the model learn."
        ),
        "twin.v.mixed": (
            "**What the measurement says:** each twin ends ahead on something (cosine: {cos_where}; linear-β: "
            "{lin_where}), so the measurement neither confirms nor refutes the chapter's claim."
        ),
        "twin.v.tie": (
            "**What the measurement says:** at the end the twins are level — no difference is larger than the "
            "evaluation's own noise. On this run the cosine schedule made no measurable difference, so the "
            "measurement does not back the chapter's claim (nor show the opposite)."
        ),
        "twin.v.not_comparable": (
            "**What the measurement says:** nothing — the two checkpoints were not trained alike ({problem}), so "
            "they cannot test the claim."
        ),
        "twin.earlier": (
            "Earlier in training (evaluations before the end: {k}, three measures each) the cosine twin was ahead "
            "{c} times and the linear-β twin {l} times."
        ),
        "twin.protocol": (
            "Each point of the curves: {n} pictures for {prompts} held-out prompts, {sampler} with {steps} steps, "
            "guidance {g}, seed {seed}."
        ),
        "twin.early": (
            "Neither twin draws the asked digit reliably yet (digit accuracy {best:.0%} at best, where drawing one "
            "digit for every prompt would score 10 %): the run shows only the start of learning — colour and the look "
            "of a stroke come first — not where a full training would end."
        ),
        "twin.noise": (
            "A twin counts as ahead only by more than the measurement's own noise: {z:g} standard errors for an "
            "accuracy, {tie:.0%} for the Fréchet distance. One seed and one short run of a small model: this is a "
            "single measurement, not a proof."
        ),
    },
    "zh-CN": {
        "twin.title": "哪种调度训练得更好？用两种调度各训练一遍的“双胞胎”",
        "twin.intro": (
            "本章说余弦调度“有助于扩散模型更好地学习”。这里就来检验这句话。两个小 U-Net——我们叫它们“双胞胎”——"
            "训练方式完全一样：相同的网络、数字、说明文字、随机种子、噪声抽样和训练步数，唯一的区别是噪声调度："
            "一个用 DDPM 的线性 β，一个用余弦调度。训练途中，我们在几个时间点把它们停下来，"
            "用训练时从未见过的提示词来评判，两者用同一个采样器、同样的初始噪声：分类器读出的数字是否就是要求的数字？"
            "颜色对不对？生成的图与真实数字差多远（弗雷歇距离，越小越好）？下面的每个数字都读自两个模型的检查点卡片。\n\n"
            "**试一试**：写一条提示词，让两个双胞胎从完全相同的初始噪声出发各画一遍。它们的画有什么不同？"
            "这与曲线相符吗？"
        ),
        "twin.prompt": "给两个双胞胎的提示词",
        "twin.loading": "正在载入两个双胞胎……",
        "twin.drawing": "{which}双胞胎：第 {i} / {k} 步",
        "twin.which.linear": "线性 β ",
        "twin.which.cosine": "余弦",
        "twin.judging": "正在评判两行……",
        "twin.button": "让两个双胞胎都画一遍",
        "twin.samples": "上：线性 β 双胞胎 · 下：余弦双胞胎（每一列的初始噪声相同）",
        "twin.digit_plot": "未见过的提示词上的数字准确率",
        "twin.colour_plot": "未见过的提示词上的颜色准确率",
        "twin.frechet_plot": "与真实数字的弗雷歇距离（越小越好）",
        "twin.x": "训练步数",
        "twin.y_digit": "数字准确率",
        "twin.y_colour": "颜色准确率",
        "twin.y_frechet": "弗雷歇距离",
        "twin.schedule": "噪声调度",
        "twin.m.digit_accuracy": "数字准确率",
        "twin.m.colour_accuracy": "颜色准确率",
        "twin.m.frechet_distance": "弗雷歇距离",
        "twin.rows": "**上行，线性 β 双胞胎**：{lin}\n\n**下行，余弦双胞胎**：{cos}",
        "twin.figures": (
            "训练结束时（{steps:,} 步）：数字准确率 {ld:.1%}（线性）对 {cd:.1%}（余弦），颜色准确率 {lc:.1%} 对 "
            "{cc:.1%}，弗雷歇距离 {lf:.3f} 对 {cf:.3f}。"
        ),
        "twin.v.supports": (
            "**测量结果说明什么**：余弦双胞胎最终在{cos_where}上领先，没有任何一项落后。"
            "在这次训练中，测量结果与本章一致：余弦调度确实帮助模型学得更好。"
        ),
        "twin.v.contradicts": (
            "**测量结果说明什么**：线性 β 双胞胎最终在{lin_where}上领先，没有任何一项落后。"
            "在这次训练中，测量结果不支持本章的说法：对这些 28×28 的数字来说，余弦调度并没有帮助模型学得更好。"
        ),
        "twin.v.mixed": (
            "**测量结果说明什么**：两个双胞胎各有领先之处（余弦：{cos_where}；线性 β：{lin_where}），"
            "所以这次测量既不能证实、也不能否定本章的说法。"
        ),
        "twin.v.tie": (
            "**测量结果说明什么**：训练结束时两个双胞胎不分高下——任何差距都没有超出评测本身的随机误差。"
            "在这次训练中，余弦调度没有带来可测量的差别，所以测量结果不支持本章的说法（也没有显示相反的结论）。"
        ),
        "twin.v.not_comparable": (
            "**测量结果说明什么**：什么也说明不了——这两个检查点的训练方式不同（{problem}），无法用来检验这个说法。"
        ),
        "twin.earlier": (
            "在训练的更早阶段（结束前的 {k} 次评测，每次三项指标），余弦双胞胎领先 {c} 次，线性 β 双胞胎领先 {l} 次。"
        ),
        "twin.protocol": (
            "曲线上的每个点：{prompts} 条未见过的提示词共 {n} 张图，"
            "{sampler} 采样 {steps} 步，引导强度 {g}，种子 {seed}。"
        ),
        "twin.early": (
            "两个双胞胎都还不能可靠地画出要求的数字（数字准确率最高只有 {best:.0%}，"
            "而每条提示词都画同一个数字也能得到 10%）：这次训练只展示了学习的开头——"
            "颜色和笔画的样子先学会——而不是完整训练之后的结果。"
        ),
        "twin.noise": (
            "只有差距超过测量本身的误差，才算一方领先：准确率要超过 {z:g} 个标准误差，弗雷歇距离要超过 {tie:.0%}。"
            "这只是一个随机种子、一个小模型的一次短训练：是一次测量，不是证明。"
        ),
    },
}


def schedule_colours(lang: str, schedules=ORDER) -> dict[str, str]:
    """A line chart's color_map: each schedule's name in `lang` (noising_tab's strings) → its colour."""
    return {tr(f"noise.s_{k}", lang): COLOURS[k] for k in schedules}


def _where(verdict, who: str, lang: str) -> str:
    names = [tr(f"twin.m.{m}", lang) for m in COMPARED if verdict.final[m]["leader"] == who]
    if lang == "zh-CN":
        return "、".join(names)
    return " and ".join([", ".join(names[:-1]), names[-1]]) if len(names) > 1 else "".join(names)


def verdict_text(linear: dict, cosine: dict, lang: str) -> str:
    """The computed sentences under the plots: the final figures, the outcome, the earlier points, the noise rule."""
    v = judge_twins(linear, cosine)
    if v.outcome == "not_comparable":
        return tr("twin.v.not_comparable", lang, problem=v.problem)
    f = v.final
    parts = [
        tr(
            "twin.figures",
            lang,
            steps=v.steps,
            **{
                f"{s[0]}{m[0]}": f[key][s]
                for s in ORDER
                for m, key in (("d", "digit_accuracy"), ("c", "colour_accuracy"), ("f", "frechet_distance"))
            },
        ),
        tr(
            f"twin.v.{v.outcome}",
            lang,
            cos_where=_where(v, "cosine", lang),
            lin_where=_where(v, "linear", lang),
        ),
    ]
    best = max(f["digit_accuracy"][s] for s in ORDER)
    if best < EARLY_DIGIT_ACCURACY:
        parts.append(tr("twin.early", lang, best=best))
    if v.earlier_points:
        parts.append(
            tr("twin.earlier", lang, k=v.earlier_points, c=v.earlier_ahead["cosine"], l=v.earlier_ahead["linear"])
        )
    m = linear["metrics"]
    protocol = {k: m.get(k) for k in ("n", "prompts", "steps", "seed")}
    parts.append(
        tr("twin.protocol", lang, sampler=str(m.get("sampler")).upper(), g=f"{m.get('guidance'):g}", **protocol)
        + ("" if lang == "zh-CN" else " ")  # Chinese sentences follow each other without a space
        + tr("twin.noise", lang, z=Z, tie=FRECHET_TIE)
    )
    return "\n\n".join(parts)


def curve_plots(linear: dict, cosine: dict, lang: str) -> list:
    """Three line plots (digit accuracy, colour accuracy, Fréchet distance against the training step) from the cards."""
    import pandas as pd

    x, s = tr("twin.x", lang), tr("twin.schedule", lang)
    names = {"linear": tr("noise.s_linear", lang), "cosine": tr("noise.s_cosine", lang)}
    cards = {"linear": linear, "cosine": cosine}
    plots = []
    for key, y in (
        ("digit_accuracy", "twin.y_digit"),
        ("colour_accuracy", "twin.y_colour"),
        ("frechet_distance", "twin.y_frechet"),
    ):
        rows = [
            {x: c["step"], tr(y, lang): c[key], s: names[k]}
            for k in ORDER
            for c in cards[k].get("metrics", {}).get("curve", [])
        ]
        frame = pd.DataFrame(rows, columns=[x, tr(y, lang), s])
        colours = schedule_colours(lang)  # the same colour per schedule as the noising charts above
        plots.append(gr.LinePlot(value=frame, x=x, y=tr(y, lang), color=s, color_title=s, color_map=colours))
    return plots


def _cards(lang) -> tuple[dict, dict]:
    try:
        return twin_card("schedule_linear"), twin_card("schedule_cosine")
    except CheckpointError as e:
        raise gr.Error(tr("common.unavailable", lang, why=str(e))) from None


@SCHEDULE_TWINS.handler
def schedule_twins(prompt, seed, request: gr.Request = None, progress=gr.Progress()):
    """Draws the prompt with both twins; the progress bar says which twin is at which step (seconds to tens of
    seconds on a busy CPU)."""
    lang = lang_of(request)
    text, notes = prompt
    progress(0, desc=tr("twin.loading", lang))
    nets = {k: model(name, lang) for name, k in TWINS.items()}
    linear, cosine = _cards(lang)
    enc = dc.encoder(lang)
    imgs = {}
    with torch.no_grad():
        # the same seed: the same starting noise x_T for both rows, and the same DDIM sampler as their evaluations
        for j, k in enumerate(ORDER):
            which = tr(f"twin.which.{k}", lang)

            def step(f, j=j, which=which):
                said = tr("twin.drawing", lang, which=which, i=f.step, k=f.steps)
                progress((j + f.step / f.steps) / len(ORDER), desc=said)

            imgs[k] = generate(
                nets[k],
                enc,
                text,
                n=N_SAMPLES,
                steps=EVAL.steps,
                guidance=EVAL.guidance,
                seed=seed,
                sampler=EVAL.sampler,
                callback=step,
            ).cpu()
    progress(1, desc=tr("twin.judging", lang))
    judged = {k: dc.judge_outputs(imgs[k], text, lang)[1] for k in ORDER}
    grid = to_pil_grid(torch.cat([imgs[k] for k in ORDER]), nrow=N_SAMPLES, scale=3, pad=2, pad_value=1.0)
    rows = "\n\n".join([*notes, tr("twin.rows", lang, lin=judged["linear"], cos=judged["cosine"])])
    return (grid, rows, verdict_text(linear, cosine, lang), *curve_plots(linear, cosine, lang))


def build():
    """The section, closed under the noising figure (elem_id "twin")."""
    with gr.Accordion(txt("twin.title"), open=False, elem_id="twin"):
        gr.Markdown(txt("twin.intro"))
        # predict, then look (#32): which twin ends ahead? The click draws with both
        choices = [("ask.tw.cosine", "cosine"), ("ask.tw.linear", "linear"), ("ask.tw.neither", "neither")]
        predict.ask("tw", choices, predict.twins_answer)("twin-button")
        with gr.Row():
            with gr.Column(scale=1):
                prompt = SCHEDULE_TWINS.widget("prompt", max_lines=1, elem_id="twin-prompt")
                seed = SCHEDULE_TWINS.widget("seed", elem_id="twin-seed")
                button = gr.Button(txt("twin.button"), variant="primary", elem_id="twin-button")
            with gr.Column(scale=3):
                samples = picture(txt("twin.samples"), "twin-samples")
                rows = gr.Markdown(elem_id="twin-rows")
        verdict = gr.Markdown(elem_id="twin-verdict")
        with gr.Row():
            digit_plot = gr.LinePlot(label=txt("twin.digit_plot"), elem_id="twin-digit")
            colour_plot = gr.LinePlot(label=txt("twin.colour_plot"), elem_id="twin-colour")
            frechet_plot = gr.LinePlot(label=txt("twin.frechet_plot"), elem_id="twin-frechet")
    outputs = [samples, rows, verdict, digit_plot, colour_plot, frechet_plot]
    button.click(schedule_twins, [prompt, seed], outputs, show_progress_on=[samples], **SCHEDULE_TWINS.event())
    on_open(schedule_twins, [prompt, seed], outputs)
