"""What the network is trained to do, made visible: steps 3–6 of the chapter's forward algorithm on one image, and the
trained model's average loss against t.

Step 3 draws noise ε, step 4 jumps straight to x_t = √ᾱ_t·x0 + √(1−ᾱ_t)·ε, step 5 asks the network for its estimate
ε̂(x_t, t, text) and compares it with ε (‖ε̂ − ε‖²), and step 6 backpropagates that and moves the weights down its
gradient. noise_prediction returns
the pieces of steps 3–5 so a learner can look at them; gradient_step takes step 6 for real, on a copy of the network,
so the shipped model never changes. Images in [0, 1] outside, [-1, 1] inside, as in sampling.py.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from gendemo.diffusion.sampling import predict_eps, q_sample, to_model_range
from gendemo.diffusion.schedules import Schedule


@dataclass
class NoisePrediction:
    t: int
    x0: torch.Tensor  # (B, C, H, W) in [-1, 1]: the clean image
    eps: torch.Tensor  # the noise ε that was added (step 3)
    x_t: torch.Tensor  # the noisy image the network sees (step 4)
    eps_hat: torch.Tensor  # the network's estimate ε̂ (step 5)
    sq_error: torch.Tensor  # (B,) ‖ε̂ − ε‖², summed over pixels (step 5's comparison)
    mse: torch.Tensor  # (B,) the same per pixel: the figure the training loss (F.mse_loss) averages

    @property
    def diff(self) -> torch.Tensor:
        return self.eps_hat - self.eps


@torch.no_grad()
def noise_prediction(
    model,
    sched: Schedule,
    x0: torch.Tensor,
    t: int,
    text: torch.Tensor,
    null: torch.Tensor,
    *,
    guidance: float = 1.0,
    generator: torch.Generator | None = None,
    noise: torch.Tensor | None = None,
    precision: str = "fp32",
) -> NoisePrediction:
    """The forward algorithm's steps 3–5 for images x0 ((B, C, H, W) in [0, 1]) at one chapter step t (1..T).
    ε comes from `noise` if given, else from `generator` (one CPU generator: the same seed, the same ε on any device).
    guidance 1 is the plain conditional estimate the training asked for; 0 the unconditional one (text = ∅)."""
    t = int(t)
    if not 1 <= t <= sched.T:
        raise ValueError(f"t must be between 1 and {sched.T}, got {t}")
    dev = x0.device
    x0 = to_model_range(x0.float())
    if noise is None:
        noise = torch.randn(x0.shape, generator=generator)
    eps = noise.to(dev, torch.float32)
    x_t = q_sample(sched, x0, torch.full((x0.shape[0],), t), eps)
    eps_hat = predict_eps(model, x_t, t, text, null, guidance, precision)
    sq = (eps_hat - eps).pow(2).flatten(1).sum(1)
    return NoisePrediction(t, x0, eps, x_t, eps_hat, sq, sq / x0[0].numel())


LOSS_CURVE_T = (1, 10, 25, 50, 100, 150, 200, 250, 300, 400, 500, 600, 700, 800, 900, 950, 1000)


@torch.no_grad()
def loss_curve(
    model,
    sched: Schedule,
    x0: torch.Tensor,
    text: torch.Tensor,
    *,
    ts: Sequence[int] = LOSS_CURVE_T,
    guidance: float = 3.0,
    seed: int = 0,
    precision: str = "fp32",
) -> dict[str, list[float]]:
    """The mean per-pixel loss ‖ε̂ − ε‖²/d over the images x0 (in [0, 1], with their text rows) at each t of `ts`, for
    the unconditional estimate (∅), the conditional one (the caption, guidance 1) and the guided one (`guidance`).
    Every t uses the same ε (drawn once from `seed`), so the curves differ only in t and the prompt."""
    ts = [t for t in ts if 1 <= t <= sched.T]
    dev = x0.device
    null = model.null_embedding(x0.shape[0]).to(dev, torch.float32)
    noise = torch.randn(x0.shape, generator=torch.Generator().manual_seed(int(seed)))
    out: dict[str, list[float]] = {"t": [float(t) for t in ts], "uncond": [], "cond": [], "guided": []}
    d = x0[0].numel()
    for t in ts:
        x_t = q_sample(sched, to_model_range(x0.float()), torch.full((x0.shape[0],), t), noise.to(dev))
        cond = predict_eps(model, x_t, t, text, null, 1.0, precision)
        uncond = predict_eps(model, x_t, t, text, null, 0.0, precision)
        guided = uncond + guidance * (cond - uncond)  # as predict_eps combines its doubled batch
        for name, e in (("uncond", uncond), ("cond", cond), ("guided", guided)):
            out[name].append(((e - noise.to(dev)).pow(2).flatten(1).sum(1) / d).mean().item())
    return out


@dataclass
class GradientStep:
    lr: float  # the step size of the update w ← w − lr·∇L
    eps_before: torch.Tensor  # (1, C, H, W) the copy's ε̂ before the update (step 5)
    eps_after: torch.Tensor  # the updated copy's ε̂ for the same x_t
    loss_before: float  # per-pixel ‖ε̂ − ε‖²/d before and after: the quantity the update descends
    loss_after: float
    grad_norm: float  # ‖∇L‖ over all weights
    weight_change: float  # ‖Δw‖ / ‖w‖: how far the update moved the weights, relative to their size
    others_before: float  # the mean loss of other digits (same t, their own ε), before and after: what one example
    others_after: float  # teaches the rest of the data


def gradient_step(
    model,
    sched: Schedule,
    x0: torch.Tensor,
    t: int,
    text: torch.Tensor,
    *,
    lr: float,
    noise: torch.Tensor,
    others: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None,
) -> GradientStep:
    """Step 6 of the forward algorithm, once: backpropagation of ‖ε̂(x_t, t, text) − ε‖² (the training loss, per pixel,
    with the caption given) and one plain gradient-descent update, on a copy of `model` in fp32. x0: (1, C, H, W) in
    [0, 1]; noise: its ε. others: (images in [0, 1], their text rows, their ε) scored before and after with the same
    copy, to show what one example's update does to the rest."""
    t = int(t)
    if not 1 <= t <= sched.T:
        raise ValueError(f"t must be between 1 and {sched.T}, got {t}")
    if not lr > 0:
        raise ValueError(f"the learning rate must be positive, got {lr!r}")
    net = copy.deepcopy(model).float().eval().requires_grad_(True)  # eval: the app's networks have no dropout to vary
    dev = x0.device
    eps = noise.to(dev, torch.float32)
    x_t = q_sample(sched, to_model_range(x0.float()), torch.full((1,), t), eps)
    tt = torch.full((1,), t, device=dev, dtype=torch.long)

    def score_others() -> float:
        if others is None:
            return float("nan")
        imgs, rows, e = others
        with torch.no_grad():
            xs = q_sample(sched, to_model_range(imgs.float()), torch.full((imgs.shape[0],), t), e.to(dev))
            return F.mse_loss(net(xs, torch.full((imgs.shape[0],), t, device=dev), rows), e.to(dev)).item()

    others_before = score_others()
    eps_before = net(x_t, tt, text)  # step 5, with the graph kept for step 6
    loss = F.mse_loss(eps_before, eps)  # the training loss (per pixel)
    params = list(net.parameters())
    # backpropagation; the learned null embedding (∅) takes no part when a caption is given, so it gets no gradient
    grads = [
        g if g is not None else torch.zeros_like(p)
        for p, g in zip(params, torch.autograd.grad(loss, params, allow_unused=True), strict=True)
    ]
    w_norm = torch.sqrt(sum(p.detach().pow(2).sum() for p in params))
    with torch.no_grad():
        for p, g in zip(params, grads, strict=True):
            p.sub_(lr * g)  # gradient descent: every weight moves against its own slope
        g_norm = torch.sqrt(sum(g.pow(2).sum() for g in grads))
        eps_after = net(x_t, tt, text)
        loss_after = F.mse_loss(eps_after, eps).item()
    return GradientStep(
        lr=lr,
        eps_before=eps_before.detach(),
        eps_after=eps_after,
        loss_before=loss.item(),
        loss_after=loss_after,
        grad_norm=g_norm.item(),
        weight_change=(lr * g_norm / w_norm).item(),
        others_before=others_before,
        others_after=score_others(),
    )
