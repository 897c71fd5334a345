"""One pass of the chapter's GAN loop (the nine steps listed under figure 6-1), shared by the training CLI
(gendemo/gan/train.py) and the live trainer in the app (gendemo/gan/live.py): one copy of the algorithm.

    1. a minibatch of fakes from the current generator      2. a minibatch of real images
    3. unfreeze D      4. fakes labelled 0 and reals labelled 1 through D      5. a gradient step on D
    6. freeze D        7. a fresh minibatch of noise      8. through G and D, labelled "real": a gradient step on G only
    9. repeat from step 1
D outputs a logit; the chapter's sigmoid probability is sigmoid(logit), and the loss is the same cross-entropy computed
from the logit (numerically safer).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

import torch
import torch.nn.functional as F


def bce(logits: torch.Tensor, target: float) -> torch.Tensor:
    return F.binary_cross_entropy_with_logits(logits.float(), torch.full_like(logits.float(), target))


def update(opt: torch.optim.Optimizer, loss: torch.Tensor) -> None:
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    # the gradients are spent: let them go now, not at the next step (a live run waiting for its turn holds no
    # gradient buffers, 11.7 MB for the chapter's G and D; thirty runs share one server)
    opt.zero_grad(set_to_none=True)


def discriminator_step(G, D, opt_d, real, z, *, real_label: float = 1.0, autocast: Callable = contextlib.nullcontext):
    """Steps 1-5. real: (B, 1, 28, 28) in [-1, 1]; z: (B, noise). Returns the loss, D's logits on the reals and fakes
    (as scored before this update), and the fakes."""
    D.requires_grad_(True)  # step 3
    with autocast():
        fake = G(z).detach()  # step 1 (no gradient flows back into G here)
        d_real, d_fake = D(real), D(fake)  # step 4
        loss = bce(d_real, real_label) + bce(d_fake, 0.0)
    update(opt_d, loss)  # step 5
    return loss.detach(), d_real.detach(), d_fake.detach(), fake


def generator_step(G, D, opt_g, z, *, autocast: Callable = contextlib.nullcontext):
    """Steps 6-8: D frozen, fresh noise z through G and D with every fake labelled real; only G's weights move.
    Returns the loss, D's logits on these fakes (before G's update) and the fakes."""
    D.requires_grad_(False)  # step 6
    with autocast():
        fake = G(z)
        d_fake = D(fake)
        loss = bce(d_fake, 1.0)  # step 8: labelled "real"
    update(opt_g, loss)
    D.requires_grad_(True)
    return loss.detach(), d_fake.detach(), fake.detach()


def scores(logits: torch.Tensor) -> torch.Tensor:
    """D's probability that each image is real (the chapter's sigmoid output)."""
    return torch.sigmoid(logits.float())
