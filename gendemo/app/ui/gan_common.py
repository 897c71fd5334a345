"""Helpers shared by the GAN tabs: the judge in fast precision, grids with empty tiles, plot updates."""

from __future__ import annotations

import json

import numpy as np
import torch

from gendemo.app.registry import REGISTRY, Registry
from gendemo.app.ui.common import model
from gendemo.classifier.fast import make_fast_copy
from gendemo.core.paths import CHECKPOINT_DIR


def fast_classifier(lang: str | None = None, registry: Registry = REGISTRY):
    """The classifier as the GAN tabs run it (gendemo/classifier/fast.py: half the time of predict() on a CPU), made
    once per loaded classifier and kept by the registry. A missing classifier: the tab's sentence in `lang`
    (gr.Error), or with lang None the registry's ModelUnavailable, for code that catches it."""
    if lang is not None:
        model("classifier", lang, registry)
    return registry.derived("classifier", "fast", make_fast_copy)


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
