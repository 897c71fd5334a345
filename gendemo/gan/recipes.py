"""Recipes for training the chapter's MLP GAN: the choices its nine-step loop leaves open, written down.

The chapter fixes the architecture (10 → 256 → 512 → 1024 → 784 and back to 1), the labels (1 for real, 0 for fake), the
200 epochs of 468 minibatches (so batch 128); it does not name the optimiser, its learning rate or β1. Both recipes use
Adam with the DCGAN paper's settings (lr 2e-4, β1 0.5), the usual choice for this kind of network.
"""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Recipe:
    real_label: float  # D's target for real images: 1 as in the chapter; 0.9 is one-sided label smoothing
    d_dropout: float  # dropout after each of D's hidden layers: none in the chapter; 0.3 slows D down
    lr_g: float = 2e-4  # Adam learning rate of the generator
    lr_d: float = 2e-4  # Adam learning rate of the discriminator
    beta1: float = 0.5  # Adam β1: 0.9 (Adam's default) makes the two networks' tug of war oscillate more
    batch_size: int = 128  # 60,000 / 128 = the chapter's 468 minibatches an epoch
    d_steps: int = 1  # discriminator updates per generator update (steps 1-5 repeated before steps 6-8)
    noise_dim: int = 10  # the chapter's ten numbers drawn from N(0, 1)

    def with_changes(self, **changes) -> Recipe:
        return replace(self, **changes)


RECIPES = {
    # Exactly the chapter's loop: real 1, fake 0, nothing added.
    "chapter": Recipe(real_label=1.0, d_dropout=0.0),
    # What the shipped gan.safetensors was trained with: a discriminator kept from winning too easily, so the generator
    # keeps getting a useful signal for every digit (KL to uniform 0.020 nats against the chapter recipe's ≈ 0.1).
    "remedy": Recipe(real_label=0.9, d_dropout=0.3),
}


def recipe(name: str) -> Recipe:
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r} (choose from {', '.join(RECIPES)})")
    return RECIPES[name]
