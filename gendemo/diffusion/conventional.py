"""The conventional fixes the chapter sets beside the diffusion redraw (figures 6-13 and 6-14), for 28×28 digits.

Figure 6-13 enlarges a 195×256 photo three times with bicubic interpolation; here a digit is shrunk to a third of its
side (10×10, the detail a low-resolution original lacks) and enlarged back with bicubic interpolation. Figure 6-14's
middle picture is the author's best attempt in an image editor (Gimp); here that is a 3×3 median filter (it removes
isolated specks) followed by an unsharp mask (it steepens edges), the two usual first steps.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

LOW_SIDE = 10  # 28 / 10 ≈ 2.8: about the chapter's factor of 3
UNSHARP_AMOUNT = 1.0  # how much of the detail (image − blurred) is added back
UNSHARP_SIGMA = 1.0  # the Gaussian blur the detail is measured against, in pixels


def low_resolution(x: torch.Tensor, side: int = LOW_SIDE) -> torch.Tensor:
    """(C, H, W) in [0, 1] → (C, side, side): the picture with only a third of its detail, averaged down."""
    return F.interpolate(x[None], size=(side, side), mode="area")[0]


def bicubic_upscale(x: torch.Tensor, size: int = 28) -> torch.Tensor:
    """(C, h, w) → (C, size, size) by bicubic interpolation, clipped to [0, 1] (bicubic overshoots at edges)."""
    return F.interpolate(x[None], size=(size, size), mode="bicubic", align_corners=False)[0].clamp(0, 1)


def median3(x: torch.Tensor) -> torch.Tensor:
    """(C, H, W) → the same, each pixel the median of its 3×3 neighbourhood (edges replicated)."""
    c, h, w = x.shape
    patches = F.unfold(F.pad(x[None], (1, 1, 1, 1), mode="replicate"), 3)  # (1, C·9, H·W)
    return patches.view(c, 9, h * w).median(1).values.view(c, h, w)


def unsharp(x: torch.Tensor, amount: float = UNSHARP_AMOUNT, sigma: float = UNSHARP_SIGMA) -> torch.Tensor:
    """(C, H, W) → x + amount·(x − gaussian_blur(x)), clipped to [0, 1]."""
    r = max(1, int(round(3 * sigma)))
    t = torch.arange(-r, r + 1, dtype=x.dtype)
    k = torch.exp(-(t**2) / (2 * sigma**2))
    k = k / k.sum()
    c = x.shape[0]
    pad = F.pad(x[None], (r, r, r, r), mode="replicate")
    blur = F.conv2d(pad, k.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    blur = F.conv2d(blur, k.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)[0]
    return (x + amount * (x - blur)).clamp(0, 1)


def editor_fix(x: torch.Tensor) -> torch.Tensor:
    """Figure 6-14's middle picture, for a digit: speckle removed (median), then edges sharpened (unsharp mask)."""
    return unsharp(median3(x))
