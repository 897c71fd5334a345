"""The diffusion model's two algorithms from the chapter, and the functions the app calls.

Forward (training) algorithm — repeated until the model is trained:
  1. pick a training image x0;  2. pick t uniformly in 1..T;  3. sample noise ε ~ N(0, I);
  4. x_t = √ᾱ_t·x0 + √(1−ᾱ_t)·ε  (straight from x0 to step t: no need to add noise t times);
  5. feed x_t to the network and compare its noise estimate ε̂ with ε;  6. backpropagate ‖ε̂ − ε‖².
Reverse (sampling) algorithm — start from pure noise x_T and for t = T..1:
  1. unless this is the last step (x_1 → x_0), sample z ~ N(0, I);
  2. x_{t−1} = x_t minus the network's (scaled) noise estimate, plus σ_t·z.
DDIM is the same network run on a short, deterministic path through the steps (10–100 instead of T): η = 0, trailing
timestep spacing, x̂0 clipped to [-1, 1] (by default only at low noise: see CLIP_MODES), sampler arithmetic in fp32.
DPM-Solver++ 2M (Lu et al. 2022) walks the same short path, but each step also uses the previous step's x̂0 to bend
the path (a second-order multistep method in log-SNR), so 10–25 steps land closer to where 1,000 would.

Images are in [0, 1] outside this module and in [-1, 1] inside it (the noise is N(0, 1); the data should sit on a
comparable scale). Every function that samples is @torch.no_grad() and returns images in [0, 1]. All random numbers come
from one seeded CPU torch.Generator, so a seed gives the same images on CPU and GPU (up to the network's float
rounding).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F

from gendemo.core.device import autocast, resolve_precision
from gendemo.diffusion import fast_unet
from gendemo.diffusion.handover import HandoverNet
from gendemo.diffusion.schedules import Schedule

if TYPE_CHECKING:
    from gendemo.diffusion.model import Diffusion

SAMPLERS = ("ddim", "ddpm", "dpmpp2m")
DEFAULT_STEPS = 25  # DDIM steps for the app's default: fast on a CPU and already clean on MNIST
# The app's guidance scale. On the 120 held-out prompts (DDIM 25) both the model and its distilled copy drew the asked
# digit more often at 4 than at 3 in every sample measured, at a small cost in variety (docs/RESULTS.md, "Guidance 4").
DEFAULT_GUIDANCE = 4.0
# the app's guidance side by side: off, the prompt used plainly, the default, exaggerated
GUIDANCE_SIDE_BY_SIDE = (0.0, 1.0, DEFAULT_GUIDANCE, 7.0)


def to_model_range(x01: torch.Tensor) -> torch.Tensor:
    return x01 * 2 - 1


def to_unit_range(x: torch.Tensor) -> torch.Tensor:
    return ((x.float() + 1) / 2).clamp(0, 1)


def _bcast(v: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return v.to(device=x.device, dtype=torch.float32).reshape(-1, *([1] * (x.dim() - 1)))


# ---- forward process and the training loss ----


def q_sample(sched: Schedule, x0: torch.Tensor, t, noise: torch.Tensor) -> torch.Tensor:
    """Step 4 of the forward algorithm: x_t = √ᾱ_t·x0 + √(1−ᾱ_t)·ε, for chapter steps t (0..T; t = 0 gives x0)."""
    ab = _bcast(sched.alpha_bar(torch.as_tensor(t).cpu()), x0)
    return ab.sqrt() * x0 + (1 - ab).sqrt() * noise


def training_loss(
    model: torch.nn.Module, sched: Schedule, x0: torch.Tensor, text: torch.Tensor, generator: torch.Generator
) -> torch.Tensor:
    """One pass of the forward algorithm on a minibatch x0 (already in [-1, 1]) with its text embeddings.
    Call inside autocast if wanted; the loss is computed in fp32."""
    b = x0.shape[0]
    t = torch.randint(1, sched.T + 1, (b,), generator=generator)  # step 2: uniform in 1..T (not 0..T−1)
    eps = torch.randn(x0.shape, generator=generator).to(x0.device)  # step 3
    x_t = q_sample(sched, x0, t, eps)  # step 4
    eps_hat = model(x_t, t.to(x0.device), text)  # step 5
    return F.mse_loss(eps_hat.float(), eps)  # step 6 backpropagates this


# ---- the network's noise estimate, with classifier-free guidance ----


def predict_eps(
    model,
    x: torch.Tensor,
    t: int,
    text: torch.Tensor,
    null: torch.Tensor,
    guidance: float,
    precision: str = "fp32",
    *,
    fast: bool = True,
) -> torch.Tensor:
    """ε̂ = ε̂(x, ∅) + g·(ε̂(x, text) − ε̂(x, ∅)). Conditional and unconditional inputs go through the network as ONE
    doubled batch. g = 1 is the conditional prediction exactly (no second pass); g = 0 the unconditional one.
    fast: bf16 or fp32 on the CPU runs through fast_unet.FastUNet (the same function, ≈ 1.5× faster); False keeps the
    plain module (under autocast for bf16): the reference it is tested against, and the benchmark's baseline."""
    b = x.shape[0]
    if isinstance(model, HandoverNet):  # two networks on one path, chosen by the step
        model = model.at(t)
    if getattr(getattr(model, "cfg", None), "guidance_input", False):  # distilled: one pass with w gives the guided ε̂
        if fast and fast_unet.usable(model, x.device, precision):
            return fast_unet.for_net(model, precision).eps(x, t, text, null, guidance)
        tt = torch.full((b,), int(t), device=x.device, dtype=torch.long)
        with autocast(x.device, precision):
            return model(x, tt, text, guidance=torch.full((b,), float(guidance), device=x.device)).float()
    if fast and fast_unet.usable(model, x.device, precision):
        net = fast_unet.for_net(model, precision)
        if guidance in (0, 1):
            tt = torch.full((b,), int(t), dtype=torch.long)
            return net(x, tt, text if guidance == 1 else null)
        return net.eps(x, t, text, null, guidance)
    tt = torch.full((b,), int(t), device=x.device, dtype=torch.long)
    with autocast(x.device, precision):
        if guidance == 1:
            return model(x, tt, text).float()
        if guidance == 0:
            return model(x, tt, null).float()
        out = model(torch.cat([x, x]), torch.cat([tt, tt]), torch.cat([text, null])).float()
    cond, uncond = out.chunk(2)
    return uncond + guidance * (cond - uncond)  # fp32 arithmetic whatever the network ran in


# Below this ᾱ_t the image carries no usable signal (the cosine schedule's ᾱ_T ≈ 2e-9): x̂0 from ε̂ would divide the
# network's rounding error by √ᾱ_t ≈ 5e-5, and even clipped it is a random ±1 pattern whose mean (0) is far from the
# data's (mostly black background). There the best estimate of x0 is the training data's mean, which trailing DDIM's
# first step uses.
ALPHA_BAR_FLOOR = 1e-6
# The mean pixel of coloured MNIST in [-1, 1]: 0.1307 (MNIST ink) × 0.60 (palette mean) × 0.95 (jitter), rescaled.
DATA_MEAN = -0.85


# When x̂0 is clipped to the data range [-1, 1]. "always" is the textbook choice. "late" clips only once ᾱ_t ≥ 0.5: at
# high noise the network's x̂0 errors straddle the black background's −1, and a clip removes only the negative half — a
# bias of ~0.4σ per background pixel that the later steps keep as a grey or coloured tint. Measured on this model (100
# held-out prompts, DDIM 25, guidance 3): "always" 62 % colour accuracy, background 0.11; "late" 99 %, background 0.02.
CLIP_MODES = ("late", "always", "never")
CLIP_LATE_ALPHA_BAR = 0.5


def predict_x0(
    sched: Schedule, x_t: torch.Tensor, t: int, eps: torch.Tensor, clip: str = "late", data_mean: float = DATA_MEAN
) -> torch.Tensor:
    # Invert step 4: x̂0 = (x_t − √(1−ᾱ_t)·ε̂)/√ᾱ_t.
    if clip not in CLIP_MODES:
        raise ValueError(f"unknown clip mode {clip!r} (choose from {', '.join(CLIP_MODES)})")
    ab = float(sched.alpha_bar(t))
    if ab < ALPHA_BAR_FLOOR:
        return torch.full_like(x_t, data_mean)
    x0 = (x_t - math.sqrt(1 - ab) * eps) / math.sqrt(ab)
    if clip == "always" or (clip == "late" and ab >= CLIP_LATE_ALPHA_BAR):
        x0 = x0.clamp(-1, 1)
    return x0


# ---- the reverse process ----


def ddim_timesteps(T: int, steps: int, t_start: int | None = None) -> list[int]:
    """Chapter steps visited by DDIM, 'trailing' spacing (Lin et al. 2023, diffusers' timestep_spacing='trailing'):
    start exactly at t_start (= T: pure noise) and step down evenly; the final jump lands on t = 0 (ᾱ_0 = 1)."""
    t_start = T if t_start is None else t_start
    steps = max(1, min(int(steps), t_start))
    ts = [int(round(t_start - i * t_start / steps)) for i in range(steps)]
    return sorted(set(ts), reverse=True)


@dataclass
class Frame:
    step: int  # reverse steps done so far
    steps: int  # reverse steps in all
    t: int  # chapter time step reached (0 at the end)
    x_t: torch.Tensor  # the current noisy images, [0, 1] for display
    x0: torch.Tensor  # the network's current guess of the clean images, [0, 1]
    done: bool = False  # the last frame: x0 is the result


@dataclass
class DDPMStep:
    """One step x_t → x_{t−1} of the chapter's reverse algorithm, in [-1, 1], taken apart:
    x_{t−1} = inv_sqrt_alpha·x_t − removed + noise, where `removed` is the scaled noise estimate
    inv_sqrt_alpha·eps_coef·ε̂ (with x̂0 unclipped exactly that; with x̂0 clipped, the ε consistent with the clipped x̂0)
    and `noise` is σ_t·z (zero on the last step)."""

    t: int
    x_t: torch.Tensor
    eps: torch.Tensor  # ε̂, the network's noise estimate
    x0: torch.Tensor  # x̂0, the clean image that ε̂ implies
    removed: torch.Tensor
    noise: torch.Tensor
    x_prev: torch.Tensor
    inv_sqrt_alpha: float  # 1/√α_t
    eps_coef: float  # β_t/√(1−ᾱ_t)
    sigma: float  # σ_t = √(β_t(1−ᾱ_{t−1})/(1−ᾱ_t)), the posterior's standard deviation


def ddpm_step(
    sched: Schedule, x_t: torch.Tensor, t: int, eps: torch.Tensor, z: torch.Tensor | None, clip: str = "late"
) -> DDPMStep:
    """Step 2 of the reverse algorithm for chapter step t (1..T), given the network's ε̂ and the fresh noise z (None
    on the last step, t = 1). Pure arithmetic on the schedule: the sampler draws z, so a seed fixes every step."""
    t = int(t)
    if not 1 <= t <= sched.T:
        raise ValueError(f"t must be between 1 and {sched.T}, got {t}")
    x0 = predict_x0(sched, x_t, t, eps, clip)
    ab_t, ab_p = float(sched.alpha_bar(t)), float(sched.alpha_bar(t - 1))
    beta, alpha = float(sched.beta(t)), float(sched.alpha(t))
    # The mean of the posterior q(x_{t−1} | x_t, x̂0) written as the chapter writes it: x_t minus the scaled noise
    # estimate, (x_t − β_t/√(1−ᾱ_t)·ε̂)/√α_t. Where x̂0 was clipped (or replaced by the data mean), ε̂ is replaced by
    # the noise that the clipped x̂0 implies, which gives the posterior mean for that x̂0 exactly. (This form also
    # avoids β_t/(1−ᾱ_t) at t = 1, where 1 − ᾱ_1 is a float32 difference of numbers near 1.)
    raw = (x_t - math.sqrt(1 - ab_t) * eps) / math.sqrt(ab_t)  # x̂0 as predict_x0 computes it before any clip or floor
    eps_eff = torch.where(x0 == raw, eps, (x_t - math.sqrt(ab_t) * x0) / math.sqrt(1 - ab_t))
    inv, eps_coef = 1 / math.sqrt(alpha), beta / math.sqrt(1 - ab_t)
    removed = (inv * eps_coef) * eps_eff
    sigma = math.sqrt(beta * (1 - ab_p) / (1 - ab_t))  # the posterior's variance σ_t² = β_t(1−ᾱ_{t−1})/(1−ᾱ_t)
    noise = sigma * z if (z is not None and t > 1) else torch.zeros_like(x_t)  # step 1: no new noise on x_1 → x_0
    return DDPMStep(t, x_t, eps, x0, removed, noise, inv * x_t - removed + noise, inv, eps_coef, sigma)


@torch.no_grad()  # a generator function: torch keeps gradients off across each resumption
def ddpm_walk(
    model,
    sched: Schedule,
    x: torch.Tensor,
    text: torch.Tensor,
    *,
    guidance: float = DEFAULT_GUIDANCE,
    generator: torch.Generator,
    t_start: int | None = None,
    t_stop: int = 0,
    precision: str = "fp32",
    clip: str = "late",
    shared_noise: bool = False,
) -> Iterator[DDPMStep]:
    """The chapter's reverse algorithm one step at a time, from x = x_{t_start} down to x_{t_stop}: a DDPMStep per t.
    Draws z from `generator` exactly as reverse_process(sampler="ddpm") does, so a seed gives the same path.
    shared_noise: every image of the batch gets the same fresh z at each step (one draw of (1, C, H, W)), so that
    images starting from the same x_T differ only by their text: the fixed-seed experiment with DDPM."""
    t_start = sched.T if t_start is None else int(t_start)
    null = model.null_embedding(x.shape[0]).to(x.device, torch.float32)
    x = x.float()
    z_shape = (1, *x.shape[1:]) if shared_noise else x.shape
    for t in range(t_start, int(t_stop), -1):
        eps = predict_eps(model, x, t, text, null, guidance, precision)
        z = torch.randn(z_shape, generator=generator).to(x.device).expand(x.shape) if t > 1 else None
        step = ddpm_step(sched, x, t, eps, z, clip)
        x = step.x_prev
        yield step


def _log_snr(ab: float) -> float:
    # λ = log(α/σ) with α = √ᾱ, σ = √(1 − ᾱ): DPM-Solver's time variable
    return 0.5 * (math.log(ab) - math.log1p(-ab))


def dpmpp_2m_update(
    sched: Schedule,
    x: torch.Tensor,
    t: int,
    tp: int,
    x0: torch.Tensor,
    prev: tuple[int, torch.Tensor] | None,
) -> torch.Tensor:
    """One DPM-Solver++(2M) step (Lu et al. 2022, 'midpoint' form, as diffusers' DPMSolverMultistepScheduler) from
    chapter step t to tp < t, given x̂0 at t and `prev` = (the previous step's t, its x̂0), or None for a first-order
    step. With h = λ_tp − λ_t:
        first order:  x_tp = (σ_tp/σ_t)·x − α_tp·(e^{−h} − 1)·x̂0        (= DDIM with the ε that x̂0 implies)
        second order: x̂0 is replaced by D = x̂0 + (x̂0 − x̂0_prev)/(2r),  r = (λ_t − λ_prev)/h
    Landing on tp = 0 (σ = 0) gives x̂0 itself."""
    ab_p = float(sched.alpha_bar(tp))
    if tp == 0 or ab_p >= 1.0:
        return x0
    ab_t = float(sched.alpha_bar(t))
    a_p, s_p, s_t = math.sqrt(ab_p), math.sqrt(1 - ab_p), math.sqrt(1 - ab_t)
    lam_t, lam_p = _log_snr(ab_t), _log_snr(ab_p)
    h = lam_p - lam_t
    d = x0
    if prev is not None:
        r = (lam_t - _log_snr(float(sched.alpha_bar(prev[0])))) / h
        d = x0 + (x0 - prev[1]) / (2 * r)
    return (s_p / s_t) * x - (a_p * math.expm1(-h)) * d


def reverse_process(
    model,
    sched: Schedule,
    x: torch.Tensor,
    text: torch.Tensor,
    *,
    sampler: str = "ddim",
    steps: int = DEFAULT_STEPS,
    guidance: float = DEFAULT_GUIDANCE,
    generator: torch.Generator,
    t_start: int | None = None,
    precision: str = "fp32",
    every: int = 1,
    clip: str = "late",
    fast: bool = True,
) -> Iterator[Frame]:
    """Runs the reverse algorithm from x (= x_{t_start}, in [-1, 1]) down to x_0, yielding a Frame every `every` steps
    and always the last one. `generator` is the one CPU generator that all noise comes from. fast: see predict_eps."""
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r} (choose from {', '.join(SAMPLERS)})")
    t_start = sched.T if t_start is None else int(t_start)
    null = model.null_embedding(x.shape[0]).to(x.device, torch.float32)
    x = x.float()
    if sampler == "ddpm":
        ts = list(range(t_start, 0, -1))  # all steps, as the chapter's reverse algorithm
        prevs = [t - 1 for t in ts]
    else:
        ts = ddim_timesteps(sched.T, steps, t_start)
        prevs = ts[1:] + [0]
    n = len(ts)
    prev = None  # DPM-Solver++: the previous step's (t, x̂0)
    for i, (t, tp) in enumerate(zip(ts, prevs)):
        eps = predict_eps(model, x, t, text, null, guidance, precision, fast=fast)
        if sampler == "ddpm":
            z = torch.randn(x.shape, generator=generator).to(x.device) if t > 1 else None  # step 1: fresh noise z
            step = ddpm_step(sched, x, t, eps, z, clip)
            x, x0 = step.x_prev, step.x0
        elif sampler == "dpmpp2m":
            x0 = predict_x0(sched, x, t, eps, clip)
            # first order on the first step (no history yet) and on the last one (diffusers' final_sigmas_type="zero")
            x = dpmpp_2m_update(sched, x, t, tp, x0, prev if i < n - 1 else None)
            prev = (t, x0)
        else:
            # DDIM with η = 0: move x̂0 to the previous step's noise level along the same predicted noise; no new noise.
            x0 = predict_x0(sched, x, t, eps, clip)
            ab_p = float(sched.alpha_bar(tp))
            x = math.sqrt(ab_p) * x0 + math.sqrt(1 - ab_p) * eps
        last = i == n - 1
        if last or (every > 0 and (i + 1) % every == 0):
            yield Frame(i + 1, n, tp, to_unit_range(x), to_unit_range(x if last else x0.clamp(-1, 1)), last)


# ---- prompts → embeddings ----


def embed_prompts(net, encoder, prompts: Sequence[str], *, translate: bool = True) -> tuple[torch.Tensor, list[str]]:
    """(P, 384) conditioning rows on the network's device and the English text actually encoded. An empty prompt (or a
    Chinese one with no word the glossary knows) gets the learned null embedding: unconditional sampling. With
    translate, Chinese goes through the glossary and everyday colour words become palette colours (crimson → red)."""
    from gendemo.diffusion.text import prepare_prompt

    dev = next(net.parameters()).device
    texts = [(prepare_prompt(p).text if translate else p).strip() for p in prompts]
    emb = net.null_embedding(len(texts)).detach().to(dev, torch.float32).clone()
    idx = [i for i, s in enumerate(texts) if s]
    if idx:
        enc = (
            encoder.encode([texts[i] for i in idx]) if hasattr(encoder, "encode") else encoder([texts[i] for i in idx])
        )
        emb[idx] = enc.to(dev, torch.float32)
    return emb, texts


# ---- the functions the app, the CLIs and the evaluator call: a Diffusion (net + schedule) in, images in [0, 1] out


@torch.no_grad()
def generate_stream(
    model: Diffusion,
    encoder,
    prompts: Sequence[str] | str,
    *,
    n: int = 1,
    steps: int = DEFAULT_STEPS,
    guidance: float = DEFAULT_GUIDANCE,
    seed: int = 0,
    sampler: str = "ddim",
    every: int = 5,
    precision: str = "auto",
    text_emb: torch.Tensor | None = None,
    clip: str = "late",
    fast: bool = True,
    start: bool = False,
) -> Iterator[Frame]:
    """Text → images, streamed: Frames every `every` reverse steps; the last has done=True and x0 = the (P·n, 3, 28, 28)
    result in [0, 1], ordered prompt by prompt (image i·n + k is sample k of prompt i). `text_emb` (P, 384) replaces
    encoding the prompts (the evaluator encodes once). start: first a Frame at step 0, x_T itself (pure noise), with a
    grey x0 (no step has guessed anything yet)."""
    if isinstance(prompts, str):
        prompts = [prompts]
    net, dev = model.net, model.device
    emb = text_emb.to(dev, torch.float32) if text_emb is not None else embed_prompts(net, encoder, prompts)[0]
    emb = emb.repeat_interleave(n, 0)
    x, g = pure_noise(model, emb.shape[0], seed)
    yield from stream_from(
        model, x, emb, g, sampler=sampler, steps=steps, guidance=guidance, precision=precision, every=every,
        clip=clip, fast=fast, start=start,
    )  # fmt: skip


def pure_noise(model: Diffusion, rows: int, seed: int) -> tuple[torch.Tensor, torch.Generator]:
    """x_T (rows, C, 28, 28) on the model's device, drawn from a CPU generator seeded with `seed`, and that generator
    (DDPM draws its later noise from it): one seed gives the same x_T on every device and in every batch."""
    g = torch.Generator().manual_seed(int(seed))
    return torch.randn((rows, model.net.cfg.in_channels, 28, 28), generator=g).to(model.device), g


@torch.no_grad()
def stream_from(
    model: Diffusion,
    x: torch.Tensor,
    emb: torch.Tensor,
    generator: torch.Generator,
    *,
    sampler: str,
    steps: int,
    guidance: float,
    precision: str = "auto",
    every: int = 5,
    clip: str = "late",
    fast: bool = True,
    start: bool = False,
) -> Iterator[Frame]:
    """generate_stream from x_T = x (N, C, 28, 28) and the rows' conditioning emb (N, 384), with `generator` for the
    noise DDPM adds at each step; start: first the Frame of x_T itself."""
    if start:
        T = model.schedule.T
        k = T if sampler == "ddpm" else len(ddim_timesteps(T, steps))
        yield Frame(0, k, T, to_unit_range(x), torch.full_like(x, 0.5))
    yield from reverse_process(
        model.net,
        model.schedule,
        x,
        emb,
        sampler=sampler,
        steps=steps,
        guidance=guidance,
        generator=generator,
        precision=resolve_precision(precision, model.device),
        every=every,
        clip=clip,
        fast=fast,
    )


def _last(frames: Iterator[Frame], callback: Callable[[Frame], object] | None) -> torch.Tensor:
    for f in frames:
        if callback is not None:
            callback(f)
        if f.done:
            return f.x0
    raise RuntimeError("the reverse process yielded no final frame")


@torch.no_grad()
def generate(
    model: Diffusion,
    encoder,
    prompts: Sequence[str] | str,
    *,
    callback: Callable[[Frame], object] | None = None,
    **options,
) -> torch.Tensor:
    """(P·n, 3, 28, 28) images in [0, 1]: generate_stream's last frame (same keyword options); callback(frame) sees
    every frame on the way."""
    return _last(generate_stream(model, encoder, prompts, **options), callback)


@torch.no_grad()
def img2img_stream(
    model: Diffusion,
    encoder,
    image: torch.Tensor,
    prompt: str | Sequence[str],
    *,
    strength: float = 0.5,
    n: int = 1,
    steps: int = DEFAULT_STEPS,
    guidance: float = DEFAULT_GUIDANCE,
    seed: int = 0,
    sampler: str = "ddim",
    every: int = 5,
    precision: str = "auto",
    clip: str = "late",
    fast: bool = True,
) -> Iterator[Frame]:
    """The chapter's "start from a noised image": noise `image` (3×28×28 or 1×28×28, or a batch, in [0, 1]) up to step
    t = strength·T, then run the reverse process from there. strength is the share of the schedule applied: 0 returns
    the image unchanged, 1 starts from pure noise (DreamStudio's slider runs the other way: its % is the image kept).
    One prompt for all images, or a list with one per image of a batch."""
    strength = float(strength)
    if not 0.0 <= strength <= 1.0 or math.isnan(strength):
        raise ValueError(f"strength must be between 0 and 1, got {strength}")
    net, sched, dev = model.net, model.schedule, model.device
    img = image.float()
    if img.dim() == 3:
        img = img[None]
    if img.shape[1] == 1:
        img = img.expand(-1, 3, -1, -1)
    if img.shape[1] != net.cfg.in_channels or tuple(img.shape[-2:]) != (28, 28):
        raise ValueError(f"img2img expects (B, 3, 28, 28) images in [0, 1], got {tuple(image.shape)}")
    img = img.clamp(0, 1).to(dev)
    if img.shape[0] == 1 and n > 1:
        img = img.expand(n, -1, -1, -1)
    b = img.shape[0]
    t_start = int(round(strength * sched.T))
    if t_start == 0:  # nothing applied: the image itself
        yield Frame(0, 0, 0, img.clone(), img.clone(), True)
        return
    emb = embed_prompts(net, encoder, [prompt] if isinstance(prompt, str) else list(prompt))[0]
    if emb.shape[0] not in (1, b):
        raise ValueError(f"img2img got {emb.shape[0]} prompts for {b} images: give one, or one per image")
    emb = emb.expand(b, -1)
    g = torch.Generator().manual_seed(int(seed))
    eps = torch.randn(img.shape, generator=g).to(dev)
    x = eps if t_start >= sched.T else q_sample(sched, to_model_range(img), torch.full((b,), t_start), eps)
    k = max(1, math.ceil(steps * t_start / sched.T))  # DDIM: the same step size as a full run of `steps`
    yield from reverse_process(
        net,
        sched,
        x,
        emb,
        sampler=sampler,
        steps=k,
        guidance=guidance,
        generator=g,
        t_start=t_start,
        precision=resolve_precision(precision, dev),
        every=every,
        clip=clip,
        fast=fast,
    )


@torch.no_grad()
def img2img(
    model: Diffusion,
    encoder,
    image: torch.Tensor,
    prompt: str | Sequence[str],
    *,
    callback: Callable[[Frame], object] | None = None,
    **options,
) -> torch.Tensor:
    """img2img_stream's last frame (same keyword options)."""
    return _last(img2img_stream(model, encoder, image, prompt, **options), callback)


@torch.no_grad()
def same_noise_batch(
    model: Diffusion,
    text_emb: torch.Tensor,
    *,
    seed: int = 0,
    guidance: float = DEFAULT_GUIDANCE,
    steps: int = DEFAULT_STEPS,
    sampler: str = "ddim",
    precision: str = "auto",
    on_step: Callable[[int, int], object] | None = None,
) -> torch.Tensor:
    """The fixed-seed prompt experiment: (P, 3, 28, 28) images in [0, 1], one per row of text_emb (P, 384), in one
    batch. Every prompt starts from the *same* x_T (the first noise image of this seed, as `generate(n=1)` would draw
    it). DDIM and DPM-Solver++ add no noise after that; DDPM adds fresh noise at each of its 1,000 steps, the same for
    every prompt. Either way the prompts are the only difference. on_step(steps done, steps) after each step."""
    net, dev = model.net, model.device
    g = torch.Generator().manual_seed(int(seed))
    x1 = torch.randn((1, net.cfg.in_channels, 28, 28), generator=g)
    x = x1.expand(text_emb.shape[0], -1, -1, -1).contiguous().to(dev)
    emb, precision = text_emb.to(dev, torch.float32), resolve_precision(precision, dev)
    if sampler == "ddpm":  # reverse_process would draw a different z per image
        for st in ddpm_walk(net, model.schedule, x, emb, guidance=guidance, generator=g, precision=precision,
                            shared_noise=True):  # fmt: skip
            x = st.x_prev
            if on_step is not None:
                on_step(model.schedule.T - st.t + 1, model.schedule.T)
        return to_unit_range(x.clamp(-1, 1))
    frames = reverse_process(
        net,
        model.schedule,
        x,
        emb,
        sampler=sampler,
        steps=steps,
        guidance=guidance,
        generator=g,
        precision=precision,
        every=1 if on_step is not None else 0,
    )
    return _last(frames, None if on_step is None else lambda f: on_step(f.step, f.steps))
