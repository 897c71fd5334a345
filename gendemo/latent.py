"""python -m gendemo.latent fit [--n 20000] [--seed 0] — fit InterFaceGAN-style semantic directions in the GAN's noise
space and write checkpoints/gan_directions.safetensors + .json. The method is gendemo/gan/latent.py."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from gendemo.classifier.model import load_classifier
from gendemo.core.device import set_threads
from gendemo.core.paths import CHECKPOINT_DIR
from gendemo.gan.latent import FIT_N, fit_directions, save_directions
from gendemo.gan.model import load_gan


def main(argv=None):
    set_threads()
    p = argparse.ArgumentParser(
        prog="python -m gendemo.latent", description="Fit semantic directions in the GAN's noise space."
    )
    sub = p.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("fit", help="fit InterFaceGAN-style directions and write gan_directions.safetensors + .json")
    f.add_argument("--n", type=int, default=FIT_N)
    f.add_argument("--seed", type=int, default=0)
    f.add_argument("--gan", default=None, help="generator checkpoint (default checkpoints/gan.safetensors)")
    f.add_argument("--out", default=None, help="default checkpoints/gan_directions.safetensors")
    a = p.parse_args(argv)
    g, gan_card = load_gan(a.gan)
    judge, _ = load_classifier()
    d = fit_directions(g, judge, n=a.n, seed=a.seed)
    out = Path(a.out) if a.out else CHECKPOINT_DIR / "gan_directions.safetensors"
    card = save_directions(out, d, gan_card)
    print(json.dumps({"out": str(out), "accuracy": card["metrics"], "seconds": d["seconds"]}))
    return card


if __name__ == "__main__":
    main()
