"""Guidance distillation (issue #10, the speed goal): one network pass per sampling step instead of two.

Classifier-free guidance asks the trained U-Net (the teacher) twice at every step — with the prompt and with the null
embedding — and combines ε̂ = ε̂(x, ∅) + w·(ε̂(x, text) − ε̂(x, ∅)). A student network that also takes w as an input can
learn that combination directly (stage one of Meng et al., "On Distillation of Guided Diffusion Models", 2023): it
starts as a copy of the teacher, gets a guidance embedding whose output layer starts at zero, and regresses the
teacher's guided estimate,

    loss = ‖ε̂_student(x_t, t, text, w) − [ε̂(x_t, ∅) + w·(ε̂(x_t, text) − ε̂(x_t, ∅))]‖²,

on the teacher's own training inputs (coloured, captioned MNIST noised to a uniform t) and w drawn over the app's range.
Sampling is then unchanged — the same DDIM / DPM-Solver++ / DDPM updates — but each step costs one pass of B images,
not one of 2B. The student learns the teacher's w, not a new one: its figures are compared with the teacher's.

    python -m gendemo.train diffusion_distilled          # runs/diffusion_distilled, checkpoints/diffusion_distilled.*
"""

from __future__ import annotations

import copy
import dataclasses
from typing import TYPE_CHECKING, ClassVar

import torch
import torch.nn.functional as F

from gendemo.core.checkpoints import read_card, sha256_file
from gendemo.core.config import config_from_card
from gendemo.core.device import autocast
from gendemo.core.paths import CHECKPOINT_DIR
from gendemo.diffusion.fast_unet import FastUNet
from gendemo.diffusion.model import load_diffusion
from gendemo.diffusion.sampling import q_sample
from gendemo.diffusion.train import DiffusionTask
from gendemo.diffusion.unet import UNetConfig

if TYPE_CHECKING:  # annotations only: importing a task module (the app's loaders live beside some) loads no loop
    from gendemo.core.training import TaskDefaults, Trainer

TEACHER = "diffusion"
# The scales the student learns: half the batch anywhere on the app's slider (0–10), half where people mostly use it
# (1–5, around the default 3), so the common range gets most of the practice without the ends being left out.
GUIDANCE_RANGE = (0.0, 10.0)
GUIDANCE_COMMON = (1.0, 5.0)


def draw_guidance(b: int, generator: torch.Generator) -> torch.Tensor:
    """(b,) guidance scales: the first half uniform on GUIDANCE_RANGE, the second on GUIDANCE_COMMON."""
    lo, hi = torch.tensor([GUIDANCE_RANGE, GUIDANCE_COMMON]).T.repeat_interleave(torch.tensor([b - b // 2, b // 2]), 1)
    return lo + (hi - lo) * torch.rand(b, generator=generator)


class AutocastTeacher:
    """The teacher's module under bf16 autocast, without gradients: the teacher on a GPU, where FastUNet's CPU layout
    (bf16 channels-last for oneDNN) has nothing to offer."""

    def __init__(self, net):
        self.net = net

    @torch.no_grad()
    def __call__(self, x, t, text) -> torch.Tensor:
        with autocast(x.device, "bf16"):
            return self.net(x, t, text).float()


def guided_target(teacher, x_t, t, text, null, w) -> torch.Tensor:
    """The teacher's classifier-free guided ε̂ for each image at its own t and w, (B, 3, 28, 28) fp32: both halves
    as one doubled batch of the teacher's bf16 inference copy (FastUNet on a CPU, AutocastTeacher elsewhere)."""
    out = teacher(torch.cat([x_t, x_t]), torch.cat([t, t]), torch.cat([text, null]))
    cond, uncond = out.chunk(2)
    return uncond + w.view(-1, 1, 1, 1) * (cond - uncond)


class GuidanceDistillTask(DiffusionTask):
    """The diffusion model's training loop with the teacher's guided ε̂ as the target instead of the added noise."""

    # A fine-tune, not a training from scratch: the student starts as the teacher. 3,000 steps of 64 at a tenth of the
    # teacher's learning rate, sized to about an hour of this machine's two CPU cores (a step costs a doubled teacher
    # pass besides the student's own). A run planned in steps: `epochs` bounds it only when given on the command line.
    defaults: ClassVar[TaskDefaults] = {"epochs": 10, "batch_size": 64, "lr": 2e-4, "steps": 3_000}
    kind = "diffusion_distilled"
    loss_text = "‖ε̂(x_t, t, text, w) − [ε̂(x_t, ∅) + w·(ε̂(x_t, text) − ε̂(x_t, ∅))]‖² (teacher: diffusion), t uniform"

    def __init__(self, trainer: Trainer):
        # its shape and its starting weights are the teacher's (init_from would start it from another network)
        fixed = {f.name for f in dataclasses.fields(UNetConfig)} | {"init_from"}
        unet = sorted(k for k in trainer.overrides if k in fixed)
        if unet:
            raise SystemExit(f"{self.kind}: the student copies the teacher's network; it cannot change {unet}")
        # No auxiliary text loss (the teacher's text features are copied, not relearnt); the EMA over ≈ 200 steps, as
        # the short schedule-twin runs use; a warm-up of 100 steps.
        trainer.overrides = {"text_aux_weight": "0", "ema_decay": "0.995", "warmup_steps": "100", **trainer.overrides}
        super().__init__(trainer)
        card = read_card(CHECKPOINT_DIR / f"{TEACHER}.safetensors", TEACHER)  # setup() loads its weights
        # the teacher's architecture, plus the guidance input
        self.ucfg = dataclasses.replace(config_from_card(UNetConfig, card["config"]), guidance_input=True)

    def setup(self, data):
        super().setup(data)
        teacher_path = CHECKPOINT_DIR / f"{TEACHER}.safetensors"
        teacher, card = load_diffusion(teacher_path, self.trainer.device, kind=TEACHER)
        if card.get("schedule") != self.cfg.schedule or card.get("timesteps") != self.cfg.timesteps:
            raise SystemExit(f"{self.kind}: the student must use the teacher's schedule ({card.get('schedule')})")
        missing, unexpected = self.model.load_state_dict(teacher.net.state_dict(), strict=False)
        if unexpected or any(not k.startswith("guidance_mlp.") for k in missing):
            raise RuntimeError(f"teacher and student differ beyond the guidance input: {missing} {unexpected}")
        # The null embedding stays the teacher's: dropped captions reach student and teacher as the same vector.
        self.model.null_text.requires_grad_(False)
        self.ema = copy.deepcopy(self.model).eval().requires_grad_(False)
        net = teacher.net.eval()
        self.teacher = FastUNet(net) if self.trainer.device.type == "cpu" else AutocastTeacher(net)
        self.teacher_sha256 = sha256_file(teacher_path)

    def train_step(self, x, y, step):
        g = self.gen
        self.model.train()
        x0, text, _, _ = self.make_batch(x, y)  # the teacher's own inputs: captions, some swapped for the null
        b, dev = x0.shape[0], x0.device
        t = torch.randint(1, self.sched.T + 1, (b,), generator=g)
        eps = torch.randn(x0.shape, generator=g).to(dev)
        x_t = q_sample(self.sched, x0, t, eps)
        w = draw_guidance(b, g).to(dev)
        target = guided_target(self.teacher, x_t, t.to(dev), text, self.model.null_embedding(b).detach(), w)
        lr = self.lr_at(step)
        for group in self.opt.param_groups:
            group["lr"] = lr
        with self.trainer.autocast():
            pred = self.net(x_t, t.to(dev), text, guidance=w)
        loss = F.mse_loss(pred.float(), target)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        gn = torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.grad_clip)
        self.opt.step()
        self._update_ema(step)
        self.steps_done = step + 1
        return {"loss": loss.detach(), "grad_norm": gn.detach(), "lr": lr}

    def card_extra(self) -> dict:
        return {
            "distilled_from": {"checkpoint": f"{TEACHER}.safetensors", "sha256": self.teacher_sha256},
            "guidance_range": list(GUIDANCE_RANGE),
        }


def app_loader(device):
    return load_diffusion(device=device, kind="diffusion_distilled")[0]
