"""Asking a trained discriminator about any picture: the chapter's D(x), the probability that x is a real digit.

The GAN's D scores one image (or, for a packed D, a pack of images judged together: a single picture is then shown to it
as a pack of copies of itself). The conditional GAN's D scores an image *with* a digit label: a well-drawn 3 presented
as a 5 should be called fake, because real pairs always match.
"""

from __future__ import annotations

import torch

from gendemo.gan.model import CondDiscriminator, Discriminator

NOISE_SEED_OFFSET = 77_000  # pure-noise pictures draw from their own seeds, apart from the generators' noise


@torch.no_grad()
def real_probability(d: torch.nn.Module, x: torch.Tensor, digits: torch.Tensor | None = None) -> torch.Tensor:
    """x: (B, 1, 28, 28) in [0, 1]; digits: (B,) labels for the conditional D. → (B,) sigmoid(D(x)) in [0, 1]."""
    dev = next(d.parameters()).device
    x = (x.to(dev, torch.float32) * 2 - 1).clamp(-1, 1)  # pixels in the generator's tanh range, as D was trained
    if isinstance(d, CondDiscriminator):
        if digits is None:
            raise ValueError("the conditional discriminator needs a digit label per image")
        logits = d(x, digits.to(dev))
    elif isinstance(d, Discriminator):
        if digits is not None:
            raise ValueError("the unconditional discriminator takes no labels")
        logits = d(x.repeat_interleave(d.pack, 0))  # (B·pack, …) → (B,): each picture packed with copies of itself
    else:
        raise ValueError(f"not a discriminator: {type(d).__name__}")
    return torch.sigmoid(logits.float()).cpu()


@torch.no_grad()
def under_every_label(d: CondDiscriminator, x: torch.Tensor) -> torch.Tensor:
    """One image (1, 1, 28, 28) → (10,): the conditional D's verdict when the image is presented as 0, 1, …, 9."""
    return real_probability(d, x.expand(10, -1, -1, -1), torch.arange(10))


def pure_noise(n: int, seed: int) -> torch.Tensor:
    """(n, 1, 28, 28) uniform random pixels in [0, 1]: what no digit looks like."""
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(NOISE_SEED_OFFSET + int(seed)))


def app_load_test_images(device) -> dict:
    """The 10,000 MNIST test digits (never seen by any discriminator) as uint8 (N, 1, 28, 28) with their labels."""
    from gendemo.core.data import load_mnist

    d = load_mnist("test", device="cpu")
    return {"images": (d.images * 255).round().to(torch.uint8), "labels": d.labels.cpu()}
