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

# Each recipe's name, in both languages, in this one place: every GAN tab shows these words (a radio choice, a legend, a
# sentence), and composes longer names from them (recipe_name). They had four names in English and two in Chinese.
# The GAN tab's STRINGS carry them (gendemo.app.i18n reads the tabs' tables), with the epoch axis's name of the heat map
# that the GAN and Mode-collapse tabs share.
COMMON_STRINGS = {
    "en": {
        "gan.r_chapter": "the chapter's recipe",
        "gan.r_remedy": "the remedy recipe",
        "gan.x_epoch_log": "epoch (logarithmic: the first epochs get room)",
    },
    "zh-CN": {
        "gan.r_chapter": "本章配方",
        "gan.r_remedy": "改良配方",
        "gan.x_epoch_log": "轮次（对数刻度：前几轮占更多宽度）",
    },
}


def recipe_name(recipe: str, lang: str) -> str:
    """A recipe's name ("chapter" or "remedy") in `lang`, for text composed around it."""
    return COMMON_STRINGS["zh-CN" if lang == "zh-CN" else "en"][f"gan.r_{recipe}"]


def recipe_choices():
    from gendemo.app.ui.common import txt

    return [(txt("gan.r_remedy"), "remedy"), (txt("gan.r_chapter"), "chapter")]


CJK_FONTS = [
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "SimHei",
    "Microsoft YaHei",
    "PingFang SC",
]


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


def new_figure(figsize=(9.6, 4.0), panels: int = 2):
    """A matplotlib figure (`panels` axes side by side; one axes alone when 1) that can write Chinese (the first CJK
    font installed; boxes where there is none). Built without pyplot: pyplot keeps global state, and handlers draw from
    several threads at once (two queue workers, the opening results computed in the background)."""
    import matplotlib
    from matplotlib.figure import Figure

    matplotlib.rcParams["font.sans-serif"] = [*CJK_FONTS, "DejaVu Sans"]
    fig = Figure(figsize=figsize, dpi=80)
    axes = fig.subplots(1, panels)
    return fig, (axes if panels == 1 else tuple(axes))


def share_heatmap(ax, shares: np.ndarray, title: str, xlabel: str, ylabel: str):
    """Every epoch's digit shares (E, 10) as a heat map, epochs across and digits up, 0–40 % on one colour scale (the
    GAN and Mode-collapse tabs draw the same picture). The epoch axis is logarithmic: the first epochs, where the
    generator still draws one or two kinds of digit, had a sliver at the left of 200; now the first ten take about
    half the width. `xlabel` should say so (gan.x_epoch_log). Returns the image, for a colour bar."""
    from matplotlib.ticker import FixedLocator, NullLocator

    E = len(shares)
    im = ax.pcolormesh(
        np.arange(E + 1) + 0.5, np.arange(11) - 0.5, 100 * shares.T, cmap="magma", vmin=0, vmax=40, shading="flat"
    )
    ax.set_xscale("log")
    ax.set_xlim(0.5, E + 0.5)
    ticks = [t for t in (1, 2, 5, 10, 20, 50, 100, 200, 500) if t <= E]
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xticklabels([str(t) for t in ticks])
    ax.set(yticks=range(10), xlabel=xlabel, ylabel=ylabel)
    ax.set_title(title, fontsize=10)
    return im


_LAYOUTS: dict = {}  # layout key → the margins tight_layout found for the first figure of that kind


def figure_image(fig, layout=None):
    """The finished figure as a PIL image (plots drawn as pictures stay readable when streamed or cached).

    `layout` names figures laid out alike (the same panels, labels and language, only the data differing, e.g. the
    timeline's share figure at each epoch): tight_layout, which measured half the drawing time, runs for the first of
    them only, and the others take its margins."""
    import warnings

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image

    canvas = FigureCanvasAgg(fig)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing")
        if layout is not None and layout in _LAYOUTS:
            fig.subplots_adjust(**_LAYOUTS[layout])
        else:
            fig.tight_layout()
            if layout is not None and len(_LAYOUTS) < 256:
                p = fig.subplotpars
                _LAYOUTS[layout] = {k: getattr(p, k) for k in ("left", "right", "bottom", "top", "wspace", "hspace")}
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
