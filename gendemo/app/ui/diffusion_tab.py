"""Text → digits with the chapter's reverse algorithm, streamed so the learner watches noise turn into a digit
(/diffusion_generate)."""

from __future__ import annotations

import copy
import functools

import gradio as gr
import numpy as np
import torch
from PIL import Image

from gendemo.app import answer_cache, batch_ahead, zerogpu
from gendemo.app.answer_cache import partial
from gendemo.app.endpoints import ENDPOINTS
from gendemo.app.i18n import lang_of, tr
from gendemo.app.ui import diffusion_common as dc
from gendemo.app.ui import diffusion_solvers, predict
from gendemo.app.ui.common import (
    Slider,
    ahead,
    example_caching,
    guarded,
    markdown,
    on_open,
    picture,
    pictures,
    txt,
)
from gendemo.core.images import to_pil_grid
from gendemo.diffusion.batching import BATCHABLE, Job, generate_together, rows_stand_alone, slots
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
            "Write what to draw and press **Generate**. The model starts from pure noise and walks back to a clean "
            "picture: at every step the network estimates the noise in the picture, and part of it is taken away. "
            "The run plays in the first picture: the noisy picture $x_t$ at step $t$ (left half) and the network's "
            "current guess of the finished digits, $\\hat{x}_0$ (right half); under it come the finished digits, "
            "each judged against your prompt.\n\n"
            "**Try this:** keep the seed, change only the colour word of the prompt, and compare; then set guidance "
            "to 0."
        ),
        "gen.explain_title": "What the pictures and the controls mean",
        "gen.explain": (
            "- **How it learned.** This small U-Net (about 1.6 million weights) was trained with the chapter's "
            "forward algorithm: take a coloured MNIST digit with a caption, jump it to a random step $t$ of the "
            "cosine schedule, and ask the network which noise was added. The caption reaches the network as a "
            "sentence embedding from the all-MiniLM-L6-v2 text encoder.\n"
            "- **$x_t$ and $\\hat{x}_0$.** $x_t$ is the picture at step $t$, partly noise ($t = 1000$: nothing but "
            "noise; $t = 0$: the finished picture). Removing all the noise the network sees in $x_t$ at once gives "
            "its guess of the clean picture, $\\hat{x}_0$: it shows the digit the run is heading for long before "
            "$x_t$ looks like one. After a run, the replay slider scrubs back through both.\n"
            "- **Sampler.** DDPM is the chapter's reverse algorithm: all 1,000 steps, with fresh noise added at each "
            "(slow on a CPU; there is a Stop button). DDIM takes a deterministic shortcut through 10–100 of the "
            "steps. DPM-Solver++ 2M takes the same shortcut but also uses the previous step's guess to bend its "
            "path, so a few steps land closer to where many would.\n"
            "- **Guidance** pushes the result towards the prompt: 0 ignores it, 1 uses it plainly, higher "
            "exaggerates it. It costs two passes of the network a step, one with the prompt and one without.\n"
            "- **Network.** By default a *guidance-distilled copy* of the model predicts the noise: it was "
            "fine-tuned to give in one pass what guidance asks of the model in two, so each step costs half the "
            "network work, and on prompts it never saw in training it draws the asked digit about as often as the "
            "model does. The first choice runs the diffusion model itself, guidance as two passes. The third hands "
            f"over between them: the model while the noise is heavy and the digit's shape is being decided (down to "
            f"t = {HANDOVER_T}), the copy for the finishing steps.\n"
            "- **Seed.** The same seed always starts from the same noise, so the same settings give the same digits."
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
        "gen.process": "The run: x_t, the noisy picture (left), and x̂0, the network's guess of the clean one (right)",
        "gen.result": "Result",
        "gen.status_start": "Starting from pure noise (t = {t}) · {sampler}, {k} steps…",
        "gen.status_run": "Step {i} of {k} (t = {t}) · {sampler}",
        "gen.status_done": (
            "Done: {n} image(s), {k} reverse steps with {sampler}, guidance {g}, seed {seed}. "
            "Encoded prompt: “{prompt}”."
        ),
        "gen.status_stopped": (
            "Stopped at step {i} of {k} (t = {t}) · {sampler}. The left picture is the noisy x_t where the run "
            "stopped; the digits below are the network's guess of the clean image at that moment, judged; the replay "
            "slider scrubs back through the steps made. Press Generate to run it to the end."
        ),
        "gen.stopped_early": "Stopped before the first step was shown; nothing was made yet.",
        "gen.replay": "Replay the last run: frame",
        "gen.replay_at": "Replaying step {i} of {k} (t = {t}) · {sampler}: x_t on the left, the guess x̂0 on the right.",
        "gen.replay_noise": (
            "Replaying step 0 of {k} (t = {t}) · {sampler}: the pure noise x_T the run started from; no guess yet."
        ),
        "gen.replay_hint": (
            "Drag the slider to scrub back through the run: {f} frames kept, from step {first} (pure noise) to step "
            "{last}."
        ),
        "gen.guide_title": f"Guidance side by side: {SCALES_LABEL}",
        "gen.guide_intro": (
            "The prompt and seed above, drawn four times from the same starting noise, at four guidance scales "
            f"(DDIM, {GUIDANCE_STEPS} steps, {GUIDANCE_N} digits each): the guidance scale is the only difference."
        ),
        "gen.guide_button": f"Draw at guidance {SCALES_LABEL}",
        "gen.guide_progress": "Guidance {g}: step {i} of {k}",
        "gen.guide_caption": "guidance {g} · {ok} of {n} match",
        "gen.guide_text": (
            "The same prompt (“{prompt}”) and seed {seed}, so the same starting noise, at four guidance scales ("
            "DDIM, {steps} steps, {n} digits each); the judge finds {counts} of {n} matching. **What to notice:** at 0 "
            "the prompt is ignored — the digits are whatever the noise suggests, in any colour; at 1 the prompt is "
            "used plainly but not always obeyed; at {default} and 7 the prompt wins more and more — purer colour, the "
            "digit asked for, and the four digits look more alike (guidance trades variety for obedience)."
        ),
        "gen.judged": (
            "**The digits**, each with what the classifier reads in it: the digit (its confidence) · the stroke "
            "colour (how close to that palette colour, 1 = exactly its hue); ✓/✗ against the prompt"
        ),
        "gen.ex.red": "“a red seven” · DDIM, 25 steps",
        "gen.ex.green": "“a thick green three” · seed 1",
        "gen.ex.ink": "“the number 4 written in blue ink” · 50 steps",
        "gen.ex.chinese": "“红色的七” (Chinese, translated)",
        "gen.ex.none": "no prompt · guidance 1 · 16 digits",
        "gen.ex.ddpm": "“a yellow two” · DDPM, all 1,000 steps (slow)",
        "gen.ex.cyan": "“a thin cyan nine” · DPM-Solver++ 2M, 15 steps",
        "gen.ex.fast": "“a red seven” · DPM-Solver++ 2M, 10 steps · 16 digits",
        "gen.fail_title": "Where the model goes wrong: the wrong digit or colour",
        "gen.fail_intro": (
            "The chapter's figure 6-10 shows malformed renderings: a dog with five legs, a T. rex with extra mouths, "
            "badly deformed hands. This small model's mistakes are of another kind: a well-formed digit, but not the "
            "one asked for, or in the wrong colour. These are its mistakes "
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
            "写下想画的内容，点击**生成**。模型从纯噪声出发，一步步走回干净的图像：每一步，网络估计图中的噪声，"
            "再去掉其中一部分。整个过程在第一张图里播放：左半边是第 $t$ 步带噪的图像 $x_t$，"
            "右半边是网络此刻对最终数字的猜测 $\\hat{x}_0$；它下方是画好的数字，每一个都按你的提示词评判过。\n\n"
            "**试一试**：固定种子，只改提示词里的颜色词，对比结果；再把引导强度调到 0 看看。"
        ),
        "gen.explain_title": "图片和各个控件是什么意思",
        "gen.explain": (
            "- **它是怎么学的**：这个小型 U-Net（约 160 万个权重）按本章的前向算法训练：取一个带文字说明的彩色 MNIST "
            "数字，把它直接推到余弦调度里随机的第 $t$ 步，再让网络猜出加进去的是哪份噪声。文字说明通过 "
            "all-MiniLM-L6-v2 文本编码器变成句子嵌入，再送进网络。\n"
            "- **$x_t$ 与 $\\hat{x}_0$**：$x_t$ 是第 $t$ 步的图像，还带着噪声（$t = 1000$ 时只剩噪声，$t = 0$ "
            "时就是画好的图）。把网络在 $x_t$ 里看到的噪声一次全部去掉，就得到它对干净图像的猜测 $\\hat{x}_0$："
            "在 $x_t$ 还看不出数字的时候，它就已经显示出这次运行要画成的数字。运行结束后，可以用回放滑块回看这两者。\n"
            "- **采样器**：DDPM 就是本章的反向算法：完整走 1000 步，每步加入新的噪声（在 CPU 上较慢，可以点“停止”）。"
            "DDIM 用确定性的捷径只走其中 10–100 步。DPM-Solver++ 2M 走同样的捷径，但还会借助上一步的猜测修正路线，"
            "所以步数少时也更接近多步的结果。\n"
            "- **引导强度**把结果推向提示词：0 表示不看提示词，1 表示正常使用，更大则加以夸大。"
            "引导让网络每步算两遍：一遍带提示词，一遍不带。\n"
            "- **网络**：默认由模型的*引导蒸馏版*来预测噪声。它经过微调，一遍就能给出引导要让模型算两遍才得到的结果，"
            "所以每一步的网络计算减半；对训练时没见过的提示词，它画对数字的比例与原模型相当。第一个选项用扩散模型本身，"
            "引导按两遍来计算。第三个选项让两者接力：噪声还大、数字形状正在确定时（直到 "
            f"t = {HANDOVER_T}）用扩散模型本身，收尾的步骤交给蒸馏版。\n"
            "- **随机种子**：相同的种子总是从相同的噪声出发，所以设置不变，数字也不变。"
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
        "gen.process": "生成过程：带噪的图像 x_t（左）与网络对干净图像的猜测 x̂0（右）",
        "gen.result": "结果",
        "gen.status_start": "从纯噪声（t = {t}）出发 · {sampler}，共 {k} 步……",
        "gen.status_run": "第 {i} / {k} 步（t = {t}）· {sampler}",
        "gen.status_done": (
            "完成：{n} 张图，{sampler} 反向 {k} 步，引导强度 {g}，种子 {seed}。实际编码的提示词：“{prompt}”。"
        ),
        "gen.status_stopped": (
            "已在第 {i} / {k} 步（t = {t}）停止 · {sampler}。左图是停止时带噪的 x_t，下方的数字是网络此刻对干净图像的"
            "猜测，并已评判；回放滑块可以回看已走过的步骤。点“生成”可以完整跑一遍。"
        ),
        "gen.stopped_early": "在显示第一步之前就停止了，还没有生成任何内容。",
        "gen.replay": "回放上一次运行：帧",
        "gen.replay_at": "正在回放第 {i} / {k} 步（t = {t}）· {sampler}：左边是 x_t，右边是猜测的 x̂0。",
        "gen.replay_noise": "正在回放第 0 / {k} 步（t = {t}）· {sampler}：这次运行出发时的纯噪声 x_T，还没有猜测。",
        "gen.replay_hint": "拖动滑块即可回看整个过程：保留了 {f} 帧，从第 {first} 步（纯噪声）到第 {last} 步。",
        "gen.guide_title": f"引导强度并排对比：{SCALES_LABEL}",
        "gen.guide_intro": (
            f"用上面的提示词和种子，从同一份起始噪声出发画四次，只换引导强度（DDIM {GUIDANCE_STEPS} 步，"
            f"每次 {GUIDANCE_N} 个数字）：唯一的区别就是引导强度。"
        ),
        "gen.guide_button": f"按引导强度 {SCALES_LABEL} 各画一次",
        "gen.guide_progress": "引导强度 {g}：第 {i} / {k} 步",
        "gen.guide_caption": "引导强度 {g} · {n} 张中 {ok} 张符合",
        "gen.guide_text": (
            "相同的提示词（“{prompt}”）和种子 {seed}，也就是相同的起始噪声，只换四个引导强度（DDIM {steps} 步，"
            "每个 {n} 张）；评判器认为符合提示词的分别有 {counts} 张（共 {n} 张）。**请注意**：引导强度为 0 时"
            "提示词被忽略，数字和颜色全凭噪声；为 1 时正常使用提示词，但不一定听话；"
            "到 {default} 和 7，提示词越来越占上风——"
            "颜色更纯、数字更对，四张图也越来越像（引导用多样性换取服从）。"
        ),
        "gen.judged": (
            "**画好的数字**，每个下面是分类器读到的内容：数字（置信度）· 笔画颜色（与该调色板颜色有多接近，"
            "1 表示色相完全一致）；✓/✗ 表示是否符合提示词"
        ),
        "gen.ex.red": "“a red seven” · DDIM，25 步",
        "gen.ex.green": "“a thick green three” · 种子 1",
        "gen.ex.ink": "“the number 4 written in blue ink” · 50 步",
        "gen.ex.chinese": "“红色的七”（中文，会被翻译）",
        "gen.ex.none": "不写提示词 · 引导强度 1 · 16 个数字",
        "gen.ex.ddpm": "“a yellow two” · DDPM，走完 1000 步（较慢）",
        "gen.ex.cyan": "“a thin cyan nine” · DPM-Solver++ 2M，15 步",
        "gen.ex.fast": "“a red seven” · DPM-Solver++ 2M，10 步 · 16 个数字",
        "gen.fail_title": "模型在哪里出错：数字或颜色不对",
        "gen.fail_intro": (
            "本章图 6-10 展示的是画坏了的图像：五条腿的狗、多张嘴的霸王龙、严重畸形的手。这个小模型的错误是另一种："
            "数字本身画得好好的，却不是要求的那个，或者颜色不对。下面是模型在训练时从未见过的留出提示词上犯的错："
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
    out = Image.new("RGB", (a.width + b.width + 24, a.height), (255, 255, 255))
    out.paste(a, (0, 0))
    out.paste(b, (a.width + 24, 0))
    return out


def _u8(x: torch.Tensor) -> np.ndarray:
    return (x.detach().float().clamp(0, 1) * 255).round().to(torch.uint8).cpu().numpy()


def _keep(run: dict, f) -> None:
    """Adds a frame (x_t and x̂0 as uint8) to the run; past MAX_FRAMES every other kept frame after the first is
    dropped, so a run of any length keeps at most MAX_FRAMES frames spread over all of it, from its pure noise (the
    first frame, always kept) to its last step (always kept)."""
    run["frames"].append((f.step, f.t, _u8(f.x_t), _u8(f.x0)))
    if len(run["frames"]) > MAX_FRAMES:
        first, rest = run["frames"][0], run["frames"][1:]
        run["frames"] = [first, *rest[-1::-2][::-1]]


def _frame_picture(frame) -> Image.Image:
    _, _, x_t, x0 = frame
    return process_picture(torch.from_numpy(x_t).float() / 255, torch.from_numpy(x0).float() / 255)


def _cadence(sampler: str) -> tuple[int, int]:
    """(keep every, show every) steps: each few-step step and every 10th of DDPM's 1,000 is kept for the replay; the
    page is sent a frame every 5 steps (every 50 with DDPM): enough to watch, not enough to flood it."""
    return (10, 50) if sampler == "ddpm" else (1, 5)


def _network(network: str, lang: str):
    """The model of the Network choice."""
    if network == "diffusion_distilled":
        return dc.distilled_model(lang)
    return dc.handover_model(lang) if network == "handover" else dc.diffusion_model(lang)


def _network_notes(network: str, lang: str) -> list[str]:
    """What the status says first of the network that ran."""
    if network == "diffusion_distilled":
        return [tr("gen.status_net", lang)]
    return [tr("gen.status_mix", lang, t=HANDOVER_T)] if network == "handover" else []


class _Run:
    """One prompt's run as its page sees it: its record (the kept frames for the replay slider, its state for Stop)
    and the answers its stream sends, in its learner's language."""

    def __init__(self, args: dict, lang: str, T: int):
        sampler = args["sampler"]
        self.args, self.lang = args, lang
        self.text, notes = args["prompt"]
        self.notes = [*_network_notes(args["network"], lang), *notes]  # which network ran, before the prompt's notes
        self.name = dc.sampler_name(sampler, lang)
        self.show = _cadence(sampler)[1]
        self.k = T if sampler == "ddpm" else args["steps"]
        self.run = {"state": "running", "sampler": sampler, "k": self.k, "text": self.text, "frames": []}
        self.starting = tr("gen.status_start", lang, t=T, k=self.k, sampler=self.name)

    def first(self) -> tuple:
        return gr.skip(), None, self.starting, None, self.run

    def where(self, f) -> str:
        return tr("gen.status_run", self.lang, i=f.step, k=f.steps, t=f.t, sampler=self.name)

    def frame(self, f) -> tuple | None:
        """Keeps a frame that is not the last for the replay; the answer the page is sent for it, or None. The pure
        noise first, then every few steps. The run itself is not sent again: the session holds it since the first
        answer (the same object, growing), and a kept answer would otherwise keep a copy of it per frame (3.2 MB for
        8 digits at 25 steps: the cache held one prompt)."""
        _keep(self.run, f)
        if f.step % self.show:
            return None
        return process_picture(f.x_t, f.x0), None, self.where(f), None, gr.skip()

    def last(self, f) -> tuple:
        _keep(self.run, f)
        self.run["state"] = "done"
        judged, summary = dc.judged_gallery(f.x0, self.text, self.lang)
        a = self.args
        said = {"n": a["n"], "k": self.k, "sampler": self.name, "g": a["guidance"], "seed": a["seed"]}
        done = tr("gen.status_done", self.lang, prompt=self.text or "∅", **said)
        return process_picture(f.x_t, f.x0), _grid(f.x0), " ".join([done, *self.notes, summary]), judged, self.run


# What a prompt drawn with others must share with them: one batch, one sampler and schedule of steps, one guidance
# scale, one network, and as many digits (gendemo/diffusion/batching.py: then each is its own to the bit)
ALIKE = ("sampler", "steps", "guidance", "network", "n")


def _mates(dm, mine: dict, lang: str) -> list:
    """The prompts waiting in the lane that this run can draw in its batch, each with its own _Run (issue 30)."""
    if getattr(diffusion_generate, "cache", None) is None or mine["network"] == "handover":
        return []  # no answer cache to leave their answers in (ZeroGPU); two networks on one path: not batched
    if mine["sampler"] not in BATCHABLE:
        return []
    found = batch_ahead.mates(GENERATE, diffusion_generate, mine, lang, ALIKE, slots(mine["n"]) - 1)
    if not found or not rows_stand_alone(dm, mine["guidance"], mine["n"]):
        return []
    return [(m, _Run(m.args, m.lang, dm.schedule.T)) for m in found]


@ahead
def batch_probe_ahead() -> bool:
    """Whether the default prompt's digits stand alone in a batch (the check's ~0.5 s, before a class needs it)."""
    return rows_stand_alone(dc.distilled_model("en"), GENERATE.param("guidance").start(), GENERATE.param("n").start())


@GENERATE.handler
def diffusion_generate(
    prompt, sampler, steps, guidance, seed, n, network, request: gr.Request = None, progress=gr.Progress()
):
    """Streams (process picture, result, status, judged, run): run is the session's record of this run (its frames
    for the replay slider, its state for Stop), never shown in the API. The prompts waiting behind it that ask the
    same of the network are drawn in its batch, and their answers kept for their turn (gendemo/app/batch_ahead.py)."""
    lang = lang_of(request)
    mine = {
        "prompt": prompt, "sampler": sampler, "steps": steps, "guidance": guidance, "seed": seed, "n": n,
        "network": network,
    }  # fmt: skip
    dm, enc = _network(network, lang), dc.encoder(lang)
    me = _Run(mine, lang, dm.schedule.T)
    # at once, before the first step: the session holds this run from now on, so Stop finds it whenever it is pressed
    yield me.first()
    progress(0, desc=me.starting)
    others = _mates(dm, mine, lang)
    kept = [[copy.deepcopy(them.first())] for _, them in others]  # each answer a copy as it is sent (a run grows)
    keep, _ = _cadence(sampler)
    if others:
        jobs = [Job(me.text, n, seed), *(Job(them.text, n, them.args["seed"]) for _, them in others)]
        same = {"steps": steps, "guidance": guidance, "sampler": sampler, "every": keep, "start": True}
        frames = generate_together(dm, enc, jobs, **same)
    else:
        stream = generate_stream(
            dm, enc, [me.text], n=n, steps=steps, guidance=guidance, seed=seed, sampler=sampler, every=keep, start=True
        )
        frames = ([f] for f in stream)
    for f, *theirs in frames:
        if me.run["state"] == "stopped":  # Stop was pressed: the stream ends with the stopped run's answer, last
            result, judged, status = _stopped(me.run, lang)
            yield partial((gr.skip(), result, status, judged, me.run))  # passed on, not kept as the inputs' answer
            return
        for (mate, them), answers, g in zip(others, kept, theirs):
            answer = them.last(g) if g.done else them.frame(g)
            if answer is not None:
                answers.append(copy.deepcopy(answer))
            if g.done:  # kept before this run's own answer: the next in the lane finds it when it starts
                answer_cache.keep(diffusion_generate, mate.kw, answers)
        if f.step:
            progress(f.step / f.steps, desc=me.where(f))
        if not f.done:
            answer = me.frame(f)
            if answer is not None:
                yield answer
            continue
        yield me.last(f)


def _grid(x0: torch.Tensor) -> Image.Image:
    return to_pil_grid(x0, nrow=min(8, x0.shape[0]), scale=4)


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
    """(result, judged, status) of a stopped run: the network's guess of the clean image at the last kept step (as a
    grid, and judged digit by digit), and where it stopped."""
    frames = [fr for fr in run.get("frames") or [] if fr[0] > 0]  # step 0 is pure noise: nothing guessed yet
    if not frames:
        return gr.skip(), gr.skip(), tr("gen.stopped_early", lang)
    step, t, _, x0 = frames[-1]
    guess = torch.from_numpy(x0).float() / 255
    judged, _ = dc.judged_gallery(guess, run["text"], lang)
    name = dc.sampler_name(run["sampler"], lang)
    return _grid(guess), judged, tr("gen.status_stopped", lang, i=step, k=run["k"], t=t, sampler=name)


def diffusion_stopped(run=None, request: gr.Request = None):
    """Stop pressed: (result, judged, status, slider, hint). The run is marked stopped — the stream sees it at its next
    frame, answers the same and ends normally (a cancelled event would mark the result "Error") —; the result keeps
    the network's guess of the clean image at the last kept step and the status says where it stopped. A finished
    run is left as it is."""
    lang = lang_of(request)
    if run is None or run.get("state") == "done":
        return gr.skip(), gr.skip(), gr.skip(), gr.skip(), gr.skip()
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
    said = {"k": run["k"], "t": t, "sampler": dc.sampler_name(run["sampler"], lang)}
    text = tr("gen.replay_noise", lang, **said) if step == 0 else tr("gen.replay_at", lang, i=step, **said)
    return _frame_picture(frames[i]), text


def _scale_label(g: float) -> str:
    return f"{g:g}"


@GUIDANCE.handler
def diffusion_guidance(prompt, seed, request: gr.Request = None, progress=gr.Progress()):
    """(gallery, text): the prompt and seed at each guidance scale of GUIDANCE_SIDE_BY_SIDE (0, 1, the default, 7) —
    the same starting noise each time (DDIM, so the only difference is the guidance), each group judged against the
    prompt."""
    lang = lang_of(request)
    text, notes = prompt
    dm, enc = dc.diffusion_model(lang), dc.encoder(lang)
    gallery, counts = [], []
    for j, g in enumerate(GUIDANCE_SIDE_BY_SIDE):  # one number per call: four calls of 25 steps (g = 0, 1 unbatched)

        def step(f, j=j, g=g):
            said = tr("gen.guide_progress", lang, g=_scale_label(g), i=f.step, k=f.steps)
            progress((j + f.step / f.steps) / len(GUIDANCE_SIDE_BY_SIDE), desc=said)

        x0 = generate(
            dm, enc, [text], n=GUIDANCE_N, steps=GUIDANCE_STEPS, guidance=g, seed=seed, sampler="ddim", callback=step
        )
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


# The examples, as labelled buttons (a table of seven settings was wider than the page and 140 px a row): each sets
# every control and runs.
EXAMPLES = {
    "red": ["a red seven", "ddim", 25, DEFAULT_GUIDANCE, 0, 8, "diffusion_distilled"],
    "green": ["a thick green three", "ddim", 25, DEFAULT_GUIDANCE, 1, 8, "diffusion_distilled"],
    "ink": ["the number 4 written in blue ink", "ddim", 50, DEFAULT_GUIDANCE, 2, 8, "diffusion_distilled"],
    "chinese": ["红色的七", "ddim", 25, DEFAULT_GUIDANCE, 0, 8, "diffusion_distilled"],
    "none": ["", "ddim", 25, 1.0, 3, 16, "diffusion"],
    "ddpm": ["a yellow two", "ddpm", 25, DEFAULT_GUIDANCE, 0, 4, "diffusion"],
    "cyan": ["a thin cyan nine", "dpmpp2m", 15, DEFAULT_GUIDANCE, 4, 8, "diffusion"],
    "fast": ["a red seven", "dpmpp2m", 10, DEFAULT_GUIDANCE, 0, 16, "diffusion_distilled"],
}


def build():
    markdown(txt("gen.intro"), elem_id="gen-intro")
    with gr.Accordion(txt("gen.explain_title"), open=False, elem_id="gen-explain"):
        markdown(txt("gen.explain"))
    with gr.Row(elem_id="gen-main"):
        with gr.Column(scale=1, min_width=300):
            # the prompt and the seed also feed the guidance side by side and the solver comparison (same declarations)
            prompt = GENERATE.widget(
                "prompt",
                placeholder=txt("gen.prompt_ph"),
                max_lines=2,
                max_length=dc.MAX_PROMPT_CHARS,
                elem_id="gen-prompt",
            )
            with gr.Row():  # the main button right under the prompt, above the settings
                button = gr.Button(txt("gen.button"), variant="primary", elem_id="gen-button")
                stop = gr.Button(txt("gen.stop"), variant="stop", elem_id="gen-stop")
            sampler = GENERATE.widget("sampler", choices=dc.sampler_choices(), elem_id="gen-sampler")
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
        with gr.Column(scale=3):
            process = picture(txt("gen.process"), "gen-process", height=260)
            # after a run: scrub back through its kept frames (the stored pictures, no model call)
            replay = Slider(1, 2, value=2, step=1, label=txt("gen.replay"), visible=False, elem_id="gen-replay")
            replay_text = gr.Markdown(elem_id="gen-replay-text")
            # the explanation above the gallery, not as its label: an overlaid label would hide the digits' tops
            gr.Markdown(txt("gen.judged"), elem_id="gen-judged-label")
            judged = pictures("gen-judged", 8)
            status = gr.Markdown(elem_id="gen-status")
            # the digits as one grid: an API output (the page shows them above, judged, instead of a third time)
            result = picture(txt("gen.result"), "gen-result", visible=False)
    with gr.Accordion(txt("gen.guide_title"), open=False, elem_id="gen-guide-section"):
        gr.Markdown(txt("gen.guide_intro"))
        # predict, then look (#32): what does guidance 0 do? The click draws the four scales
        predict.ask(
            "g", [("ask.g.same", "same"), ("ask.g.any", "any"), ("ask.g.noise", "noise")], predict.guidance_answer
        )("gen-guide-button")
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
        examples=list(EXAMPLES.values()),
        inputs=inputs,
        outputs=outputs,
        fn=diffusion_generate,
        example_labels=[txt(f"gen.ex.{key}") for key in EXAMPLES],
        elem_id="gen-examples",
        **example_caching(),
        api_visibility="private",
    )
    # the tab opens with a finished run of the defaults (computed once per language), not with empty boxes
    on_open(diffusion_generate, inputs, outputs)
    # The progress bar sits on the judged digits only: the streamed picture updates quietly instead of flashing every
    # frame. One run at a time in the diffusion lane, whichever of the three starts it.
    show = {"show_progress_on": [judged]}
    starts = (button.click, prompt.submit, examples.load_input_event.then)
    event = button.click(diffusion_generate, inputs, outputs, **GENERATE.event(), **show)
    event2 = prompt.submit(diffusion_generate, inputs, outputs, **GENERATE.event(private=True), **show)
    # an example fills the inputs and then runs (run_on_click would add a public-looking event)
    event3 = examples.load_input_event.then(diffusion_generate, inputs, outputs, **GENERATE.event(private=True), **show)
    for ev in (event, event2, event3):
        ev.then(diffusion_replay_ready, [run], [replay, replay_text], api_visibility="private")
    for trigger in starts:  # a new run, however started, hides the last one's replay until it has its own
        trigger(
            lambda: (gr.update(visible=False), ""), None, [replay, replay_text], queue=False, api_visibility="private"
        )
    # The stream stops itself when it sees the stopped run. On ZeroGPU it runs in a GPU worker that never sees the
    # session's copy of the run, so there Stop also cancels it.
    stop.click(
        diffusion_stopped,
        [run],
        [result, judged, status, replay, replay_text],
        cancels=[event, event2, event3] if zerogpu.active() else None,
        api_visibility="private",
    )
    replay.change(diffusion_replay, [run, replay], [process, replay_text], api_visibility="private")
    guide_button.click(
        diffusion_guidance, [prompt, seed], [guide, guide_text], show_progress_on=[guide], **GUIDANCE.event()
    )
