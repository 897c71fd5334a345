"""What the network is trained to do, made visible: steps 3–6 of the chapter's forward algorithm on one image, and the
trained model's average loss against t.

Step 3 draws noise ε, step 4 jumps straight to x_t = √ᾱ_t·x0 + √(1−ᾱ_t)·ε, step 5 asks the network for its estimate
ε̂(x_t, t, text), and step 6 backpropagates ‖ε̂ − ε‖². Here nothing is backpropagated: the functions return the pieces
so a learner can look at them. Images in [0, 1] outside, [-1, 1] inside, as in sampling.py.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from gendemo.diffusion.sampling import predict_eps, q_sample, to_model_range
from gendemo.diffusion.schedules import Schedule


@dataclass
class NoisePrediction:
    t: int
    x0: torch.Tensor  # (B, C, H, W) in [-1, 1]: the clean image
    eps: torch.Tensor  # the noise ε that was added (step 3)
    x_t: torch.Tensor  # the noisy image the network sees (step 4)
    eps_hat: torch.Tensor  # the network's estimate ε̂ (step 5)
    sq_error: torch.Tensor  # (B,) ‖ε̂ − ε‖², summed over pixels (step 6)
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
    """The forward algorithm's steps 3–6 for images x0 ((B, C, H, W) in [0, 1]) at one chapter step t (1..T).
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
