"""Write generated digits as PNG files: one 28×28 grayscale image per sample (white digit on black, as MNIST),
named in order 000.png, 001.png, …

    python -m gendemo.sample gan  --n 64 --seed 0 --out samples/gan
    python -m gendemo.sample cgan --digit 7 --n 64 --seed 0 --out samples/cgan7

Each model with a `sample` column in gendemo/catalog.py is a subcommand: its function adds a parser whose
`func(args, device)` returns the images ((N, C, 28, 28) in [0, 1]), or (images, file names).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
import torch
from PIL import Image

from gendemo.catalog import entry, names_with, resolve


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


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m gendemo.sample", description="Write generated digits as 28×28 PNG files."
    )
    p.add_argument("--device", default="auto", help="auto | cpu | cuda")
    sub = p.add_subparsers(dest="model", required=True, metavar="MODEL")
    for name in names_with("sample"):
        resolve(entry(name).sample)(sub)
    return p


def main(argv=None) -> list[Path]:
    from gendemo.core.checkpoints import CheckpointError
    from gendemo.core.device import resolve_device, set_threads

    set_threads()
    args = build_parser().parse_args(argv)
    try:
        x = args.func(args, resolve_device(args.device))
    except CheckpointError as e:
        print(f"error: {e}", file=sys.stderr)
        raise SystemExit(2) from None
    x, names = x if isinstance(x, tuple) else (x, None)  # a subcommand may name its files (diffusion --prompts-file)
    paths = write_pngs(x, Path(args.out), names)
    info = {"model": args.model, "n": len(paths), "out": str(args.out), "first": paths[0].name, "last": paths[-1].name}
    print(json.dumps({**info, **getattr(args, "timing", {})}))  # the last line; a timed run adds its seconds
    return paths


if __name__ == "__main__":
    main()
