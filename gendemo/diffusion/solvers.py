"""The samplers side by side: one prompt embedding and one seed through each sampler, timed.

The seed fixes x_T, the pure noise every sampler starts from (generate_stream draws it first from the seeded
generator), so the runs differ only in how they walk back to x_0: DDPM takes all T steps and adds fresh noise at each,
DDIM and DPM-Solver++ 2M take a deterministic path through `steps` of them. Every step of every sampler costs one guided
pass of the network, so the step count is the price; the wall time says what it was on this machine.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch

from gendemo.diffusion.sampling import DEFAULT_GUIDANCE, SAMPLERS, ddim_timesteps, generate

# DPM-Solver++ 2M driving the guidance-distilled network (catalog diffusion_distilled): the solver comparison's and
# the bench's name for it
DISTILLED = "dpmpp2m_distilled"


def sampler_of(solver: str) -> str:
    """The sampler a solver name runs (the distilled one: DPM-Solver++ 2M, on the other network)."""
    return "dpmpp2m" if solver == DISTILLED else solver


@dataclass(frozen=True)
class SolverRun:
    sampler: str
    steps: int  # reverse steps taken, i.e. guided network passes (T for DDPM)
    seconds: float  # wall time of the sampling alone (the prompt was encoded before), images back on the CPU
    images: torch.Tensor  # (P·n, 3, 28, 28) in [0, 1], prompt by prompt as generate orders them


def steps_taken(sampler: str, steps: int, T: int) -> int:
    """How many reverse steps `sampler` takes when asked for `steps` (DDPM ignores the number: it takes all T)."""
    if sampler not in SAMPLERS:
        raise ValueError(f"unknown sampler {sampler!r} (choose from {', '.join(SAMPLERS)})")
    return T if sampler == "ddpm" else len(ddim_timesteps(T, steps))


@torch.no_grad()
def run_solver(
    model,
    text_emb: torch.Tensor,
    sampler: str,
    *,
    steps: int,
    n: int = 1,
    seed: int = 0,
    guidance: float = DEFAULT_GUIDANCE,
    precision: str = "auto",
    callback=None,
) -> SolverRun:
    """n images for each row of text_emb (P, 384) with `sampler`, from the noise that `seed` gives, timed.
    callback(frame) sees every 5th step (a progress bar; its time counts)."""
    taken = steps_taken(sampler, steps, model.schedule.T)
    t0 = time.perf_counter()
    images = generate(
        model,
        None,
        [""] * text_emb.shape[0],
        n=n,
        steps=steps,
        guidance=guidance,
        seed=seed,
        sampler=sampler,
        precision=precision,
        text_emb=text_emb,
        callback=callback,
    ).cpu()  # on a GPU the copy waits for the work, so the time is the work's
    return SolverRun(sampler, taken, time.perf_counter() - t0, images)
