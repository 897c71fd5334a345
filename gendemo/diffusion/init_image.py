"""An uploaded or drawn image → a starting point for img2img that looks like the training images: a coloured digit on
black, prepared as MNIST was (cropped to the ink, scaled into 20×20, centred by mass)."""

from __future__ import annotations

import numpy as np
import torch
from PIL import Image, ImageFilter

from gendemo.classifier.preprocess import mnist_preprocess
from gendemo.core.images import alpha_of, open_image


def prepare_init(path) -> torch.Tensor:
    """Any image file → (3, 28, 28) in [0, 1] in the training images' look: a coloured stroke on black, prepared as
    MNIST (cropped, scaled into 20×20, centred by mass). Strokes on a transparent canvas (a sketchpad) are read from the
    alpha channel; dark ink on a light page becomes light ink on black. The stroke keeps its hue; black or grey ink
    becomes white."""
    return prepare_init_array(np.asarray(open_image(path), np.float32) / 255, alpha_of(path))  # RGB: alpha over white


# A digit never touches the picture's edge, so ink on the border is noise: a scan's speckle. Above this mean border
# ink the picture is median-filtered before cropping; otherwise the speckle sets the crop box (the whole frame) and the
# digit is shrunk to about two thirds of MNIST's 20-pixel height (examples/blurry_4.png came out 14 pixels tall).
SPECKLE_BORDER_INK = 0.03


def despeckle(ink: np.ndarray) -> np.ndarray:
    """(H, W) ink in [0, 1] → the same with single-pixel speckle removed, when its border shows speckle. The median
    window covers about one pixel of the final 28×28 picture, so strokes (several final pixels wide) survive."""
    border = np.concatenate([ink[0], ink[-1], ink[:, 0], ink[:, -1]])
    if border.mean() <= SPECKLE_BORDER_INK * max(float(ink.max()), 1e-6):
        return ink
    size = max(3, round(min(ink.shape) / 28) | 1)  # odd, ≥ 3
    img = Image.fromarray((np.clip(ink, 0, 1) * 255).astype(np.uint8)).filter(ImageFilter.MedianFilter(size))
    return np.asarray(img, np.float32) / 255


def prepare_init_array(rgb, alpha=None) -> torch.Tensor:
    """prepare_init on pixels: rgb (H, W, 3) float in [0, 1], alpha (H, W) in [0, 1] or None."""
    if alpha is not None and alpha.min() < 0.99:
        ink = alpha
    else:
        lum = rgb.mean(-1)
        border = np.concatenate([lum[0], lum[-1], lum[:, 0], lum[:, -1]])
        ink = 1 - rgb.min(-1) if np.median(border) > 0.5 else rgb.max(-1)  # light page: the ink is what is not white
    ink = despeckle(ink)
    digit = mnist_preprocess(ink)  # (28, 28)
    # Training digits sit on pure black with strokes that saturate at 1. A noisy scan's speckle is cropped and shrunk
    # with the digit into a grey haze around it; the model never saw one, keeps it and redraws broken strokes
    # (examples/blurry_4.png). The haze is the median of the digit's box, where most pixels are background — unless that
    # median is bright, as in a "1" whose narrow box is nearly all stroke: then there is no haze to take off.
    ys, xs = np.nonzero(digit)
    if ys.size:
        haze = float(np.median(digit[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]))
        if haze < 0.3 * digit.max():
            digit = np.clip(digit - haze, 0, None)
        digit = digit / digit.max()  # full contrast
    mask = ink > 0.5 * ink.max() if ink.max() > 0 else np.zeros_like(ink, bool)
    colour = rgb[mask].mean(0) if mask.any() else np.ones(3, np.float32)
    colour = np.ones(3, np.float32) if colour.max() - colour.min() < 0.15 else colour / max(colour.max(), 1e-6)
    return torch.from_numpy(digit)[None] * torch.from_numpy(colour.astype(np.float32))[:, None, None]
