"""Tiny U-Nets for the diffusion unit tests: small enough to run a sampler in milliseconds, with every weight set."""

import torch

from gendemo.diffusion.model import build_net
from gendemo.diffusion.unet import UNetConfig

TINY = UNetConfig(channels=(8, 16, 16), cond_dim=32, groups=4, heads=2)


def tiny_net(cfg: UNetConfig = TINY, seed: int = 0):
    torch.manual_seed(seed)
    m = build_net(cfg)
    with torch.no_grad():  # the zero-initialised output layers would make ε̂ ≡ 0: give every weight a value
        for p in m.parameters():
            if p.abs().sum() == 0:
                p.normal_(0, 0.05)
    return m.eval()
