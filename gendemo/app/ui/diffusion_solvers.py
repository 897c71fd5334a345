"""Faster solvers side by side, in the Diffusion tab (/solver_comparison): one prompt and seed through DDPM's 1,000
steps, DDIM and DPM-Solver++ 2M at 10–25 steps, and DPM-Solver++ 2M with the guidance-distilled network (one pass a
step instead of two), from the same starting noise; each with its wall time and the judge's reading of every digit,
and what the results show."""

from __future__ import annotations

from dataclasses import dataclass, replace

import gradio as gr

from gendemo.app.endpoints import ENDPOINTS, SOLVERS  # SOLVERS: shown in this order, the chapter's algorithm first
from gendemo.app.i18n import lang_of, tr
from gendemo.app.ui import diffusion_common as dc
from gendemo.app.ui.common import pictures, txt
from gendemo.core.images import to_pil_grid
from gendemo.diffusion.judging import asked_in
from gendemo.diffusion.sampling import DEFAULT_GUIDANCE, embed_prompts
from gendemo.diffusion.solvers import DISTILLED, run_solver, sampler_of

COMPARE = ENDPOINTS["solver_comparison"]
# Steps: 10 to 25, where few-step solvers are interesting (below 10 they fall apart here); digits: 1 to 4, DDPM's 1,000
# steps cost ≈ 5 s for one digit on a 2-core CPU, ≈ 1.5× that for four (the declaration's ranges).
# Timing: every solver's network passes once untimed first (a process's first pass sets up its kernels), and each
# few-step solver runs REPEATS times, its best time kept (its first run is the warm-up of its own code path; the best
# of the others is the least disturbed by other work on the machine); DDPM's 1,000 steps run once.
REPEATS = 3
# Two times closer than this (as a ratio) are "about as fast": run-to-run noise on a shared CPU is of this order.
EVEN = 1.15

STRINGS = {
    "en": {
        "cmp.title": "Faster solvers side by side: DDPM (1,000 steps) vs DDIM vs DPM-Solver++ 2M",
        "cmp.intro": (
            "The chapter's reverse algorithm (DDPM) walks all 1,000 steps and adds fresh noise at each one. DDIM and "
            "DPM-Solver++ 2M follow a deterministic path through only 10–25 of the steps; DPM-Solver++ also uses the "
            "previous step's guess to bend its path, so a few steps land closer to where many would. Each step of "
            "any of them costs one guided pass of the network, so the number of steps is the price. Here every solver "
            "starts from the same noise (the seed above) with the prompt above and "
            f"guidance {DEFAULT_GUIDANCE:g}; each column shows its "
            "digits, how long its sampling took, and what the judge reads in each digit.\n\n"
            "Guidance itself doubles the price: every guided step runs the network twice, with the prompt and "
            "without it. The last column cuts that instead of the steps: a copy of the network, trained to predict "
            "the guided result in one pass (it takes the guidance scale as an input), driven by DPM-Solver++ 2M.\n\n"
            "**Try this:** compare at 10 steps, then at 25 — do the few-step solvers get the digits DDPM gets?"
        ),
        "cmp.solvers": "Solvers to compare",
        "cmp.steps": "Steps for DDIM and DPM-Solver++ (DDPM always takes all 1,000)",
        "cmp.n": "Digits per solver",
        "cmp.button": "Compare the solvers",
        "cmp.caption": "{name} · {steps} steps · {s} s · {ok} of {n} match",
        "cmp.col": "{name}, {steps} steps",
        "cmp.row.time": "wall time (warm)",
        "cmp.row.digit": "digit {i}",
        "cmp.row.match": "matches the prompt",
        "cmp.cell.time": "{s} s",
        "cmp.cell.match": "{ok} of {n}",
        "cmp.running": (
            "The few-step solvers are done; DDPM is still walking its 1,000 steps (seconds on an idle CPU, longer on "
            "a busy one)."
        ),
        "cmp.running_next": "{name} is running…",
        "cmp.gave_way": (
            "{name} paused for {s} s in all to let other learners' requests run first; its time above leaves those "
            "pauses out."
        ),
        "cmp.progress": "{name}: step {i} of {k}",
        "cmp.verdict.same": (
            "From the same noise, {fast} at {steps} steps matched the prompt as often as DDPM's 1,000 steps ({ok} of "
            "{n}) and took {a} s against DDPM's {b} s ({speed}): here the shortcut keeps the result and skips most of "
            "the work."
        ),
        "cmp.verdict.worse": (
            "{fast} at {steps} steps took {a} s against DDPM's {b} s for 1,000 steps ({speed}) but matched the prompt "
            "less often ({ok} of {n} against {ref_ok}): at this step count the shortcut costs accuracy — try more "
            "steps."
        ),
        "cmp.verdict.better": (
            "{fast} at {steps} steps took {a} s against DDPM's {b} s for 1,000 steps ({speed}) and matched the prompt "
            "more often ({ok} of {n} against {ref_ok}); with this few digits part of that is chance: DDPM adds fresh "
            "noise at every step, so the same start can end in another digit."
        ),
        "cmp.speed.faster": "{r}× faster",
        "cmp.speed.even": "about as fast",
        "cmp.speed.slower": "{r}× slower",
        "cmp.busy": (
            "Those two times are closer than the work they did (or reversed): something else was using the "
            "processor meanwhile. Run the comparison again for cleaner times."
        ),
        "cmp.timing": (
            "The times are of the sampling alone and measured warm: each network ran once untimed first (a first "
            "call pays for setting up its kernels), and each few-step solver's time is the best of {k} runs; DDPM's "
            "1,000 steps run once."
        ),
        "cmp.verdict.pair_same": (
            "At {steps} steps DDIM took {a} s and DPM-Solver++ 2M {b} s (the same network work per step for both), "
            "and both matched the prompt {ok} of {n} times; add DDPM to see what its 1,000 steps buy."
        ),
        "cmp.verdict.pair_diff": (
            "At {steps} steps DDIM took {a} s and DPM-Solver++ 2M {b} s (the same network work per step for both), and "
            "{winner} matched the prompt more often ({w} of {n} against {l})."
        ),
        "cmp.verdict.distilled": (
            "With the distilled network, DPM-Solver++ 2M at {steps} steps took {a} s against {b} s with the two-pass "
            "one ({speed}; it runs the network once a step instead of twice) and matched the prompt {ok} of {n} "
            "times, against {ref_ok} with the two passes."
        ),
        "cmp.verdict.pair_any": (
            "At {steps} steps {a_name} took {a} s and matched the prompt {a_ok} of {n} times; {b_name} took {b} s "
            "and matched {b_ok}."
        ),
        "cmp.err.two": "Pick at least two solvers: a comparison needs something to compare with.",
        "cmp.err.empty": (
            "Write a prompt first, one that names a digit or a colour such as “a red seven”: the judge checks every "
            "solver's digits against it."
        ),
        "cmp.err.nothing_asked": (
            "The prompt “{prompt}” names no digit and no colour, so the judge has nothing to check; write one such as "
            "“a red seven”."
        ),
    },
    "zh-CN": {
        "cmp.title": "更快的求解器并排对比：DDPM（1000 步）、DDIM 与 DPM-Solver++ 2M",
        "cmp.intro": (
            "本章的反向算法（DDPM）要走完全部 1000 步，每一步都加入新的噪声。DDIM 和 DPM-Solver++ 2M 沿一条确定性的"
            "路径只走其中 10–25 步；DPM-Solver++ 还会借助上一步的猜测修正路线，所以少走几步也能更接近多步的结果。"
            "无论哪种方法，每走一步都要让网络做一次带引导的计算，所以步数就是代价。这里所有求解器都从同一份噪声"
            f"（由上面的种子决定）出发，使用上面的提示词和引导强度 {DEFAULT_GUIDANCE:g}；"
            "每一栏给出生成的数字、采样用了多少时间，"
            "以及评判器在每个数字里读到的内容。\n\n"
            "引导本身会让代价翻倍：每一步带引导的计算都要让网络跑两次，一次带提示词，一次不带。最后一栏削减的是这一半，"
            "而不是步数：它用的是网络的一个副本，训练它一次就预测出带引导的结果（引导强度是它的一个输入），"
            "再由 DPM-Solver++ 2M 驱动。\n\n"
            "**试一试**：先用 10 步对比，再调到 25 步——少步数的求解器能画出和 DDPM 一样的数字吗？"
        ),
        "cmp.solvers": "参与对比的求解器",
        "cmp.steps": "DDIM 与 DPM-Solver++ 的步数（DDPM 总是走完 1000 步）",
        "cmp.n": "每个求解器生成的数字个数",
        "cmp.button": "对比求解器",
        "cmp.caption": "{name} · {steps} 步 · {s} 秒 · {n} 个中 {ok} 个符合",
        "cmp.col": "{name}，{steps} 步",
        "cmp.row.time": "用时（预热后）",
        "cmp.row.digit": "第 {i} 个数字",
        "cmp.row.match": "符合提示词",
        "cmp.cell.time": "{s} 秒",
        "cmp.cell.match": "{n} 个中 {ok} 个",
        "cmp.running": "少步数的求解器已经完成；DDPM 还在走它的 1000 步（CPU 空闲时要几秒，繁忙时更久）。",
        "cmp.running_next": "{name} 正在运行……",
        "cmp.gave_way": "为了让其他学习者的请求先运行，{name} 一共暂停了 {s} 秒；上面给出的用时不包括这些暂停。",
        "cmp.progress": "{name}：第 {i} / {k} 步",
        "cmp.verdict.same": (
            "从同一份噪声出发，{fast} 只走 {steps} 步，符合提示词的数量就和 DDPM 走 1000 步一样（{n} 个中 {ok} 个），"
            "用时 {a} 秒，DDPM 用了 {b} 秒（{speed}）：在这里，捷径保住了结果，又省掉了大部分计算。"
        ),
        "cmp.verdict.worse": (
            "{fast} 走 {steps} 步用了 {a} 秒，DDPM 走 1000 步用了 {b} 秒（{speed}），但符合提示词的更少"
            "（{n} 个中 {ok} 个，DDPM 是 {ref_ok} 个）：在这个步数下，捷径牺牲了准确度——试试多走几步。"
        ),
        "cmp.verdict.better": (
            "{fast} 走 {steps} 步用了 {a} 秒，DDPM 走 1000 步用了 {b} 秒（{speed}），符合提示词的还更多"
            "（{n} 个中 {ok} 个，DDPM 是 {ref_ok} 个）；数字这么少，其中有一部分是运气：DDPM 每一步都加入新的噪声，"
            "同一个起点也可能画成另一个数字。"
        ),
        "cmp.speed.faster": "前者的速度是后者的 {r} 倍",
        "cmp.speed.even": "两者差不多快",
        "cmp.speed.slower": "前者反而更慢，用时是后者的 {r} 倍",
        "cmp.busy": (
            "这两个用时的差距比两者计算量的差距小（甚至反了过来）：当时处理器还在忙别的事。再对比一次，用时会更准。"
        ),
        "cmp.timing": (
            "用时只算采样本身，而且是预热后测的：每个网络先不计时地跑一次（第一次调用要花时间准备计算内核），"
            "少步数求解器的用时取 {k} 次运行中最快的一次；DDPM 的 1000 步只跑一次。"
        ),
        "cmp.verdict.pair_same": (
            "走 {steps} 步时，DDIM 用了 {a} 秒，DPM-Solver++ 2M 用了 {b} 秒（两者每步的网络计算量相同），"
            "符合提示词的都是 {n} 个中 {ok} 个；勾选 DDPM，看看它的 1000 步能多换来什么。"
        ),
        "cmp.verdict.pair_diff": (
            "走 {steps} 步时，DDIM 用了 {a} 秒，DPM-Solver++ 2M 用了 {b} 秒（两者每步的网络计算量相同），"
            "{winner} 符合提示词的更多（{n} 个中 {w} 个，另一个是 {l} 个）。"
        ),
        "cmp.verdict.distilled": (
            "换用蒸馏网络后，DPM-Solver++ 2M 走 {steps} 步用了 {a} 秒，每步跑两次的网络用了 {b} 秒（{speed}；"
            "蒸馏网络每步只跑一次，而不是两次），符合提示词的是 {n} 个中 {ok} 个，跑两次的网络是 {ref_ok} 个。"
        ),
        "cmp.verdict.pair_any": (
            "走 {steps} 步时，{a_name} 用了 {a} 秒，符合提示词的是 {n} 个中 {a_ok} 个；{b_name} 用了 {b} 秒，"
            "符合的是 {b_ok} 个。"
        ),
        "cmp.err.two": "请至少选择两个求解器：对比总得有个参照。",
        "cmp.err.empty": (
            "请先写一个提示词，说明要哪个数字或什么颜色，例如 “a red seven”：评判器要拿它来检查每个求解器画的数字。"
        ),
        "cmp.err.nothing_asked": (
            "提示词“{prompt}”里既没有数字也没有颜色，评判器无从判断；"
            "请写一个像 “a red seven” 或“红色的七”这样的提示词。"
        ),
    },
}


@dataclass(frozen=True)
class Result:
    """One solver's run as the view shows it."""

    sampler: str
    steps: int  # reverse steps taken
    seconds: float
    ok: int  # digits whose digit and colour both match the prompt (as far as it names them)
    n: int
    captions: tuple[str, ...]  # the judge's reading of each digit


def _seconds(s: float) -> str:
    return f"{s:.2f}"


def _ratio(r: float) -> str:
    return f"{r:.0f}" if r >= 10 else f"{r:.1f}"


def speed(seconds: float, against: float, lang: str) -> tuple[str, bool]:
    """(how `seconds` compares with `against` in words, whether it was clearly faster): "3.1× faster", "about as
    fast" within EVEN, "1.4× slower" — never a slower time called faster."""
    r = against / max(seconds, 1e-9)
    if r >= EVEN:
        return tr("cmp.speed.faster", lang, r=_ratio(r)), True
    if r <= 1 / EVEN:
        return tr("cmp.speed.slower", lang, r=_ratio(1 / r)), False
    return tr("cmp.speed.even", lang), False


def name(sampler: str, lang: str) -> str:
    return dc.sampler_name(sampler, lang)


def verdict(results: dict[str, Result], lang: str) -> str:
    """What the comparison shows, chosen by the results: against DDPM when it ran (the best of the few-step solvers:
    most matches, then fastest), else DDIM against DPM-Solver++ 2M; and when the distilled network ran beside the
    same solver on the two-pass network, what halving the passes did."""
    said, busy = [], False
    if "ddpm" in results:
        ref = results["ddpm"]
        best = max((r for s, r in results.items() if s != "ddpm"), key=lambda r: (r.ok, -r.seconds))
        key = "same" if best.ok == ref.ok else "worse" if best.ok < ref.ok else "better"
        words, faster = speed(best.seconds, ref.seconds, lang)
        busy = busy or not faster  # tens of times less work, and not faster: the machine was busy
        said.append(
            tr(
                f"cmp.verdict.{key}",
                lang,
                fast=name(best.sampler, lang),
                steps=best.steps,
                ok=best.ok,
                n=best.n,
                ref_ok=ref.ok,
                a=_seconds(best.seconds),
                b=_seconds(ref.seconds),
                speed=words,
            )
        )
    elif "ddim" in results and "dpmpp2m" in results:
        a, b = results["ddim"], results["dpmpp2m"]
        times = {"steps": a.steps, "a": _seconds(a.seconds), "b": _seconds(b.seconds), "n": a.n}
        if a.ok == b.ok:
            said.append(tr("cmp.verdict.pair_same", lang, ok=a.ok, **times))
        else:
            win, lose = (a, b) if a.ok > b.ok else (b, a)
            said.append(tr("cmp.verdict.pair_diff", lang, winner=name(win.sampler, lang), w=win.ok, l=lose.ok, **times))
    if DISTILLED in results and "dpmpp2m" in results:
        d, two = results[DISTILLED], results["dpmpp2m"]
        words, faster = speed(d.seconds, two.seconds, lang)
        busy = busy or not faster  # half the network passes, and not faster: the machine was busy
        said.append(
            tr(
                "cmp.verdict.distilled",
                lang,
                steps=d.steps,
                a=_seconds(d.seconds),
                b=_seconds(two.seconds),
                speed=words,
                ok=d.ok,
                n=d.n,
                ref_ok=two.ok,
            )
        )
    if not said:  # two few-step runs, not the pair above (e.g. DDIM and the distilled network)
        a, b = (results[s] for s in SOLVERS if s in results)
        said.append(
            tr(
                "cmp.verdict.pair_any",
                lang,
                steps=a.steps,
                a_name=name(a.sampler, lang),
                b_name=name(b.sampler, lang),
                a=_seconds(a.seconds),
                b=_seconds(b.seconds),
                a_ok=a.ok,
                b_ok=b.ok,
                n=a.n,
            )
        )
    if busy:
        said.append(tr("cmp.busy", lang))
    said.append(tr("cmp.timing", lang, k=REPEATS))
    return ("" if lang == "zh-CN" else " ").join(said)


def table(results: list[Result], lang: str) -> str:
    """Markdown: a column per solver; its wall time, the judge's reading of each digit, how many match."""
    cols = [tr("cmp.col", lang, name=name(r.sampler, lang), steps=r.steps) for r in results]
    rows = [
        "| | " + " | ".join(cols) + " |",
        "|---" * (len(results) + 1) + "|",
        f"| {tr('cmp.row.time', lang)} | "
        + " | ".join(tr("cmp.cell.time", lang, s=_seconds(r.seconds)) for r in results)
        + " |",
    ]
    for i in range(max(r.n for r in results)):
        cells = (r.captions[i].replace("\n", " · ") for r in results)  # a caption's two lines, on one line
        rows.append(f"| {tr('cmp.row.digit', lang, i=i + 1)} | " + " | ".join(cells) + " |")
    rows.append(
        f"| {tr('cmp.row.match', lang)} | "
        + " | ".join(tr("cmp.cell.match", lang, ok=r.ok, n=r.n) for r in results)
        + " |"
    )
    return "\n".join(rows)


def _shown(results: dict[str, Result], images: dict, lang: str):
    """(gallery, table) of the solvers done so far, in the fixed order DDPM, DDIM, DPM-Solver++ 2M."""
    done = [results[s] for s in SOLVERS if s in results]
    gallery = [
        (
            images[r.sampler],
            tr("cmp.caption", lang, name=name(r.sampler, lang), steps=r.steps, s=_seconds(r.seconds), ok=r.ok, n=r.n),
        )
        for r in done
    ]
    return gallery, table(done, lang)


@COMPARE.handler
def solver_comparison(prompt, solvers, steps, seed, n, request: gr.Request = None, progress=gr.Progress()):
    """Streams (gallery, table, text): after each solver its column appears (the few-step ones first, so they show at
    once while DDPM walks its 1,000 steps); the last answer has every column and the sentence on what they show."""
    lang = lang_of(request)
    if len(solvers) < 2:
        raise gr.Error(tr("cmp.err.two", lang))
    text, notes = prompt
    if not text:  # left empty, or Chinese without a word of the glossary: nothing is encoded
        raise gr.Error(tr("cmp.err.empty", lang))
    if asked_in(text) == (None, None):  # nothing to match: the comparison would have no accuracy to show
        raise gr.Error(tr("cmp.err.nothing_asked", lang, prompt=text))
    dm, enc = dc.diffusion_model(lang), dc.encoder(lang)
    nets = {s: dc.distilled_model(lang) if s == DISTILLED else dm for s in solvers}
    emb, _ = embed_prompts(dm.net, enc, [text])  # encoded once, outside every solver's time (the student shares it)
    # One untimed step on each network first: a process's first pass pays for setting up its kernels (≈ 0.3 s on this
    # CPU), which would otherwise be charged to whichever solver runs first.
    for net in {id(m): m for m in nets.values()}.values():
        run_solver(net, emb, "ddim", steps=1, n=n, seed=seed, guidance=DEFAULT_GUIDANCE)
    results, images, waits = {}, {}, {}
    order = sorted(solvers, key=lambda s: s == "ddpm")  # the few-step solvers first, DDPM last

    def timed(s: str):
        """A few-step solver runs REPEATS times: its first run warms its own code path, the best of the others is its
        time (the seed fixes the pictures, so every run draws the same ones). DDPM's 1,000 steps run once, with the
        progress bar saying how far it is."""

        def step(f):
            progress(f.step / f.steps, desc=tr("cmp.progress", lang, name=name(s, lang), i=f.step, k=f.steps))

        paused = getattr(progress, "paused", 0.0)  # the heavy lane gives way to other learners (core/priority.py)
        runs = [
            run_solver(
                nets[s],
                emb,
                sampler_of(s),
                steps=steps,
                n=n,
                seed=seed,
                guidance=DEFAULT_GUIDANCE,
                callback=step if s == "ddpm" else None,
            )
            for _ in range(1 if s == "ddpm" else REPEATS)
        ]
        gave_way = getattr(progress, "paused", 0.0) - paused
        if gave_way > 0:  # only DDPM reports its steps: the time it waited for others is not its own
            waits[s] = gave_way
            runs = [replace(r, seconds=max(r.seconds - gave_way, 1e-3)) for r in runs]
        return min(runs[1:] or runs, key=lambda r: r.seconds)

    # at once: what is running, in place of the last comparison's columns
    yield [], "", tr("cmp.running_next", lang, name=name(order[0], lang))
    for i, s in enumerate(order):
        run = timed(s)
        caps, _ = dc.judge_outputs(run.images, text, lang)
        ok = sum("✗" not in c for c in caps)
        results[s] = Result(s, run.steps, run.seconds, ok, n, tuple(caps))
        images[s] = to_pil_grid(run.images, nrow=min(n, 2), scale=4, pad=2)
        if i + 1 < len(order):
            following = order[i + 1]
            waiting = "cmp.running" if following == "ddpm" else "cmp.running_next"
            yield *_shown(results, images, lang), tr(waiting, lang, name=name(following, lang))
    said = [tr("cmp.gave_way", lang, name=name(s, lang), s=f"{w:.1f}") for s, w in waits.items() if w >= 0.05]
    yield *_shown(results, images, lang), " ".join([verdict(results, lang), *said, *notes])


def build(prompt, seed):
    """The view, inside the Diffusion tab: it draws the tab's prompt from the tab's seed."""
    with gr.Accordion(txt("cmp.title"), open=False, elem_id="cmp"):
        gr.Markdown(txt("cmp.intro"))
        with gr.Row():
            solvers = COMPARE.widget(
                "solvers",
                choices=dc.sampler_choices(SOLVERS),
                value=list(COMPARE.param("solvers").start()),  # a list: a CheckboxGroup reads a tuple as one value
                elem_id="cmp-solvers",
            )
            steps = COMPARE.widget("steps", elem_id="cmp-steps")
            n = COMPARE.widget("n", elem_id="cmp-n")
        button = gr.Button(txt("cmp.button"), elem_id="cmp-button")
        gallery = pictures("cmp-gallery", len(SOLVERS))
        shown = gr.Markdown(elem_id="cmp-table")
        text = gr.Markdown(elem_id="cmp-text")
    button.click(
        solver_comparison,
        [prompt, solvers, steps, seed, n],
        [gallery, shown, text],
        show_progress_on=[gallery],
        **COMPARE.event(),
    )
