"""Wall-clock timing for the benchmark (python -m gendemo.bench): repeated runs after a warm-up, medians and
percentiles, and training throughput with and without bf16 autocast."""

from __future__ import annotations

import statistics
import time

import torch


def timeit(fn, repeat: int, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def timeit_interleaved(fns: dict, repeat: int, warmup: int = 1) -> dict[str, list[float]]:
    """Seconds per call of each function, taking turns (a, b, a, b, …): load that comes and goes on a shared machine
    then falls on every variant alike, and their ratio holds where two separate runs would not."""
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    out = {name: [] for name in fns}
    for _ in range(repeat):
        for name, fn in fns.items():
            t = time.perf_counter()
            fn()
            out[name].append(time.perf_counter() - t)
    return out


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]


def train_speed(section, make_step, batch, steps, row):
    out = {}
    for prec in ("fp32", "bf16"):
        ctx = (
            (lambda: torch.autocast("cpu", dtype=torch.bfloat16))
            if prec == "bf16"
            else (lambda: torch.autocast("cpu", enabled=False))
        )
        step = make_step(ctx)
        ts = timeit(step, steps, warmup=3)
        out[prec] = batch / statistics.median(ts)
    row(section, "training images/s, CPU bf16 autocast", out["bf16"], "img/s", out["fp32"], "fp32", better="higher")
    return out
