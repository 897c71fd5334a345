"""Write generated digits as PNG files: one 28×28 grayscale image per sample (white digit on black, as MNIST),
named in order 000.png, 001.png, …

    python -m gendemo.sample gan  --n 64 --seed 0 --out samples/gan
    python -m gendemo.sample cgan --digit 7 --n 64 --seed 0 --out samples/cgan7

Each model is a subcommand registered in SUBCOMMANDS: add_parser(subparsers) sets `func(args, device) -> tensor`
((N, 1, 28, 28) in [0, 1]).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

MAX_N = 100_000


def write_pngs(x: torch.Tensor, out: Path, names: list[str] | None = None) -> list[Path]:
    """(N, 1, 28, 28) in [0, 1] → OUT/000.png … (mode L); (N, 3, 28, 28) → RGB PNGs. Returns the paths in order."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    x = x.detach().float().clamp(0, 1).cpu()
    rgb = x.dim() == 4 and x.shape[1] == 3
    arr = x.permute(0, 2, 3, 1) if rgb else x.reshape(x.shape[0], x.shape[-2], x.shape[-1])
    arr = (arr.numpy() * 255).round().astype(np.uint8)
    width = max(3, len(str(len(arr) - 1)))
    paths = []
    for i, a in enumerate(arr):
        p = out / (names[i] if names else f"{i:0{width}d}.png")
        Image.fromarray(a, "RGB" if rgb else "L").save(p)
        paths.append(p)
    return paths


def int_in(lo: int, hi: int):
    """An argparse type: a whole number in [lo, hi], or a one-line error naming the range."""

    def parse(v: str) -> int:
        try:
            n = int(v)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{v!r} is not a whole number") from None
        if not lo <= n <= hi:
            raise argparse.ArgumentTypeError(f"must be between {lo} and {hi}")
        return n

    return parse


_count = int_in(1, MAX_N)
_seed = int_in(0, 2**63 - 1)


def _digit(v: str):
    if v == "all":
        return v
    d = int(v)
    if not 0 <= d <= 9:
        raise argparse.ArgumentTypeError("must be 0–9 or 'all'")
    return d


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--n", type=_count, default=64, help="how many images (default 64)")
    p.add_argument("--seed", type=_seed, default=0)
    p.add_argument("--out", required=True, help="folder for the PNG files (created if needed)")
    p.add_argument("--checkpoint", default=None, help="weights (default checkpoints/MODEL.safetensors)")


def _gan(args, device):
    from .gan import generate, load_gan, noise

    g, _ = load_gan(args.checkpoint, device)
    z = noise(args.n, g.cfg.noise_dim, args.seed)  # one draw, as gan.sample_gan and the app's /gan_sample make it
    return torch.cat([generate(g, z[i : i + 4096]).cpu() for i in range(0, args.n, 4096)])


@torch.no_grad()
def _cgan(args, device):
    from .gan import load_cgan, noise

    g, _ = load_cgan(args.checkpoint, device)
    if args.digit == "all":  # digits 0,1,…,9,0,1,… so any N stays balanced
        digits = torch.arange(args.n) % 10
    else:
        digits = torch.full((args.n,), int(args.digit))
    z = noise(args.n, g.cfg.noise_dim, args.seed)  # as gan.sample_cgan draws it
    return torch.cat([((g(z[i : i + 4096].to(device), digits[i : i + 4096].to(device)).float() + 1) / 2).cpu()
                      for i in range(0, args.n, 4096)])


def add_gan(sub):
    p = sub.add_parser("gan", help="the unconditional GAN (the chapter's MLP)")
    _common(p)
    p.set_defaults(func=_gan)


def add_cgan(sub):
    p = sub.add_parser("cgan", help="the conditional GAN: digits of your choice")
    p.add_argument("--digit", type=_digit, default="all", help="0–9, or 'all' for 0,1,…,9 in turn")
    _common(p)
    p.set_defaults(func=_cgan)


def add_diffusion(sub):
    from .diffusion_sample import add_diffusion as add

    add(sub)


# Further models append their own add_* function here.
SUBCOMMANDS = [add_gan, add_cgan, add_diffusion]


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m gendemo.sample", description="Write generated digits as 28×28 PNG files.")
    p.add_argument("--device", default="auto", help="auto | cpu | cuda")
    sub = p.add_subparsers(dest="model", required=True, metavar="MODEL")
    for add in SUBCOMMANDS:
        add(sub)
    return p


def main(argv=None) -> list[Path]:
    from .checkpoints import CheckpointError
    from .device import resolve_device, set_threads

    set_threads()
    args = build_parser().parse_args(argv)
    try:
        x = args.func(args, resolve_device(args.device))
    except CheckpointError as e:
        print(f"error: {e}", file=sys.stderr)
        raise SystemExit(2)
    x, names = x if isinstance(x, tuple) else (x, None)  # a subcommand may name its files (diffusion --prompts-file)
    paths = write_pngs(x, Path(args.out), names)
    print(json.dumps({"model": args.model, "n": len(paths), "out": str(args.out), "first": paths[0].name, "last": paths[-1].name}))
    return paths


if __name__ == "__main__":
    main()
