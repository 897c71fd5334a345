"""Helpers shared by the GAN tabs: the judge in fast precision, grids with empty tiles, plot updates."""
from __future__ import annotations

import contextlib
import functools
import json

import numpy as np
import torch

from ..checkpoints import CHECKPOINT_DIR


@functools.lru_cache(maxsize=1)
def _bf16_ok() -> bool:
    from ..device import cpu_has_bf16

    return cpu_has_bf16()


def fast_autocast(device: torch.device):
    """bf16 autocast where the CPU runs it natively (≈2× faster for the classifier's convs), else nothing."""
    if device.type == "cpu" and _bf16_ok():
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


@torch.no_grad()
def judge(net, x: torch.Tensor) -> torch.Tensor:
    """Classifier probabilities (B, 10) as float32 on the CPU."""
    from ..classifier import predict

    dev = next(net.parameters()).device
    with fast_autocast(dev):
        probs, _ = predict(net, x.to(dev))
    return probs.float().cpu()


def tiles(rows: list[torch.Tensor], ncol: int) -> torch.Tensor:
    """Rows of (k_i, 1, 28, 28) images → (len(rows)·ncol, 1, 28, 28), each row padded with dark tiles to ncol."""
    out = []
    for r in rows:
        r = r[:ncol]
        if r.shape[0] < ncol:
            r = torch.cat([r, torch.zeros(ncol - r.shape[0], 1, 28, 28)])
        out.append(r)
    return torch.cat(out)


def card_epochs(default: int = 200) -> int:
    """Epochs recorded in the shipped timeline (read from its small JSON card at build time; no arrays loaded)."""
    try:
        return max(1, int(json.loads((CHECKPOINT_DIR / "gan_timeline.json").read_text())["epochs"]))
    except Exception:
        return default


def snapshot_epochs() -> list[int]:
    try:
        return [int(e) for e in json.loads((CHECKPOINT_DIR / "gan_snapshots.json").read_text())["epochs"]]
    except Exception:
        return [1, 10, 60]


def long_frame(x: np.ndarray, series: dict[str, np.ndarray], xname: str = "x", yname: str = "y", sname: str = "series"):
    import pandas as pd

    return pd.DataFrame({
        xname: np.concatenate([x] * len(series)),
        yname: np.concatenate([np.asarray(v, np.float64) for v in series.values()]),
        sname: np.repeat(list(series.keys()), len(x)),
    })
