"""One training CLI for every model:  python -m gendemo.train MODEL [options]

The shared loop is gendemo/core/training.py; each model's Task is the `task` column of gendemo/catalog.py.

    python -m gendemo.train classifier --epochs 8
    torchrun --nproc_per_node=2 -m gendemo.train gan --device cpu    # DDP: gloo on CPU, NCCL on GPUs
"""

from __future__ import annotations

import argparse

from gendemo.catalog import names_with
from gendemo.core.training import Trainer, TrainOptions
from gendemo.gan.recipes import RECIPES


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m gendemo.train", description="Train one of gendemo's models.")
    p.add_argument("model", choices=names_with("task"))
    p.add_argument("--device", default="auto", help="auto | cpu | cuda")
    p.add_argument("--precision", default="auto", help="auto | fp32 | bf16 | fp16 (autocast)")
    p.add_argument("--epochs", type=int, default=None, help="default: the model's own")
    p.add_argument("--steps", type=int, default=None, help="stop after this many optimiser steps in total")
    p.add_argument("--batch-size", type=int, default=None, help="global batch (split across DDP ranks)")
    p.add_argument("--lr", type=float, default=None)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--resume", action="store_true", help="continue from RUN_DIR/state.safetensors")
    p.add_argument("--data-dir", default=None, help="MNIST root (default ./data or $GENDEMO_DATA_DIR)")
    p.add_argument("--limit", type=int, default=None, help="use only the first N training images (tests, smoke runs)")
    p.add_argument("--out", default=None, help="inference weights (default checkpoints/MODEL.safetensors)")
    p.add_argument("--run-dir", default=None, help="resume state and logs (default runs/MODEL)")
    p.add_argument(
        "--save-every", type=float, default=300.0, help="seconds between resumable saves (and at every epoch end)"
    )
    p.add_argument("--no-eval", action="store_true", help="skip the evaluation that fills the card's metrics")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.add_argument("--recipe", choices=list(RECIPES), default=None, help="GAN only: chapter (as printed) or remedy")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a model config field")
    return p


def options_from(args: argparse.Namespace) -> TrainOptions:
    """The typed options, built here once: each flag is the field of the same name; --set's KEY=VALUE pairs become
    the overrides dict. A flag added to the parser without a field fails here, on every run, not in a task."""
    fields = vars(args).copy()
    overrides = dict(kv.split("=", 1) for kv in fields.pop("set"))
    return TrainOptions(**fields, overrides=overrides)


def main(argv=None):
    return Trainer(options_from(build_parser().parse_args(argv))).run()


if __name__ == "__main__":
    main()
