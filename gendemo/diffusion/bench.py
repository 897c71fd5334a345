"""Diffusion section of python -m gendemo.bench: sampling speed of the committed model, each figure beside a naive
baseline measured in the same run (fp32 network; guidance as two separate network passes)."""

from __future__ import annotations

import statistics

import torch

from gendemo.core.checkpoints import CheckpointError
from gendemo.core.device import resolve_precision
from gendemo.core.timing import timeit, timeit_interleaved
from gendemo.diffusion.handover import HANDOVER_T, handover_of
from gendemo.diffusion.model import load_diffusion
from gendemo.diffusion.sampling import DEFAULT_GUIDANCE, embed_prompts, generate, predict_eps
from gendemo.diffusion.solvers import DISTILLED, run_solver, sampler_of
from gendemo.diffusion.text import get_encoder

# The solver comparison: the same four prompts, four images each, one batch of 16, the same seed for every sampler.
SOLVER_PROMPTS = ("a red seven", "a thick green three", "a blue five", "a yellow two")
SOLVER_RUNS = (
    ("ddpm", 1000),
    ("ddim", 10),
    ("dpmpp2m", 10),
    ("dpmpp2m", 15),
    ("dpmpp2m", 20),
    ("ddim", 25),
    ("dpmpp2m", 25),
)
QUICK_SOLVER_RUNS = (("ddim", 10), ("dpmpp2m", 10), ("ddim", 25), ("dpmpp2m", 25))
# DPM-Solver++ 2M driving the guidance-distilled network (one pass of 16 a step, not of 32), when that file is there
DISTILLED_RUNS = ((DISTILLED, 10), (DISTILLED, 11), (DISTILLED, 25))  # 11: first to reach 0.98 digit accuracy
SOLVER_TARGET_S = 0.15  # issue #10: DPM-Solver++ 2M, 16 images in ≤ 0.15 s (at ≥ 0.98 judged digit accuracy)


@torch.no_grad()
def compare_solvers(
    model,
    encoder,
    judge,
    *,
    seed: int = 0,
    guidance: float = DEFAULT_GUIDANCE,
    runs=SOLVER_RUNS,
    repeat: int = 5,
    distilled=None,
) -> list[dict]:
    """DDPM (all T steps) against DDIM and DPM-Solver++ 2M at a few steps, from the same seed: the median seconds for
    the batch of 16 and the classifier's judgement — the share of images showing the asked digit, the asked colour,
    and both. The few-step runs take turns, `repeat` rounds after one warm-up round, so a change in the machine's load
    during the measurement falls on all of them alike; DDPM (long enough to need neither) runs once. A run named
    "dpmpp2m_distilled" is DPM-Solver++ 2M on `distilled`, the guidance-distilled network."""
    from gendemo.classifier.model import predict
    from gendemo.diffusion.captions import DIGIT_WORDS, PALETTE_NAMES, name_colours

    emb, texts = embed_prompts(model.net, encoder, list(SOLVER_PROMPTS))
    n = 4
    want_d = torch.tensor([next(i for i, w in enumerate(DIGIT_WORDS) if w in t) for t in texts]).repeat_interleave(n)
    want_c = torch.tensor([next(i for i, c in enumerate(PALETTE_NAMES) if c in t) for t in texts]).repeat_interleave(n)

    def go(sampler, steps):
        net = distilled if sampler == DISTILLED else model
        return run_solver(net, emb, sampler_of(sampler), steps=steps, n=n, seed=seed, guidance=guidance)

    few = [r for r in runs if r[0] != "ddpm"]
    seconds: dict = {r: [] for r in runs}
    last: dict = {}
    for k in range(repeat + 1):
        for r in few:
            last[r] = go(*r)
            if k:  # round 0 is the warm-up
                seconds[r].append(last[r].seconds)
    for r in runs:
        if r[0] == "ddpm":
            last[r] = go(*r)
            seconds[r].append(last[r].seconds)
    dev = next(judge.parameters()).device
    out = []
    for r in runs:
        imgs = last[r].images
        got_d = predict(judge, imgs.to(dev))[0].argmax(1).cpu()
        got_c = name_colours(imgs)
        out.append(
            {
                "sampler": r[0],
                "steps": r[1],
                "seconds": statistics.median(seconds[r]),
                "digit": (got_d == want_d).float().mean().item(),
                "colour": (got_c == want_c).float().mean().item(),
                "both": ((got_d == want_d) & (got_c == want_c)).float().mean().item(),
            }
        )
    return out


def solver_rows(results: list[dict], row) -> None:
    """One row per run; DPM-Solver++ 2M beside DDIM at the same step count when that ran too (the ratio), and on the
    distilled network beside itself on the two-pass network."""
    by = {(r["sampler"], r["steps"]): r["seconds"] for r in results}
    bases = {"dpmpp2m": ("ddim", "DDIM"), DISTILLED: ("dpmpp2m", "DPMPP2M on the two-pass network")}
    for r in results:
        base = bases.get(r["sampler"])
        paired = base is not None and (base[0], r["steps"]) in by
        name = "DPMPP2M, distilled network," if r["sampler"] == DISTILLED else r["sampler"].upper()
        row(
            "diffusion",
            f"16 images ({len(SOLVER_PROMPTS)} prompts × 4), {name} {r['steps']} steps, guidance "
            f"{DEFAULT_GUIDANCE:g}; judged digit {r['digit']:.2f}, colour {r['colour']:.2f}, both {r['both']:.2f}",
            r["seconds"],
            "s",
            by[base[0], r["steps"]] if paired else None,
            f"{base[1]} {r['steps']} steps" if paired else "",
            target=f"≤ {SOLVER_TARGET_S} s" if r["sampler"] in ("dpmpp2m", DISTILLED) else None,
        )


def run(quick: bool, row) -> None:
    try:
        model, card = load_diffusion(device="cpu")
    except CheckpointError as e:
        print(f"[diffusion] skipped: {e}")
        return
    try:
        distilled, _ = load_diffusion(device="cpu", kind="diffusion_distilled")
    except CheckpointError as e:
        print(f"[diffusion] the distilled network's rows skipped: {e}")
        distilled = None
    enc = get_encoder(None, "cpu")
    prompt = "a red seven"
    emb, _ = embed_prompts(model.net, enc, [prompt])
    reps = 3 if quick else 10

    ts = timeit(lambda: enc.encode([prompt]), reps * 3, warmup=2)
    row("diffusion", "encode one prompt (all-MiniLM-L6-v2), median", statistics.median(ts) * 1000, "ms")

    # bf16 where the CPU runs it natively: the FastUNet path (#10), the same module under autocast (the path before
    # it) and the fp32 network, taking turns so that the machine's load falls on all three alike
    kw = {"n": 16, "steps": 25, "guidance": DEFAULT_GUIDANCE, "seed": 0, "text_emb": emb}
    runs = {
        "fast": lambda: generate(model, None, [""], **kw),
        "autocast": lambda: generate(model, None, [""], fast=False, **kw),
        "fp32": lambda: generate(model, None, [""], precision="fp32", fast=False, **kw),
        # a CPU without native bf16 samples in fp32: FastUNet's layout in fp32 against the module in fp32
        "fast_fp32": lambda: generate(model, None, [""], precision="fp32", **kw),
    }
    if distilled is not None:  # the same sampler and inputs: one pass of 16 a step instead of one of 32
        runs["distilled"] = lambda: generate(distilled, None, [""], **kw)
        # the handover: two passes of 16 (one of 32) for the steps t ≥ HANDOVER_T, then the distilled network's one
        handover = handover_of(model, distilled)
        runs["handover"] = lambda: generate(handover, None, [""], **kw)
    ts = timeit_interleaved(runs, reps, warmup=1)
    fast, before = statistics.median(ts["fast"]), statistics.median(ts["autocast"])
    # "auto" is bf16 autocast only where the CPU runs bf16 natively; elsewhere the baseline is the module in fp32
    autocast = resolve_precision("auto", torch.device("cpu")) == "bf16"
    base = "the module under bf16 autocast" if autocast else "the module in fp32 (this CPU has no native bf16)"
    base2 = base.replace("the module", "the two-pass module")
    what = f"16 images, DDIM 25 steps, guidance {DEFAULT_GUIDANCE:g}, median"
    row("diffusion", what, fast, "s", before, base, target="≤ 0.35 s")
    row("diffusion", what + " (the same runs, against fp32)", fast, "s", statistics.median(ts["fp32"]), "fp32 network")
    fp32_fast, fp32_module = statistics.median(ts["fast_fp32"]), statistics.median(ts["fp32"])
    row(
        "diffusion",
        what.replace(", median", ", FastUNet in fp32 (no bf16), median"),
        fp32_fast,
        "s",
        fp32_module,
        "the module in fp32",
    )
    if distilled is not None:
        one = statistics.median(ts["distilled"])
        what_d = what.replace(", median", ", guidance-distilled network (one pass a step), median")
        row("diffusion", what_d, one, "s", before, base2, target="≤ 0.35 s")
        row("diffusion", what_d + " (the same runs)", one, "s", fast, "the two-pass network (FastUNet)")
        mixed = statistics.median(ts["handover"])
        what_h = what.replace(", median", f", handover at t = {HANDOVER_T} (two passes above, distilled below), median")
        row("diffusion", what_h, mixed, "s", before, base2, target="≤ 0.35 s")
        row("diffusion", what_h + " (the same runs)", mixed, "s", fast, "the two-pass network (FastUNet)")

    # One guided step: FastUNet against the module (doubled batch), and the doubled batch against two passes, in the
    # precision the app runs here
    prec, mod = ("bf16", "autocast module") if autocast else ("fp32", "fp32 module")
    x = torch.randn(16, 3, 28, 28)
    e16, null = emb.expand(16, -1), model.net.null_embedding(16).detach()

    def two_passes():
        tt = torch.full((16,), 500)
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16, enabled=autocast):
            c, u = model.net(x, tt, e16).float(), model.net(x, tt, null).float()
        return u + DEFAULT_GUIDANCE * (c - u)

    with torch.no_grad():
        ts = timeit_interleaved(
            {
                "fast": lambda: predict_eps(model.net, x, 500, e16, null, DEFAULT_GUIDANCE, prec),
                "doubled": lambda: predict_eps(model.net, x, 500, e16, null, DEFAULT_GUIDANCE, prec, fast=False),
                "two": two_passes,
            },
            reps * 5,
            warmup=2,
        )
    fast_ms, doubled_ms, two_ms = (statistics.median(ts[k]) * 1000 for k in ("fast", "doubled", "two"))
    row("diffusion", f"one guided step for 16 images (FastUNet, {prec}), median", fast_ms, "ms", doubled_ms, mod)
    row(
        "diffusion",
        f"one guided step for 16 images ({mod}, doubled batch), median",
        doubled_ms,
        "ms",
        two_ms,
        "two separate passes",
    )
    try:
        from gendemo.classifier.model import load_classifier

        judge, _ = load_classifier(device="cpu")
    except CheckpointError as e:
        print(f"[diffusion] solver comparison skipped: {e}")
    else:
        runs = (QUICK_SOLVER_RUNS if quick else SOLVER_RUNS) + (DISTILLED_RUNS if distilled is not None else ())
        solver_rows(compare_solvers(model, enc, judge, runs=runs, repeat=3 if quick else 5, distilled=distilled), row)
    if not quick:
        td = timeit(
            lambda: generate(model, None, [""], n=1, sampler="ddpm", guidance=DEFAULT_GUIDANCE, seed=0, text_emb=emb),
            1,
            warmup=0,
        )
        row("diffusion", f"1 image, full DDPM (1000 steps), guidance {DEFAULT_GUIDANCE:g}", td[0], "s")
