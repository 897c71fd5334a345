"""Helpers shared by the GAN tabs: the judge in fast precision, grids with empty tiles, plot updates."""

from __future__ import annotations

import contextlib
import functools
import json

import numpy as np
import torch

from gendemo.core.paths import CHECKPOINT_DIR


@functools.lru_cache(maxsize=1)
def _bf16_ok() -> bool:
    from gendemo.core.device import cpu_has_bf16

    return cpu_has_bf16()


def fast_autocast(device: torch.device):
    """bf16 autocast where the CPU runs it natively (≈2× faster for the classifier's convs), else nothing."""
    if device.type == "cpu" and _bf16_ok():
        return torch.autocast("cpu", dtype=torch.bfloat16)
    return contextlib.nullcontext()


_FAST: dict[int, torch.nn.Module] = {}


def _fast_copy(net):
    """A channels-last copy of the classifier (with bf16 autocast its convs run ≈3× faster on this CPU); the shared
    model itself is left untouched."""
    key = id(net)
    if key not in _FAST:
        import copy

        fast = copy.deepcopy(net).eval()
        fast.body = _fold_batchnorm(fast.body)
        _FAST[key] = fast.to(memory_format=torch.channels_last)
    return _FAST[key]


def _fold_batchnorm(seq: torch.nn.Sequential) -> torch.nn.Sequential:
    """Inference only: fold each BatchNorm into the conv/linear layer before it (same outputs, one pass fewer)."""
    from torch.nn.utils.fusion import fuse_conv_bn_eval, fuse_linear_bn_eval

    mods, out, i = list(seq), [], 0
    while i < len(mods):
        m = mods[i]
        nxt = mods[i + 1] if i + 1 < len(mods) else None
        if isinstance(m, torch.nn.Conv2d) and isinstance(nxt, torch.nn.BatchNorm2d):
            out.append(fuse_conv_bn_eval(m, nxt))
            i += 2
        elif isinstance(m, torch.nn.Linear) and isinstance(nxt, torch.nn.BatchNorm1d):
            out.append(fuse_linear_bn_eval(m, nxt))
            i += 2
        else:
            out.append(m)
            i += 1
    return torch.nn.Sequential(*out)


@torch.inference_mode()
def judge(net, x: torch.Tensor, batch_size: int = 200) -> torch.Tensor:
    """Classifier probabilities (B, 10) as float32 on the CPU (batches of 200 stay in cache)."""
    from gendemo.classifier.model import predict

    dev = next(net.parameters()).device
    fast = _fast_copy(net) if dev.type == "cpu" else net
    x = x.to(dev)
    if dev.type == "cpu":
        x = x.contiguous(memory_format=torch.channels_last)
    with fast_autocast(dev):
        probs, _ = predict(fast, x, batch_size=batch_size)
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

    return pd.DataFrame(
        {
            xname: np.concatenate([x] * len(series)),
            yname: np.concatenate([np.asarray(v, np.float64) for v in series.values()]),
            sname: np.repeat(list(series.keys()), len(x)),
        }
    )
