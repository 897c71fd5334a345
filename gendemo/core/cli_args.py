"""argparse types shared by the CLIs:
a bad value is a one-line error that names the allowed range, never a traceback."""

from __future__ import annotations

import argparse

MAX_N = 100_000  # images one sample command writes at most


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


def float_in(lo: float, hi: float):
    """An argparse type: a number in [lo, hi]."""

    def parse(v: str) -> float:
        try:
            x = float(v)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{v!r} is not a number") from None
        if not lo <= x <= hi:  # also refuses nan
            raise argparse.ArgumentTypeError(f"must be between {lo} and {hi}")
        return x

    return parse


count = int_in(1, MAX_N)
seed = int_in(0, 2**63 - 1)


def add_output_args(p: argparse.ArgumentParser, n_type=count, n_default: int = 64) -> None:
    """--n, --seed, --out, --checkpoint: what every sample subcommand takes."""
    p.add_argument("--n", type=n_type, default=n_default, help=f"how many images (default {n_default})")
    p.add_argument("--seed", type=seed, default=0)
    p.add_argument("--out", required=True, help="folder for the PNG files (created if needed)")
    p.add_argument("--checkpoint", default=None, help="weights (default checkpoints/MODEL.safetensors)")
