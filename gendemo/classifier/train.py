"""Training step for the digit classifier (used by python -m gendemo.train classifier)."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

import numpy as np
import torch
import torch.nn.functional as F

from gendemo.classifier.model import Classifier, ClassifierConfig
from gendemo.core.checkpoints import save_checkpoint
from gendemo.core.config import apply_overrides

if TYPE_CHECKING:  # annotations only: importing a task module (the app's loaders live beside some) loads no loop
    from gendemo.core.training import TaskDefaults, Trainer


def random_affine(
    x: torch.Tensor, generator: torch.Generator | None = None, max_rot=12.0, max_shift=2.5, scale=(0.9, 1.1)
) -> torch.Tensor:
    """Small per-sample rotation/scale/shift, done on the device with one grid_sample (augmentation for training)."""
    b = x.shape[0]
    dev = x.device
    r = torch.rand(b, 4, generator=generator).to(dev)
    ang = (r[:, 0] * 2 - 1) * max_rot * np.pi / 180
    s = scale[0] + r[:, 1] * (scale[1] - scale[0])
    tx, ty = [(v * 2 - 1) * max_shift * 2 / x.shape[-1] for v in (r[:, 2], r[:, 3])]
    cos, sin = torch.cos(ang) / s, torch.sin(ang) / s
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")


class ClassifierTask:
    defaults: ClassVar[TaskDefaults] = {"epochs": 8, "batch_size": 128, "lr": 3e-3}

    def __init__(self, trainer: Trainer):
        self.trainer = trainer
        self.cfg = apply_overrides(ClassifierConfig(), trainer.overrides)

    def setup(self, data):
        self.model = Classifier(self.cfg)
        self.net = self.trainer.wrap(self.model)
        self.opt = torch.optim.AdamW(self.net.parameters(), lr=self.trainer.lr, weight_decay=1e-4)
        per_rank = max(1, self.trainer.batch_size // self.trainer.dist.world)
        steps_per_epoch = max(1, (len(data) // self.trainer.dist.world) // per_rank)
        total = (
            self.trainer.epochs * steps_per_epoch
        )  # planned over the epochs; --steps only stops early, so a resumed run agrees
        # One-cycle: warm up, then cosine down to ~0 — the usual quick route to >99.3 % on MNIST.
        self.sched = torch.optim.lr_scheduler.OneCycleLR(
            self.opt, max_lr=self.trainer.lr, total_steps=max(total, 2), pct_start=0.15
        )
        self.gen = torch.Generator().manual_seed(self.trainer.options.seed + 17 * self.trainer.dist.rank)

    def train_step(self, x, y, step):
        self.net.train()
        x = random_affine(x, self.gen)
        with self.trainer.autocast():
            loss = F.cross_entropy(self.net(x), y, label_smoothing=0.05)
        self.opt.zero_grad(set_to_none=True)
        loss.backward()
        self.opt.step()
        if self.sched.last_epoch + 1 < self.sched.total_steps:
            self.sched.step()
        return {"loss": loss.detach()}

    def end_epoch(self, epoch, means):
        return {}

    def state(self):
        return {
            "model": self.model.state_dict(),
            "opt": self.opt.state_dict(),
            "sched": self.sched.state_dict(),
            "gen": self.gen.get_state(),
        }

    def load_state(self, st):
        self.model.load_state_dict(st["model"])
        self.opt.load_state_dict(st["opt"])
        self.sched.load_state_dict(st["sched"])
        self.gen.set_state(st["gen"])

    def export(self, out, training):
        metrics = {}
        if not self.trainer.options.no_eval:
            from gendemo.classifier.evaluate import evaluate_classifier_model

            metrics = evaluate_classifier_model(self.model.eval(), self.trainer.options.data_dir)
        return save_checkpoint(
            out, self.model.state_dict(), kind="classifier", config=self.cfg, training=training, metrics=metrics
        )
