"""The trained diffusion model: a noise-predicting U-Net and the schedule it was trained under, rebuilt from its card.

The network knows nothing about schedules; the sampler needs both, so they travel together as one `Diffusion`
(the split lucidrains' GaussianDiffusion(model, beta_schedule=…) and diffusers' unet + scheduler make).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import torch

from gendemo.core.checkpoints import build_checked, card_path, load_checkpoint
from gendemo.core.config import Bound, config_from_card, ints, one_of
from gendemo.core.paths import CHECKPOINT_DIR
from gendemo.diffusion.schedules import DEFAULT_T, SCHEDULES, Schedule, make_schedule
from gendemo.diffusion.unet import UNet, UNetConfig


@dataclass(frozen=True)
class Diffusion:
    net: UNet  # ε̂(x_t, t, text): the network of the forward algorithm's step 5
    schedule: Schedule  # the ᾱ_t it was trained with; sampling under another schedule would mis-scale every step

    @property
    def device(self) -> torch.device:
        return next(self.net.parameters()).device


@dataclass(frozen=True)
class ScheduleSpec:
    """The card's top-level `schedule` and `timesteps`, checked like a config before the schedule is computed."""

    schedule: str = "cosine"
    timesteps: int = DEFAULT_T

    BOUNDS: ClassVar[dict[str, Bound]] = {"schedule": one_of(*SCHEDULES), "timesteps": ints(1, 10_000)}


def build_net(config: dict | UNetConfig) -> UNet:
    return UNet(config if isinstance(config, UNetConfig) else config_from_card(UNetConfig, config))


def load_diffusion(path: str | Path | None = None, device="cpu", kind: str = "diffusion") -> tuple[Diffusion, dict]:
    """A committed text-conditioned U-Net (EMA weights) in fp32 on `device`, eval mode, and its schedule from the card.
    `kind` names the catalog row (the shipped "diffusion", or a schedule twin); the file defaults to
    checkpoints/KIND.safetensors."""
    path = Path(path or CHECKPOINT_DIR / f"{kind}.safetensors")
    state, card = load_checkpoint(path, kind)
    given = {k: card[k] for k in ("schedule", "timesteps") if k in card}
    spec = config_from_card(ScheduleSpec, given, card_path(path), kind)
    net = build_checked(lambda: build_net(card["config"]), state, path, kind)
    # Schedule lookups are scalars read per step: the schedule stays on the CPU whatever device the network runs on.
    schedule = make_schedule(spec.schedule, spec.timesteps)
    return Diffusion(net.to(device).eval(), schedule), card


def app_loader(device) -> Diffusion:
    return load_diffusion(device=device)[0]
