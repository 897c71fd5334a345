"""The GANs' subcommands of python -m gendemo.sample:

python -m gendemo.sample gan  --n 64 --seed 0 --out samples/gan
python -m gendemo.sample gan  --recipe chapter --n 64 --seed 0 --out samples/gan_chapter
python -m gendemo.sample cgan --digit 7 --n 64 --seed 0 --out samples/cgan7
"""

from __future__ import annotations

import argparse

import torch

from gendemo.core.cli_args import add_output_args
from gendemo.gan.model import load_cgan, load_gan
from gendemo.gan.recipes import DEFAULT, RECIPES, artifact
from gendemo.gan.sampling import generate, noise, sample_cgan


def _digit(v: str):
    if v == "all":
        return v
    try:
        d = int(v)
    except ValueError:
        raise argparse.ArgumentTypeError("must be 0–9 or 'all'") from None
    if not 0 <= d <= 9:
        raise argparse.ArgumentTypeError("must be 0–9 or 'all'")
    return d


def sample_gan_cli(args, device) -> torch.Tensor:
    g, _ = load_gan(args.checkpoint, device, name=artifact(args.recipe))
    z = noise(args.n, g.cfg.noise_dim, args.seed)  # one draw, as sample_gan and the app's /gan_sample make it
    return torch.cat([generate(g, z[i : i + 4096]).cpu() for i in range(0, args.n, 4096)])


def sample_cgan_cli(args, device) -> torch.Tensor:
    g, _ = load_cgan(args.checkpoint, device)
    if args.digit == "all":  # digits 0,1,…,9,0,1,… so any N stays balanced
        digits = torch.arange(args.n) % 10
    else:
        digits = torch.full((args.n,), int(args.digit))
    return sample_cgan(g, digits, args.seed).cpu()


def add_gan(sub):
    p = sub.add_parser("gan", help="the unconditional GAN (the chapter's MLP)")
    p.add_argument("--recipe", choices=list(RECIPES), default=DEFAULT, help="chapter (as printed) or remedy")
    add_output_args(p)
    p.set_defaults(func=sample_gan_cli)


def add_cgan(sub):
    p = sub.add_parser("cgan", help="the conditional GAN: digits of your choice")
    p.add_argument("--digit", type=_digit, default="all", help="0–9, or 'all' for 0,1,…,9 in turn")
    add_output_args(p)
    p.set_defaults(func=sample_cgan_cli)
