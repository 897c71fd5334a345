"""python -m gendemo.evaluate MODEL  — measures a committed model; the last line printed is one JSON object.

    classifier  accuracy on the 10,000 MNIST test digits
"""
from __future__ import annotations

import argparse
import json
import time

import torch

from .checkpoints import CHECKPOINT_DIR, atomic_save_json, card_path, read_card
from .classifier import load_classifier, predict
from .data import load_mnist
from .device import resolve_device, set_threads

EVALUATORS = {}


def evaluator(name):
    def deco(fn):
        EVALUATORS[name] = fn
        return fn

    return deco


@torch.no_grad()
def evaluate_classifier_model(model, data_dir=None, device=None) -> dict:
    device = device or next(model.parameters()).device
    t0 = time.time()
    test = load_mnist("test", data_dir, device)
    probs, _ = predict(model, test.images)
    acc = (probs.argmax(1) == test.labels).float().mean().item()
    return {"accuracy": round(acc, 5), "n": len(test), "seconds": round(time.time() - t0, 2)}


@evaluator("classifier")
def _classifier(args, device):
    model, _ = load_classifier(args.checkpoint, device)
    return {"model": "classifier", **evaluate_classifier_model(model, args.data_dir, device)}


def main(argv=None):
    set_threads()
    p = argparse.ArgumentParser(prog="python -m gendemo.evaluate", description="Measure a trained gendemo model.")
    p.add_argument("model", choices=["classifier", "gan", "cgan", "diffusion", "real"])
    p.add_argument("--device", default="auto")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--checkpoint", default=None, help="weights to evaluate (default checkpoints/MODEL.safetensors)")
    p.add_argument("--n", type=int, default=None, help="samples to generate (generative models)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--update-card", action="store_true", help="write the figures into the checkpoint's card")
    p.add_argument("--prompts", default=None, help="diffusion: another prompt file (digit TAB colour TAB prompt) instead of "
                                                   "gendemo/eval_prompts.tsv, e.g. gendemo/eval_prompts_fresh.tsv")
    args = p.parse_args(argv)
    if args.prompts and (args.model != "diffusion" or args.update_card):
        p.error("--prompts is for the diffusion model, and its figures do not go into the card")
    if args.model not in EVALUATORS:
        _load_plugins()
    device = resolve_device(args.device)
    result = EVALUATORS[args.model](args, device)
    if args.update_card:
        path = args.checkpoint or CHECKPOINT_DIR / f"{args.model}.safetensors"
        card = read_card(path)
        card["metrics"] = {k: v for k, v in result.items() if k != "model"}
        atomic_save_json(card, card_path(path))
    print(json.dumps(result))
    return result


def _load_plugins():
    # The generative models register their evaluators in their own modules.
    import importlib

    for mod in ("gendemo.gan_eval", "gendemo.diffusion_eval"):
        try:
            importlib.import_module(mod)
        except ModuleNotFoundError as e:
            if e.name != mod:
                raise
    # Under `python -m gendemo.evaluate` this module runs as __main__, while the plugins register with the imported
    # gendemo.evaluate: take their registrations from there.
    EVALUATORS.update(importlib.import_module("gendemo.evaluate").EVALUATORS)


if __name__ == "__main__":
    main()
