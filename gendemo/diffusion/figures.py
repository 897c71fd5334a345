"""The data behind the chapter's figure 6-8: one image pushed towards noise under each schedule, and the curves of how
much signal each schedule keeps."""

from __future__ import annotations

from collections.abc import Sequence

import torch

from gendemo.diffusion.sampling import q_sample, to_model_range, to_unit_range
from gendemo.diffusion.schedules import make_schedule


@torch.no_grad()
def noising_rows(
    image: torch.Tensor, steps: int = 9, seed: int = 0, T: int = 1000, schedules: Sequence[str] = ("linear", "cosine")
) -> dict:
    """The same image pushed to noise under each schedule: {"t": [0, …, T], name: (steps, C, H, W) in [0, 1]}. One noise
    draw ε serves every row and column (x_t = √ᾱ_t·x0 + √(1−ᾱ_t)·ε), so rows differ only by their schedule."""
    img = image.float()
    if img.dim() == 4:
        img = img[0]
    steps = max(2, int(steps))
    ts = [int(round(i * T / (steps - 1))) for i in range(steps)]
    eps = torch.randn(img.shape, generator=torch.Generator().manual_seed(int(seed)))
    x0 = to_model_range(img.clamp(0, 1).cpu())
    out: dict = {"t": ts}
    for name in schedules:
        s = make_schedule(name, T)
        out[name] = torch.stack([to_unit_range(q_sample(s, x0[None], torch.tensor([t]), eps[None])[0]) for t in ts])
    return out


def schedule_curves(T: int = 1000, schedules: Sequence[str] = ("linear", "cosine")) -> dict:
    """For the plots beside the figure: t = 1..T and, per schedule, β_t (noise added at step t), ᾱ_t (signal kept)
    and the SNR ᾱ/(1−ᾱ)."""
    out: dict = {"t": list(range(1, T + 1))}
    for name in schedules:
        s = make_schedule(name, T)
        out[name] = {"beta": s.betas.tolist(), "alpha_bar": s.alpha_bars.tolist(), "snr": s.snr.tolist()}
    return out
