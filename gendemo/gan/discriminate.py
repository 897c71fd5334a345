"""Asking a trained discriminator about any picture: the chapter's D(x), the probability that x is a real digit.

The GAN's D scores one image (or, for a packed D, a pack of images judged together: a single picture is then shown to it
as a pack of copies of itself). A D that also reads how much its group of pictures varies (minibatch standard
deviation) was trained on groups, all real or all fake: a batch is judged in groups as in training, and a picture on its
own is judged among a few real digits (its `company`), since alone it would have no spread at all.
The conditional GAN's D scores an image *with* a digit label: a well-drawn 3 presented as a 5 should be called fake,
because real pairs always match.
"""

from __future__ import annotations

import torch

from gendemo.gan.model import CondDiscriminator, Discriminator

NOISE_SEED_OFFSET = 77_000  # pure-noise pictures draw from their own seeds, apart from the generators' noise


@torch.no_grad()
def real_probability(
    d: torch.nn.Module, x: torch.Tensor, digits: torch.Tensor | None = None, company: torch.Tensor | None = None
) -> torch.Tensor:
    """x: (B, 1, 28, 28) in [0, 1]; digits: (B,) labels for the conditional D; company: (≥ group − 1, 1, 28, 28) real
    digits in [0, 1] that each picture is judged among, for a D that reads its group's spread. → (B,) sigmoid(D(x))."""
    dev = next(d.parameters()).device
    x = (x.to(dev, torch.float32) * 2 - 1).clamp(-1, 1)  # pixels in the generator's tanh range, as D was trained
    if isinstance(d, CondDiscriminator):
        if digits is None:
            raise ValueError("the conditional discriminator needs a digit label per image")
        logits = d(x, digits.to(dev))
    elif isinstance(d, Discriminator):
        if digits is not None:
            raise ValueError("the unconditional discriminator takes no labels")
        if d.group and company is not None:
            logits = d(_among(x, company, d.group))[: len(x)]  # each picture's own verdict, read inside its group
        else:
            logits = d(x.repeat_interleave(d.pack, 0))  # (B·pack, …) → (B,): each picture packed with copies of itself
    else:
        raise ValueError(f"not a discriminator: {type(d).__name__}")
    return torch.sigmoid(logits.float()).cpu()


def _among(x: torch.Tensor, company: torch.Tensor, group: int) -> torch.Tensor:
    """(B, …) pictures → (group·B, …): picture i with the same group − 1 companions. minibatch_spread groups images
    i, i + B, i + 2B, … of this batch, so block 0 is the pictures and block k the k-th companion repeated B times."""
    if len(company) < group - 1:
        raise ValueError(f"a group of {group} needs {group - 1} companions, got {len(company)}")
    comp = (company[: group - 1].to(x.device, torch.float32) * 2 - 1).clamp(-1, 1)
    blocks = [x] + [c.expand_as(x) for c in comp]
    return torch.cat(blocks)


@torch.no_grad()
def under_every_label(d: CondDiscriminator, x: torch.Tensor) -> torch.Tensor:
    """One image (1, 1, 28, 28) → (10,): the conditional D's verdict when the image is presented as 0, 1, …, 9."""
    return real_probability(d, x.expand(10, -1, -1, -1), torch.arange(10))


def pure_noise(n: int, seed: int) -> torch.Tensor:
    """(n, 1, 28, 28) uniform random pixels in [0, 1]: what no digit looks like."""
    return torch.rand(n, 1, 28, 28, generator=torch.Generator().manual_seed(NOISE_SEED_OFFSET + int(seed)))


def app_load_test_images(device) -> dict:
    """The 10,000 MNIST test digits (never seen by any discriminator) as uint8 (N, 1, 28, 28) with their labels."""
    from gendemo.core.data import load_mnist_bytes

    d = load_mnist_bytes("test")
    return {"images": d.images, "labels": d.labels}
