"""Noise schedules: how much of the image survives at each step of the forward process (the chapter's figure 6-8).

Indexing. The chapter counts time steps t = 1..T (t = 0 is the clean image x0, t = T pure noise). Arrays here are
0-indexed, as in diffusers: betas[i], alphas[i], alpha_bars[i] belong to chapter step t = i + 1. So β_1 = betas[0] and
ᾱ_T = alpha_bars[T - 1]. To avoid doing that arithmetic at every call site, use the accessors that take the chapter's t:
    sched.alpha_bar(t)   ᾱ_t for t in 0..T, with ᾱ_0 = 1 (nothing added yet; DDIM's last step lands there)
    sched.beta(t), sched.alpha(t)   for t in 1..T
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

SCHEDULES = ("linear", "cosine", "constant")
DEFAULT_T = 1000


def linear_betas(T: int = DEFAULT_T, beta_start: float = 1e-4, beta_end: float = 0.02) -> torch.Tensor:
    # Ho et al. 2020: β grows in equal increments. Scaled so that T = 1000 destroys the image completely.
    return torch.linspace(beta_start, beta_end, T, dtype=torch.float64)


def constant_betas(T: int = DEFAULT_T, beta_start: float = 1e-4, beta_end: float = 0.02) -> torch.Tensor:
    # The chapter's words read literally: "the same amount of noise at every step". DDPM's "linear" schedule is linear
    # in β, the noise added per step, which grows 200-fold. With β fixed at the linear schedule's mean the total
    # Σβ is the same, so both end at the same ᾱ_T (≈ 4e-5), but the constant one spends its noise early.
    return torch.full((T,), (beta_start + beta_end) / 2, dtype=torch.float64)


def cosine_alpha_bar(t: torch.Tensor, T: int, s: float = 0.008) -> torch.Tensor:
    # Nichol & Dhariwal 2021: ᾱ(t) = f(t)/f(0), f(t) = cos²(((t/T) + s)/(1 + s) · π/2). The offset s keeps β_1 from
    # being vanishingly small.
    f = lambda u: torch.cos((u / T + s) / (1 + s) * math.pi / 2) ** 2
    return f(t.double()) / f(torch.zeros((), dtype=torch.float64))


def cosine_betas(T: int = DEFAULT_T, s: float = 0.008, max_beta: float = 0.999) -> torch.Tensor:
    # β_t = 1 − ᾱ(t)/ᾱ(t−1), clipped at 0.999: near t = T the ratio goes to 0 and β to 1, which would make the last
    # reverse steps divide by √α ≈ 0.
    t = torch.arange(1, T + 1, dtype=torch.float64)
    betas = 1 - cosine_alpha_bar(t, T, s) / cosine_alpha_bar(t - 1, T, s)
    return betas.clamp(max=max_beta)


@dataclass(frozen=True)
class Schedule:
    name: str
    T: int
    betas: torch.Tensor  # (T,) float32, betas[i] = β_{t=i+1}
    alphas: torch.Tensor  # (T,) 1 − β
    alpha_bars: torch.Tensor  # (T,) ᾱ_t = Π_{s≤t} α_s: the share of signal *power* kept at step t
    snr: torch.Tensor  # (T,) signal-to-noise ratio ᾱ/(1 − ᾱ)
    alpha_bars_padded: torch.Tensor  # (T+1,) with ᾱ_0 = 1 in front, so that alpha_bars_padded[t] is ᾱ_t for chapter t

    def alpha_bar(self, t):
        return self.alpha_bars_padded[torch.as_tensor(t, dtype=torch.long)]

    def beta(self, t):
        return self.betas[torch.as_tensor(t, dtype=torch.long) - 1]

    def alpha(self, t):
        return self.alphas[torch.as_tensor(t, dtype=torch.long) - 1]

    def to(self, device) -> Schedule:
        return Schedule(
            self.name,
            self.T,
            *(getattr(self, k).to(device) for k in ("betas", "alphas", "alpha_bars", "snr", "alpha_bars_padded")),
        )


def make_schedule(name: str = "cosine", T: int = DEFAULT_T) -> Schedule:
    if name == "linear":
        betas = linear_betas(T)
    elif name == "cosine":
        betas = cosine_betas(T)
    elif name == "constant":
        betas = constant_betas(T)
    else:
        raise ValueError(f"unknown schedule {name!r} (choose from {', '.join(SCHEDULES)})")
    # Products in float64, then float32: a float32 cumprod over 1000 factors drifts by ~1e-6, visible against diffusers.
    alphas = 1 - betas
    alpha_bars = torch.cumprod(alphas, 0)
    snr = alpha_bars / (1 - alpha_bars)
    padded = torch.cat([torch.ones(1, dtype=torch.float64), alpha_bars])
    f32 = lambda a: a.to(torch.float32)
    return Schedule(name, T, f32(betas), f32(alphas), f32(alpha_bars), f32(snr), f32(padded))
