"""A drawn, photographed or uploaded digit → the look of an MNIST digit, so the classifier (and img2img) see what they
were trained on."""

from __future__ import annotations

import numpy as np
from PIL import Image


def mnist_preprocess(gray: np.ndarray) -> np.ndarray:
    """(H, W) float ink in [0,1] or raw grey → (28, 28) float in [0,1], prepared as MNIST was:
    white-on-black, cropped to the ink, longest side scaled to 20 px, centred by centre of mass in 28×28."""
    g = np.asarray(gray, dtype=np.float32)
    if g.max() > 1.0:
        g = g / 255.0
    # Dark ink on a light page (paper, a white sketchpad): invert so the digit is the bright part, as in MNIST.
    border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
    if np.median(border) > 0.5:
        g = 1.0 - g
    g = np.clip(g - np.median(border if np.median(border) <= 0.5 else 1.0 - border), 0, 1)
    mask = g > 0.1 * (g.max() if g.max() > 0 else 1)
    if not mask.any():
        return np.zeros((28, 28), np.float32)
    ys, xs = np.nonzero(mask)
    crop = g[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    h, w = crop.shape
    k = 20.0 / max(h, w)
    nh, nw = max(1, round(h * k)), max(1, round(w * k))
    small = np.asarray(Image.fromarray((crop * 255).astype(np.uint8)).resize((nw, nh), Image.LANCZOS), np.float32) / 255
    out = np.zeros((28, 28), np.float32)
    top, left = (28 - nh) // 2, (28 - nw) // 2
    out[top : top + nh, left : left + nw] = small
    # Shift so the centre of mass sits at the centre (MNIST's last step).
    total = out.sum()
    if total > 0:
        cy = (out.sum(1) * np.arange(28)).sum() / total
        cx = (out.sum(0) * np.arange(28)).sum() / total
        dy, dx = int(round(13.5 - cy)), int(round(13.5 - cx))
        out = np.roll(np.roll(out, dy, 0), dx, 1)
    return np.clip(out, 0, 1)
