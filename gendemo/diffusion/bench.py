"""Diffusion section of python -m gendemo.bench: sampling speed of the committed model, each figure beside a naive
baseline measured in the same run (fp32 network; guidance as two separate network passes)."""

from __future__ import annotations

import statistics

import torch

from gendemo.core.checkpoints import CheckpointError
from gendemo.core.timing import timeit
from gendemo.diffusion.model import load_diffusion
from gendemo.diffusion.sampling import embed_prompts, generate, predict_eps
from gendemo.diffusion.text import get_encoder


def run(quick: bool, row) -> None:
    try:
        model, card = load_diffusion(device="cpu")
    except CheckpointError as e:
        print(f"[diffusion] skipped: {e}")
        return
    enc = get_encoder(None, "cpu")
    prompt = "a red seven"
    emb, _ = embed_prompts(model.net, enc, [prompt])
    reps = 3 if quick else 10

    ts = timeit(lambda: enc.encode([prompt]), reps * 3, warmup=2)
    row("diffusion", "encode one prompt (all-MiniLM-L6-v2), median", statistics.median(ts) * 1000, "ms")

    # bf16 where the CPU runs it natively
    fast = lambda: generate(model, None, [""], n=16, steps=25, guidance=3.0, seed=0, text_emb=emb)
    naive = lambda: generate(model, None, [""], n=16, steps=25, guidance=3.0, seed=0, text_emb=emb, precision="fp32")
    tf = timeit(fast, reps, warmup=1)
    tn = timeit(naive, max(2, reps // 2), warmup=1)
    row(
        "diffusion",
        "16 images, DDIM 25 steps, guidance 3, median",
        statistics.median(tf),
        "s",
        statistics.median(tn),
        "fp32 network",
        target=3.0,
    )

    # Guidance as two separate passes per step (what the doubled batch replaces).
    x = torch.randn(16, 3, 28, 28)
    e16, null = emb.expand(16, -1), model.net.null_embedding(16).detach()

    def two_passes():
        tt = torch.full((16,), 500)
        with torch.no_grad(), torch.autocast("cpu", dtype=torch.bfloat16):
            c, u = model.net(x, tt, e16).float(), model.net(x, tt, null).float()
        return u + 3 * (c - u)

    t1 = timeit(lambda: predict_eps(model.net, x, 500, e16, null, 3.0, "bf16"), reps * 5, warmup=2)
    t2 = timeit(two_passes, reps * 5, warmup=2)
    row(
        "diffusion",
        "one guided step for 16 images (doubled batch), median",
        statistics.median(t1) * 1000,
        "ms",
        statistics.median(t2) * 1000,
        "two separate passes",
    )
    if not quick:
        td = timeit(
            lambda: generate(model, None, [""], n=1, sampler="ddpm", guidance=3.0, seed=0, text_emb=emb), 1, warmup=0
        )
        row("diffusion", "1 image, full DDPM (1000 steps), guidance 3", td[0], "s")
