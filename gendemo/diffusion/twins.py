"""The schedule twins (issue #10): does the cosine schedule help the model learn, as the chapter says?

Two U-Nets trained by the same recipe — same network, data, seed, minibatches, captions, time steps t and noise ε drawn
in the same order, same steps — that differ only in the noise schedule: DDPM's linear β (`schedule_linear`) and the
cosine schedule (`schedule_cosine`). Each is evaluated on the held-out prompts at fixed fractions of its run with the
same sampler, and its card keeps those figures ("curve"), so the app can plot what each had learnt by then.

    python -m gendemo.train schedule_linear      # runs/schedule_linear, checkpoints/schedule_linear.safetensors
    python -m gendemo.train schedule_cosine

The twins are much smaller than the shipped model (narrower channels, batch 64, about eleven epochs): each trains in
about an hour on one CPU core. They only have to match each other, not the app's main model.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from gendemo.core.checkpoints import read_card
from gendemo.core.paths import CHECKPOINT_DIR
from gendemo.diffusion.train import DiffusionTask

if TYPE_CHECKING:  # annotations only: importing a task module (the app's loaders live beside some) loads no loop
    from gendemo.core.training import TaskDefaults, Trainer

TWINS = {"schedule_linear": "linear", "schedule_cosine": "cosine"}  # catalog name → the one thing that differs

# Everything else the twins share, on top of the shipped model's defaults. Narrower channels (0.82 M parameters instead
# of 1.59 M) and batch 64 make a step ≈ 2.6× cheaper on a CPU core. The EMA averages over ≈ 200 steps instead of
# ≈ 1,000: in a run of a few thousand steps the 0.999 average would still carry the weights of a quarter of the run
# ago, and each evaluation would measure an older model than its step says. The end-of-epoch check is off because the
# twins' own evaluations (TwinEval) replace it.
TWIN_OVERRIDES = {"channels": "16,32,64", "ema_decay": "0.995", "quick_eval_steps": "0"}


@dataclass(frozen=True)
class TwinEval:
    # fractions of the planned steps after which the EMA weights are evaluated; 1.0 is the exported model
    fractions: tuple[float, ...] = (0.25, 0.5, 1.0)
    # the 120 held-out prompts × 2 images = 240 (the diffusion model's own evaluation uses 4; at 2 an evaluation costs
    # 1–3 minutes on a shared core instead of 2–6)
    n_per_prompt: int = 2
    sampler: str = "ddim"  # the app's default sampler, run under each twin's own schedule
    steps: int = 25  # the app's default number of DDIM steps
    guidance: float = 3.0  # the app's default guidance scale
    seed: int = 0  # the same starting noise for both twins at every evaluation


EVAL = TwinEval()
METRICS = ("digit_accuracy", "colour_accuracy", "both_accuracy", "frechet_distance")


def eval_steps(total_steps: int, fractions=None) -> list[int]:
    """The optimiser steps (1..total_steps) after which a twin is evaluated: fraction f of the run is step ⌈f·total⌉."""
    fractions = EVAL.fractions if fractions is None else fractions
    return sorted({min(total_steps, max(1, math.ceil(f * total_steps - 1e-9))) for f in fractions})


class ScheduleTwinTask(DiffusionTask):
    """DiffusionTask with the twins' shared settings, its schedule fixed by the model name, and evaluations at
    fixed fractions of the run recorded in the resume state and the card."""

    # 10,000 steps of 64 (640,000 pictures, about eleven epochs; the shipped model saw 21,000 × 128), sized to one CPU
    # core per twin for about an hour (≈ 2.2–3 steps/s with bf16 autocast and one thread, ≈ 20–40 s an evaluation).
    # The first committed pair ran only 600 steps and showed just the start of learning (the linear twin still at
    # chance); this length lets both twins learn to draw, so the curve shows how far behind the slower one is and
    # whether it catches up. `epochs` only bounds it.
    defaults: ClassVar[TaskDefaults] = {"epochs": 20, "batch_size": 64, "lr": 1e-3, "steps": 10_000}
    kind = "schedule_cosine"

    def __init__(self, trainer: Trainer):
        if "schedule" in trainer.overrides:
            raise SystemExit(f"{self.kind}: the schedule is what the twins compare; it is fixed by the model's name")
        trainer.overrides = {**TWIN_OVERRIDES, **trainer.overrides, "schedule": TWINS[self.kind]}
        super().__init__(trainer)
        self.curve: list[dict] = []
        self._judge = None

    def setup(self, data):
        super().setup(data)
        self.eval_at = eval_steps(self.total_steps)

    def train_step(self, x, y, step):
        out = super().train_step(x, y, step)
        done = {c["step"] for c in self.curve}
        if self.trainer.dist.main and self.steps_done in self.eval_at and self.steps_done not in done:
            self.curve.append(self.evaluate_now())
            c = self.curve[-1]
            print(
                f"{self.kind} step {c['step']} ({c['fraction']:.0%}): digit {c['digit_accuracy']}, colour "
                f"{c['colour_accuracy']}, Fréchet {c['frechet_distance']} ({c['eval_seconds']} s)",
                flush=True,
            )
        return out

    def evaluate_now(self) -> dict:
        """The EMA weights on the held-out prompts, as TwinEval says; one point of the card's curve."""
        from gendemo.classifier.model import load_classifier
        from gendemo.diffusion.evaluate import evaluate_diffusion_model
        from gendemo.diffusion.model import Diffusion
        from gendemo.diffusion.text import get_encoder

        t0 = time.time()
        if self._judge is None:
            self._judge, _ = load_classifier(device=self.trainer.device)
        m = evaluate_diffusion_model(
            Diffusion(self.ema, self.sched),
            get_encoder(self.cfg.text_encoder, self.trainer.device),
            self._judge,
            n_per_prompt=EVAL.n_per_prompt,
            steps=EVAL.steps,
            guidance=EVAL.guidance,
            seed=EVAL.seed,
            sampler=EVAL.sampler,
            data_dir=self.trainer.options.data_dir,
        )
        return {
            "step": int(self.steps_done),
            "fraction": round(self.steps_done / self.total_steps, 4),
            **{k: m[k] for k in METRICS},
            "n": m["n"],
            "prompts": m["prompts"],
            "eval_seconds": round(time.time() - t0, 1),
        }

    def state(self):
        return {**super().state(), "curve": [dict(c) for c in self.curve]}

    def load_state(self, st):
        super().load_state(st)
        self.curve = [dict(c) for c in st.get("curve", [])]

    def export(self, out, training, evaluate: bool | None = None, metrics: dict | None = None):
        # The card's headline figures are the curve's last point when it was taken at this very step (the end of the
        # run), so the exported model and its figures match; a partial export carries the curve so far.
        metrics = dict(metrics or {})
        last = self.curve[-1] if self.curve and self.curve[-1]["step"] == self.steps_done else None
        if last is not None:
            metrics.update({k: last[k] for k in (*METRICS, "n", "prompts")})
        metrics.update(
            {
                "prompt_file": "eval_prompts.tsv",
                "sampler": EVAL.sampler,
                "steps": EVAL.steps,
                "guidance": EVAL.guidance,
                "seed": EVAL.seed,
                # the fraction of *this* run (a run cut short with --resume --steps keeps its earlier points)
                "curve": [{**c, "fraction": round(c["step"] / self.total_steps, 4)} for c in self.curve],
            }
        )
        return super().export(out, training, evaluate=False, metrics=metrics)


class LinearTwinTask(ScheduleTwinTask):
    kind = "schedule_linear"


class CosineTwinTask(ScheduleTwinTask):
    kind = "schedule_cosine"


def twin_card(name: str, folder: Path = CHECKPOINT_DIR) -> dict:
    """A twin's JSON card, checked against its seal (the app's figures come from here, never from code)."""
    if name not in TWINS:
        raise ValueError(f"unknown twin {name!r} (choose from {', '.join(TWINS)})")
    return read_card(Path(folder) / f"{name}.safetensors", name)


def app_load_linear(device):
    from gendemo.diffusion.model import load_diffusion

    return load_diffusion(device=device, kind="schedule_linear")[0]


def app_load_cosine(device):
    from gendemo.diffusion.model import load_diffusion

    return load_diffusion(device=device, kind="schedule_cosine")[0]
