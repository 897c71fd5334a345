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


# The two recipes of the chapter's GAN (gendemo/gan/recipes.py): which catalog rows hold each one's files.
RECIPE_ROWS = {
    "remedy": {"gan": "gan", "timeline": "gan_timeline", "snapshots": "gan_snapshots"},
    "chapter": {"gan": "gan_chapter", "timeline": "gan_chapter_timeline", "snapshots": "gan_chapter_snapshots"},
}


def recipe_choices():
    from gendemo.app.ui.common import txt

    return [(txt("gan.r_remedy"), "remedy"), (txt("gan.r_chapter"), "chapter")]


CJK_FONTS = ["Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei", "SimHei", "Microsoft YaHei", "PingFang SC"]


def card_epochs(default: int = 200, recipe: str = "remedy") -> int:
    """Epochs recorded in a shipped timeline (read from its small JSON card at build time; no arrays loaded)."""
    try:
        card = CHECKPOINT_DIR / f"{RECIPE_ROWS[recipe]['timeline']}.json"
        return max(1, int(json.loads(card.read_text())["epochs"]))
    except Exception:
        return default


def snapshot_epochs(recipe: str = "remedy") -> list[int]:
    try:
        card = CHECKPOINT_DIR / f"{RECIPE_ROWS[recipe]['snapshots']}.json"
        return [int(e) for e in json.loads(card.read_text())["epochs"]]
    except Exception:
        return [1, 10, 60]


def new_figure(figsize=(9.6, 4.0)):
    """A matplotlib figure (two axes side by side) that can write Chinese (the first CJK font installed; boxes where
    there is none). Built without pyplot: pyplot keeps global state, and handlers draw from several threads at once
    (two queue workers, the opening results computed in the background)."""
    import matplotlib
    from matplotlib.figure import Figure

    matplotlib.rcParams["font.sans-serif"] = [*CJK_FONTS, "DejaVu Sans"]
    fig = Figure(figsize=figsize, dpi=80)
    return fig, tuple(fig.subplots(1, 2))


def share_heatmap(ax, shares: np.ndarray, title: str, xlabel: str, ylabel: str):
    """Every epoch's digit shares (E, 10) as a heat map, epochs across and digits up, 0–40 % on one colour scale (the
    GAN and Mode-collapse tabs draw the same picture). Returns the image, for a colour bar."""
    im = ax.imshow(
        100 * shares.T,
        aspect="auto",
        cmap="magma",
        vmin=0,
        vmax=40,
        origin="lower",
        extent=(0.5, len(shares) + 0.5, -0.5, 9.5),
    )
    ax.set(yticks=range(10), xlabel=xlabel, ylabel=ylabel)
    ax.set_title(title, fontsize=10)
    return im


def figure_image(fig):
    """The finished figure as a PIL image (plots drawn as pictures stay readable when streamed or cached)."""
    import warnings

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = FigureCanvasAgg(fig)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing")
        fig.tight_layout()
        canvas.draw()
    return Image.fromarray(np.asarray(canvas.buffer_rgba())[..., :3].copy())


def long_frame(x: np.ndarray, series: dict[str, np.ndarray], xname: str = "x", yname: str = "y", sname: str = "series"):
    import pandas as pd

    return pd.DataFrame(
        {
            xname: np.concatenate([x] * len(series)),
            yname: np.concatenate([np.asarray(v, np.float64) for v in series.values()]),
            sname: np.repeat(list(series.keys()), len(x)),
        }
    )
