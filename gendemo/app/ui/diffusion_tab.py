"""Text → digits with the chapter's reverse algorithm, streamed so the learner watches noise turn into a digit
(/diffusion_generate)."""

from __future__ import annotations

import functools

import gradio as gr
import numpy as np
import torch
from PIL import Image

from gendemo.app import zerogpu
from gendemo.app.endpoints import ENDPOINTS
from gendemo.app.i18n import lang_of, tr
from gendemo.app.ui import diffusion_common as dc
from gendemo.app.ui import diffusion_solvers
from gendemo.app.ui.common import (
    Slider,
    example_caching,
    guarded,
    on_open,
    picture,
    pictures,
    txt,
)
from gendemo.core.images import to_pil_grid
from gendemo.diffusion.handover import HANDOVER_T
from gendemo.diffusion.judging import load_failures
from gendemo.diffusion.sampling import DEFAULT_GUIDANCE, GUIDANCE_SIDE_BY_SIDE, generate, generate_stream

TAB_KEY = "gen.tab"
GENERATE, GUIDANCE = ENDPOINTS["diffusion_generate"], ENDPOINTS["diffusion_guidance"]
# The network that predicts the noise (the declaration's choices, catalog names as the sample CLI's --model): the
# diffusion model (guidance costs it two passes a step), its guidance-distilled copy (one pass with the scale as an
# input: README, "Guidance distilled"; the default, as fast and about as often right), or "handover": the model for the
# noisy steps, the copy after them (gendemo/diffusion/handover.py).
MAX_FRAMES = (
    60  # frames kept per session for the replay slider (uint8: 60 × 2 × 16 × 3 × 28 × 28 bytes ≈ 4.5 MB at most)
)
SCALES_LABEL = " / ".join(f"{g:g}" for g in GUIDANCE_SIDE_BY_SIDE)  # off, plain, the default, exaggerated
GUIDANCE_N, GUIDANCE_STEPS = 4, 25

STRINGS = {
    "en": {
        **dc.STRINGS["en"],
        **diffusion_solvers.STRINGS["en"],
        "gen.tab": "Diffusion: prompt → digit",
        "gen.intro": (
            "This small U-Net (about 1.6 million weights) was trained with the chapter's forward algorithm: take a "
            "coloured MNIST digit with a caption, jump it to a random step t of the cosine schedule, and ask the "
            "network which noise was added. The caption reaches the network as a sentence embedding from the "
            "all-MiniLM-L6-v2 text encoder. Sampling runs the film backwards from pure noise: at every step the "
            "network's noise estimate is removed. The left picture is the current noisy x_t, the right one the "
            "network's running guess of the clean image. **DDPM** is the chapter's reverse algorithm, all 1,000 steps "
            "with fresh noise each time (slow on a CPU — there is a Stop button); **DDIM** takes a deterministic "
            "shortcut through 10–100 of the steps; **DPMPP2M** (DPM-Solver++ 2M) takes the same shortcut but also "
            "uses the previous step's guess to bend its path, so few steps land closer to where many would. "
            "*Guidance* pushes the result towards the prompt (0 ignores it, 1 "
            "uses it plainly, higher exaggerates it). The same seed always starts from the same noise, so the same "
            "settings give the same digits.\n\n"
            "*Network*: by default the noise is predicted by a guidance-distilled copy of the model. It was "
            "fine-tuned to give in one pass what guidance asks of the model in two (one pass with the prompt, one "
            "without), so each step costs half the network work, and on prompts it never saw in training it draws "
            "the asked digit about as often as the model does. Pick the diffusion model itself to run guidance as "
            "those two passes. The third choice hands over between the two: the model while the noise is heavy and "
            "the digit's shape is being decided, the copy for the finishing steps.\n\n"
            "**Try this:** keep the seed, change only the colour word of the prompt, and "
            "compare; then set guidance to 0."
        ),
        "gen.prompt": "Prompt (English; Chinese digit/colour words are translated)",
        "gen.prompt_ph": "e.g. a thick green three",
        "gen.sampler": "Sampler",
        "gen.steps": "Steps for DDIM and DPM-Solver++ (DDPM always runs all 1,000)",
        "gen.guidance": "Guidance scale",
        "gen.n": "Number of images",
        "gen.network": "Network",
        "gen.network_two": "the diffusion model (guidance: two passes a step)",
        "gen.network_one": "its guidance-distilled copy (one pass a step, faster)",
        "gen.network_mix": "both in turn: the model while the digit takes shape, then the copy (faster)",
        "gen.status_mix": (
            "Two networks shared this run: the diffusion model, with two passes a step for guidance, down to t = {t}, "
            "while the digit's shape was being decided; then its guidance-distilled copy, one pass a step."
        ),
        "gen.status_net": (
            "The guidance-distilled copy predicted the noise: it takes the guidance scale as an input, so each step is "
            "one pass of the network instead of the two that guidance costs the diffusion model."
        ),
        "gen.button": "Generate",
        "gen.stop": "Stop",
        "gen.process": "Reverse process: x_t (left) and the predicted clean image (right)",
        "gen.result": "Result",
        "gen.status_run": "Step {i} of {k} (t = {t}) · {sampler}",
        "gen.status_done": (
            "Done: {n} image(s), {k} reverse steps with {sampler}, guidance {g}, seed {seed}. "
            "Encoded prompt: “{prompt}”."
        ),
        "gen.status_stopped": (
            "Stopped at step {i} of {k} (t = {t}) · {sampler}. The left picture is the noisy x_t where the run "
            "stopped, the result is the network's guess of the clean image at that moment; the replay slider scrubs "
            "back through the steps made. Press Generate to run it to the end."
        ),
        "gen.stopped_early": "Stopped before the first step was shown; nothing was made yet.",
        "gen.replay": "Replay the last run: frame",
        "gen.replay_at": "Replaying step {i} of {k} (t = {t}) · {sampler}: x_t on the left, the guess x̂0 on the right.",
        "gen.replay_hint": (
            "Drag the slider to scrub back through the run: {f} frames kept, from step {first} to step {last}."
        ),
        "gen.guide_button": f"Guidance side by side: {SCALES_LABEL}",
        "gen.guide_caption": "guidance {g} · {ok} of {n} match",
        "gen.guide_text": (
            "The same prompt (“{prompt}”) and seed {seed}, so the same starting noise, at four guidance scales ("
            "DDIM, {steps} steps, {n} digits each); the judge finds {counts} of {n} matching. **What to notice:** at 0 "
            "the prompt is ignored — the digits are whatever the noise suggests, in any colour; at 1 the prompt is "
            "used plainly but not always obeyed; at {default} and 7 the prompt wins more and more — purer colour, the "
            "digit asked for, and the four digits look more alike (guidance trades variety for obedience)."
        ),
        "gen.judged": (
            "What the judge reads in each digit: the classifier's digit (its confidence) · the stroke colour (how "
            "close to that palette colour, 1 = exactly its hue); ✓/✗ against the prompt"
        ),
        "gen.fail_title": "Where the model goes wrong (the chapter's figure 6-10, for digits)",
        "gen.fail_intro": (
            "Generated images can miss the request, as in the chapter's figure 6-10. These are the model's mistakes "
            "on held-out prompts it never saw in training: {images} images from {prompts} prompts, of which the judge "
            "found {wrong} wrong ({digit_wrong} with the wrong digit, {colour_wrong} with the wrong colour). Most are "
            "a digit of a similar shape (6 and 9, 3 and 5, 0 and 8, a hooked 1 that reads as 7), and most come from "
            "prompts written as a form or a sentence (“digit: 8; colour: white”) rather than “a white 8”. Computed "
            "once, at the default guidance, with `python -m gendemo.evaluate diffusion --failures`."
        ),
        "gen.fail_stale": "(Computed for an earlier version of the model; rerun the command to refresh it.)",
        "gen.fail_none": "No failure gallery has been computed (python -m gendemo.evaluate diffusion --failures).",
        "gen.fail_caption": "“{prompt}” → reads {d} ({p}) · {colour}",
    },
    "zh-CN": {
        **dc.STRINGS["zh-CN"],
        **diffusion_solvers.STRINGS["zh-CN"],
        "gen.tab": "扩散：提示词 → 数字",
        "gen.intro": (
            "这个小型 U-Net（约 160 万个权重）按本章的前向算法训练：取一个带文字说明的彩色 MNIST 数字，"
            "把它直接推到余弦调度里随机的第 t 步，再让网络猜出加进去的是哪份噪声。文字说明通过 all-MiniLM-L6-v2 "
            "文本编码器变成句子嵌入，再送进网络。采样则把这部“电影”倒着放：从纯噪声出发，每一步减去网络估计的噪声。"
            "左图是当前带噪的 x_t，右图是网络此刻对干净图像的猜测。**DDPM** 就是本章的反向算法，完整走 1000 步、"
            "每步加入新的噪声（在 CPU 上较慢，可以点“停止”）；**DDIM** 用确定性的捷径只走其中 10–100 步；"
            "**DPMPP2M**（DPM-Solver++ 2M）走同样的捷径，但还会借助上一步的猜测修正路线，"
            "所以步数少时也更接近多步的结果。"
            "*引导强度*把结果推向提示词（0 表示不看提示词，1 表示正常使用，更大则加以夸大）。"
            "相同的种子总是从相同的噪声出发，所以设置不变，数字也不变。\n\n"
            "*网络*：默认由扩散模型的引导蒸馏版来预测噪声。它经过微调，一遍就能给出引导要让模型算两遍（一遍带提示词、"
            "一遍不带）才得到的结果，所以每一步的网络计算减半；对训练时没见过的提示词，它画对数字的比例与原模型相当。"
            "选择扩散模型本身，就能看到引导按两遍来计算。第三个选项让两者接力：噪声还大、数字形状正在确定时用扩散模型本身，"
            "收尾的步骤交给蒸馏版。\n\n"
            "**试一试**：固定种子，只改提示词里的颜色词，对比结果；再把引导强度调到 0 看看。"
        ),
        "gen.prompt": "提示词（英文；中文的数字和颜色词会被翻译）",
        "gen.prompt_ph": "例如：a thick green three 或 红色的七",
        "gen.sampler": "采样器",
        "gen.steps": "DDIM 与 DPM-Solver++ 的步数（DDPM 总是走完 1000 步）",
        "gen.guidance": "引导强度",
        "gen.n": "图片数量",
        "gen.network": "网络",
        "gen.network_two": "扩散模型（引导时每步算两遍）",
        "gen.network_one": "它的引导蒸馏版（每步只算一遍，更快）",
        "gen.network_mix": "两者接力：数字成形时用扩散模型，之后用蒸馏版（更快）",
        "gen.status_mix": (
            "这次由两个网络接力：直到 t = {t}、数字形状还在确定的时候，由扩散模型每步算两遍来做引导；"
            "之后交给引导蒸馏版，每步只算一遍。"
        ),
        "gen.status_net": (
            "这次由引导蒸馏版预测噪声：它把引导强度当作输入，所以每一步只需运行网络一遍，而不是扩散模型做引导时的两遍。"
        ),
        "gen.button": "生成",
        "gen.stop": "停止",
        "gen.process": "反向过程：x_t（左）与预测的干净图像（右）",
        "gen.result": "结果",
        "gen.status_run": "第 {i} / {k} 步（t = {t}）· {sampler}",
        "gen.status_done": (
            "完成：{n} 张图，{sampler} 反向 {k} 步，引导强度 {g}，种子 {seed}。实际编码的提示词：“{prompt}”。"
        ),
        "gen.status_stopped": (
            "已在第 {i} / {k} 步（t = {t}）停止 · {sampler}。左图是停止时带噪的 x_t，结果是网络此刻对干净图像的猜测；"
            "回放滑块可以回看已走过的步骤。点“生成”可以完整跑一遍。"
        ),
        "gen.stopped_early": "在显示第一步之前就停止了，还没有生成任何内容。",
        "gen.replay": "回放上一次运行：帧",
        "gen.replay_at": "正在回放第 {i} / {k} 步（t = {t}）· {sampler}：左边是 x_t，右边是猜测的 x̂0。",
        "gen.replay_hint": "拖动滑块即可回看整个过程：保留了 {f} 帧，从第 {first} 步到第 {last} 步。",
        "gen.guide_button": f"引导强度并排对比：{SCALES_LABEL}",
        "gen.guide_caption": "引导强度 {g} · {n} 张中 {ok} 张符合",
        "gen.guide_text": (
            "相同的提示词（“{prompt}”）和种子 {seed}，也就是相同的起始噪声，只换四个引导强度（DDIM {steps} 步，"
            "每个 {n} 张）；评判器认为符合提示词的分别有 {counts} 张（共 {n} 张）。**请注意：**引导强度为 0 时"
            "提示词被忽略，数字和颜色全凭噪声；为 1 时正常使用提示词，但不一定听话；"
            "到 {default} 和 7，提示词越来越占上风——"
            "颜色更纯、数字更对，四张图也越来越像（引导用多样性换取服从）。"
        ),
        "gen.judged": (
            "评判器在每个数字里读到的内容：分类器认出的数字（置信度）· 笔画颜色（与该调色板颜色有多接近，"
            "1 表示色相完全一致）；✓/✗ 表示是否符合提示词"
        ),
        "gen.fail_title": "模型在哪里出错（本章图 6-10 的数字版）",
        "gen.fail_intro": (
            "和本章图 6-10 一样，生成的图像也会偏离要求。下面是模型在训练时从未见过的留出提示词上犯的错："
            "{prompts} 个提示词共生成 {images} 张图，评判器认为其中 {wrong} 张不对（数字错 {digit_wrong} 张，"
            "颜色错 {colour_wrong} 张）。大多是画成了形状相近的数字（6 和 9、3 和 5、0 和 8、带钩的 1 被读成 7），"
            "而且多出自写成表格或长句的提示词（“digit: 8; colour: white”），而不是 “a white 8”。"
            "这些结果在默认引导强度下用 `python -m gendemo.evaluate diffusion --failures` "
            "预先算好。"
        ),
        "gen.fail_stale": "（这是为旧版本模型算的结果；重新运行上面的命令即可更新。）",
        "gen.fail_none": "还没有计算失败示例（python -m gendemo.evaluate diffusion --failures）。",
        "gen.fail_caption": "“{prompt}” → 识别为 {d}（{p}）· {colour}",
    },
}


def process_picture(x_t: torch.Tensor, x0: torch.Tensor) -> Image.Image:
    """x_t grid and x̂0 grid side by side (white gap between), each digit 3× enlarged."""
    n = x_t.shape[0]
    nrow = int(np.ceil(np.sqrt(n)))
    a, b = to_pil_grid(x_t, nrow=nrow, scale=3), to_pil_grid(x0, nrow=nrow, scale=3)
    from PIL import Image

    out = Image.new("RGB", (a.width + b.width + 24, a.height), (255, 255, 255))
    out.paste(a, (0, 0))
    out.paste(b, (a.width + 24, 0))
    return out


def _u8(x: torch.Tensor) -> np.ndarray:
    return (x.detach().float().clamp(0, 1) * 255).round().to(torch.uint8).cpu().numpy()


def _keep(run: dict, f) -> None:
    """Adds a streamed frame (x_t and x̂0 as uint8) to the run; past MAX_FRAMES every other kept frame is dropped, so a
    run of any length keeps at most MAX_FRAMES frames spread over all of it (the last one always kept)."""
    run["frames"].append((f.step, f.t, _u8(f.x_t), _u8(f.x0)))
    if len(run["frames"]) > MAX_FRAMES:
        run["frames"] = run["frames"][-1::-2][::-1]


def _frame_picture(frame) -> Image.Image:
    _, _, x_t, x0 = frame
    return process_picture(torch.from_numpy(x_t).float() / 255, torch.from_numpy(x0).float() / 255)


@GENERATE.handler
def diffusion_generate(
    prompt, sampler, steps, guidance, seed, n, network, request: gr.Request = None, progress=gr.Progress()
):
    """Streams (process picture, result, status, judged, run): run is the session's record of this run (its frames
    for the replay slider, its state for Stop), never shown in the API."""
    lang = lang_of(request)
    text, notes = prompt
    if network == "diffusion_distilled":  # the status says which network ran, before the prompt's own notes
        dm, notes = dc.distilled_model(lang), [tr("gen.status_net", lang), *notes]
    elif network == "handover":
        dm, notes = dc.handover_model(lang), [tr("gen.status_mix", lang, t=HANDOVER_T), *notes]
    else:
        dm = dc.diffusion_model(lang)
    enc = dc.encoder(lang)
    every = 50 if sampler == "ddpm" else 5  # a frame every few steps: enough to watch, not enough to flood the page
    k = dm.schedule.T if sampler == "ddpm" else steps
    run = {"state": "running", "sampler": sampler.upper(), "k": k, "frames": []}
    # at once, before the first step: the session holds this run from now on, so Stop finds it whenever it is pressed
    yield gr.skip(), None, tr("gen.status_run", lang, i=0, k=k, t=dm.schedule.T, sampler=sampler.upper()), None, run
    for f in generate_stream(
        dm, enc, [text], n=n, steps=steps, guidance=guidance, seed=seed, sampler=sampler, every=every
    ):
        if run["state"] == "stopped":  # Stop was pressed: the stream ends with the stopped run's answer, last
            result, status = _stopped(run, lang)
            yield gr.skip(), result, status, gr.skip(), run
            return
        progress(f.step / f.steps, desc=tr("gen.status_run", lang, i=f.step, k=f.steps, t=f.t, sampler=sampler.upper()))
        _keep(run, f)
        pic = process_picture(f.x_t, f.x0)
        if not f.done:
            yield pic, None, tr("gen.status_run", lang, i=f.step, k=f.steps, t=f.t, sampler=sampler.upper()), None, run
        else:
            run["state"] = "done"
            grid = to_pil_grid(f.x0, nrow=min(8, n), scale=4)
            judged, summary = dc.judged_gallery(f.x0, text, lang)
            status = " ".join(
                [
                    tr(
                        "gen.status_done",
                        lang,
                        n=n,
                        k=k,
                        sampler=sampler.upper(),
                        g=guidance,
                        seed=seed,
                        prompt=text or "∅",
                    ),
                    *notes,
                    summary,
                ]
            )
            yield pic, grid, status, judged, run


def _replay_slider(run: dict | None, lang: str):
    """(slider update, hint): the slider spans the kept frames and stands on the last; hidden with fewer than two."""
    frames = (run or {}).get("frames") or []
    if len(frames) < 2:
        return gr.update(visible=False), ""
    hint = tr("gen.replay_hint", lang, f=len(frames), first=frames[0][0], last=frames[-1][0])
    return gr.update(visible=True, minimum=1, maximum=len(frames), value=len(frames)), hint


def diffusion_replay_ready(run=None, request: gr.Request = None):
    """After a run: (slider, hint) for scrubbing back through its frames."""
    return _replay_slider(run, lang_of(request))


def _stopped(run: dict, lang: str):
    """(result, status) of a stopped run: the network's guess of the clean image at the last kept step, and where it
    stopped."""
    if not run.get("frames"):
        return gr.skip(), tr("gen.stopped_early", lang)
    step, t, _, x0 = run["frames"][-1]
    grid = to_pil_grid(torch.from_numpy(x0).float() / 255, nrow=min(8, x0.shape[0]), scale=4)
    return grid, tr("gen.status_stopped", lang, i=step, k=run["k"], t=t, sampler=run["sampler"])


def diffusion_stopped(run=None, request: gr.Request = None):
    """Stop pressed: (result, status, slider, hint). The run is marked stopped — the stream sees it at its next frame,
    answers the same and ends normally (a cancelled event would mark the result "Error") —; the result keeps the
    network's guess of the clean image at the last streamed step and the status says where it stopped. A finished
    run is left as it is."""
    lang = lang_of(request)
    if run is None or run.get("state") == "done":
        return gr.skip(), gr.skip(), gr.skip(), gr.skip()
    run["state"] = "stopped"
    return (*_stopped(run, lang), *_replay_slider(run, lang))


def diffusion_replay(run=None, frame=None, request: gr.Request = None):
    """The slider moved: (process picture, text) of kept frame `frame` (1-based): stored pictures, no model call."""
    lang = lang_of(request)
    frames = (run or {}).get("frames") or []
    if not frames or run.get("state") == "running":
        return gr.skip(), gr.skip()
    try:
        i = min(max(int(frame) - 1, 0), len(frames) - 1)
    except (TypeError, ValueError):
        i = len(frames) - 1
    step, t = frames[i][0], frames[i][1]
    return _frame_picture(frames[i]), tr("gen.replay_at", lang, i=step, k=run["k"], t=t, sampler=run["sampler"])


def _scale_label(g: float) -> str:
    return f"{g:g}"


@GUIDANCE.handler
def diffusion_guidance(prompt, seed, request: gr.Request = None):
    """(gallery, text): the prompt and seed at each guidance scale of GUIDANCE_SIDE_BY_SIDE (0, 1, the default, 7) —
    the same starting noise each time (DDIM, so the only difference is the guidance), each group judged against the
    prompt."""
    lang = lang_of(request)
    text, notes = prompt
    dm, enc = dc.diffusion_model(lang), dc.encoder(lang)
    gallery, counts = [], []
    for g in GUIDANCE_SIDE_BY_SIDE:  # one number per call: four calls of 25 steps (g = 0 and 1 run unbatched)
        x0 = generate(dm, enc, [text], n=GUIDANCE_N, steps=GUIDANCE_STEPS, guidance=g, seed=seed, sampler="ddim")
        caps, _ = dc.judge_outputs(x0, text, lang)
        ok = sum(c.count("✗") == 0 for c in caps)
        counts.append(str(ok))
        gallery.append(
            (
                to_pil_grid(x0, nrow=2, scale=3, pad=2),
                tr("gen.guide_caption", lang, g=_scale_label(g), ok=ok, n=GUIDANCE_N),
            )
        )
    counts_text = " / ".join(counts)
    explanation = tr(
        "gen.guide_text",
        lang,
        prompt=text or "∅",
        seed=seed,
        steps=GUIDANCE_STEPS,
        n=GUIDANCE_N,
        counts=counts_text,
        default=_scale_label(DEFAULT_GUIDANCE),
    )
    return gallery, " ".join([explanation, *notes])


@functools.cache
def _failures():
    """The committed failure gallery, read once per process, and whether it was made with the shipped checkpoint."""
    from gendemo.core.checkpoints import CheckpointError, read_card
    from gendemo.core.paths import CHECKPOINT_DIR

    stats, failures = load_failures()
    try:
        current = read_card(CHECKPOINT_DIR / "diffusion.safetensors").get("sha256")
    except (OSError, ValueError, CheckpointError):  # no model: the tab says so elsewhere; the gallery still shows
        current = None
    return stats, failures, bool(stats) and current is not None and stats.get("checkpoint_sha256") != current


@guarded
def diffusion_failures(request: gr.Request = None):
    """(gallery, text): the model's mistakes on held-out prompts (precomputed; see gendemo/diffusion/judging.py)."""
    lang = lang_of(request)
    stats, failures, stale = _failures()
    if not failures and not stats:
        return [], tr("gen.fail_none", lang)
    gallery = [
        (
            f.image().resize((112, 112), Image.NEAREST),
            tr(
                "gen.fail_caption",
                lang,
                prompt=f.prompt,
                d=f.reading.digit,
                p=f"{f.reading.digit_p:.0%}",
                colour=dc.colour_name(f.reading.colour, lang),
            ),
        )
        for f in failures
    ]
    keys = ("images", "prompts", "wrong", "digit_wrong", "colour_wrong")
    text = tr("gen.fail_intro", lang, **{k: stats.get(k, 0) for k in keys})
    return gallery, text + (" " + tr("gen.fail_stale", lang) if stale else "")


def build():
    gr.Markdown(txt("gen.intro"))
    with gr.Row():
        with gr.Column(scale=1):
            # the prompt and the seed also feed the guidance side by side and the solver comparison (same declarations)
            prompt = GENERATE.widget(
                "prompt",
                placeholder=txt("gen.prompt_ph"),
                max_lines=2,
                max_length=dc.MAX_PROMPT_CHARS,
                elem_id="gen-prompt",
            )
            sampler = GENERATE.widget("sampler", elem_id="gen-sampler")
            steps = GENERATE.widget("steps", elem_id="gen-steps")
            guidance = GENERATE.widget("guidance", elem_id="gen-guidance")
            with gr.Row():
                seed = GENERATE.widget("seed", elem_id="gen-seed")
                n = GENERATE.widget("n", elem_id="gen-n")
            network = GENERATE.widget(
                "network",
                choices=[
                    (txt("gen.network_two"), "diffusion"),
                    (txt("gen.network_one"), "diffusion_distilled"),
                    (txt("gen.network_mix"), "handover"),
                ],
                elem_id="gen-network",
            )
            with gr.Row():
                button = gr.Button(txt("gen.button"), variant="primary", elem_id="gen-button")
                stop = gr.Button(txt("gen.stop"), variant="stop", elem_id="gen-stop")
        with gr.Column(scale=2):
            process = picture(txt("gen.process"), "gen-process")
            # after a run: scrub back through its kept frames (the stored pictures, no model call)
            replay = Slider(1, 2, value=2, step=1, label=txt("gen.replay"), visible=False, elem_id="gen-replay")
            replay_text = gr.Markdown(elem_id="gen-replay-text")
            result = picture(txt("gen.result"), "gen-result")
            status = gr.Markdown(elem_id="gen-status")
            # the explanation above the gallery, not as its label: an overlaid label would hide the digits' tops
            gr.Markdown(txt("gen.judged"), elem_id="gen-judged-label")
            judged = pictures("gen-judged", 8)
    with gr.Row():
        guide_button = gr.Button(txt("gen.guide_button"), elem_id="gen-guide-button")
    guide_text = gr.Markdown(elem_id="gen-guide-text")
    guide = pictures("gen-guide", 4)
    diffusion_solvers.build(prompt, seed)  # DDPM vs DDIM vs DPM-Solver++ 2M, this prompt and seed (/solver_comparison)
    with gr.Accordion(txt("gen.fail_title"), open=False, elem_id="gen-failures"):
        fail_text = gr.Markdown(elem_id="gen-fail-text")
        fail_gallery = pictures("gen-fail-gallery", 8)
    # read once per process and language (on_open keeps the result), never per page load
    on_open(diffusion_failures, [], [fail_gallery, fail_text])
    run = gr.State(None, time_to_live=3600)  # the session's last run: its kept frames and whether it was stopped
    inputs = [prompt, sampler, steps, guidance, seed, n, network]  # what an example sets
    outputs = [process, result, status, judged, run]
    examples = gr.Examples(
        examples=[
            ["a red seven", "ddim", 25, DEFAULT_GUIDANCE, 0, 8, "diffusion_distilled"],
            ["a thick green three", "ddim", 25, DEFAULT_GUIDANCE, 1, 8, "diffusion_distilled"],
            ["the number 4 written in blue ink", "ddim", 50, DEFAULT_GUIDANCE, 2, 8, "diffusion_distilled"],
            ["红色的七", "ddim", 25, DEFAULT_GUIDANCE, 0, 8, "diffusion_distilled"],
            ["", "ddim", 25, 1.0, 3, 16, "diffusion"],
            ["a yellow two", "ddpm", 25, DEFAULT_GUIDANCE, 0, 4, "diffusion"],
            ["a thin cyan nine", "dpmpp2m", 15, DEFAULT_GUIDANCE, 4, 8, "diffusion"],
            ["a red seven", "dpmpp2m", 10, DEFAULT_GUIDANCE, 0, 16, "diffusion_distilled"],
        ],
        inputs=inputs,
        outputs=outputs,
        fn=diffusion_generate,
        **example_caching(),
        api_visibility="private",
    )
    # The progress bar sits on the result only: the streamed picture updates quietly instead of flashing every frame.
    # One run at a time in the diffusion lane, whichever of the three starts it.
    show = {"show_progress_on": [result]}
    event = button.click(diffusion_generate, inputs, outputs, **GENERATE.event(), **show)
    event2 = prompt.submit(diffusion_generate, inputs, outputs, **GENERATE.event(private=True), **show)
    # an example fills the inputs and then runs (run_on_click would add a public-looking event)
    event3 = examples.load_input_event.then(diffusion_generate, inputs, outputs, **GENERATE.event(private=True), **show)
    for ev in (event, event2, event3):
        ev.then(diffusion_replay_ready, [run], [replay, replay_text], api_visibility="private")
    for trigger in (button.click, prompt.submit):  # a new run hides the last one's replay until it has its own
        trigger(
            lambda: (gr.update(visible=False), ""), None, [replay, replay_text], queue=False, api_visibility="private"
        )
    # The stream stops itself when it sees the stopped run. On ZeroGPU it runs in a GPU worker that never sees the
    # session's copy of the run, so there Stop also cancels it.
    stop.click(
        diffusion_stopped,
        [run],
        [result, status, replay, replay_text],
        cancels=[event, event2, event3] if zerogpu.active() else None,
        api_visibility="private",
    )
    replay.change(diffusion_replay, [run, replay], [process, replay_text], api_visibility="private")
    guide_button.click(
        diffusion_guidance, [prompt, seed], [guide, guide_text], show_progress_on=[guide], **GUIDANCE.event()
    )
