"""Sampling the GANs: noise vectors in, digits out as tensors in [0, 1]. All noise comes from one seeded CPU
torch.Generator, so a seed gives the same digits on any device."""

from __future__ import annotations

import torch

from gendemo.gan.model import CondGenerator, Generator


def noise(n: int, dim: int, seed: int) -> torch.Tensor:
    # Drawn on the CPU from one seeded generator, so a seed gives the same digits on any device.
    return torch.randn(n, dim, generator=torch.Generator().manual_seed(int(seed)))


@torch.no_grad()
def generate(g: Generator, z: torch.Tensor, batch: int = 2000) -> torch.Tensor:
    """(N, noise) → (N, 1, 28, 28) in [0, 1], in batches: the 1024-wide layer of 10,000 digits at once is 40 MB."""
    dev = next(g.parameters()).device
    z = z.reshape(-1, z.shape[-1])  # one vector (noise,) counts as a batch of one
    out = [g(z[i : i + batch].to(dev, torch.float32)).float() for i in range(0, len(z), batch)]
    return (torch.cat(out) + 1) / 2  # tanh range → [0, 1]


@torch.no_grad()
def sample_gan(g: Generator, n: int, seed: int) -> torch.Tensor:
    return generate(g, noise(n, g.cfg.noise_dim, seed))


@torch.no_grad()
def generate_cond(g: CondGenerator, z: torch.Tensor, digits: torch.Tensor, batch: int = 500) -> torch.Tensor:
    """(N, noise) noise and (N,) digits → (N, 1, 28, 28) in [0, 1], in batches: one batch's feature maps (500 × 128
    channels × 14 × 14) are 50 MB, where 10,000 digits at once took gigabytes. Eval-mode batch norm makes the result
    independent of the batching."""
    g.eval()
    dev = next(g.parameters()).device
    out = [
        g(z[i : i + batch].to(dev, torch.float32), digits[i : i + batch].to(dev)).float()
        for i in range(0, len(z), batch)
    ]
    return (torch.cat(out) + 1) / 2  # tanh range → [0, 1]


@torch.no_grad()
def sample_cgan(g: CondGenerator, digits: torch.Tensor, seed: int) -> torch.Tensor:
    """One noise vector per entry of `digits`, all drawn from `seed` (the CLI, the app and the evaluator agree)."""
    return generate_cond(g, noise(len(digits), g.cfg.noise_dim, seed), digits)
