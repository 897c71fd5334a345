"""MNIST through torchvision, held as one tensor on the training device.

Online, torchvision downloads the data. Offline, put the IDX files in place once:
    python -m gendemo.data --from ../shared/data/mnist
(gunzips them into DATA_DIR/MNIST/raw, where torchvision looks).
"""

from __future__ import annotations

import gzip
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import torch

RAW_FILES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)
PREPARE_HINT = "python -m gendemo.data --from ../shared/data/mnist   (or run once with internet access to download)"


def data_root(override: str | os.PathLike | None = None) -> Path:
    if override:
        return Path(override)
    return Path(os.environ.get("GENDEMO_DATA_DIR", "data"))


class DataMissingError(FileNotFoundError):
    pass


@dataclass
class Digits:
    images: torch.Tensor  # (N, 1, 28, 28) float in [0, 1]
    labels: torch.Tensor  # (N,) int64

    def __len__(self) -> int:
        return self.labels.shape[0]

    def to(self, device) -> Digits:
        return Digits(self.images.to(device), self.labels.to(device))


def load_mnist(
    split: str = "train", root=None, device="cpu", download: bool = True, limit: int | None = None
) -> Digits:
    """The whole split as one tensor: training slices minibatches from it instead of a per-sample DataLoader."""
    if split not in ("train", "test"):
        raise ValueError(f"unknown split {split!r}")
    from torchvision.datasets import MNIST

    root = data_root(root)
    try:
        ds = MNIST(str(root), train=split == "train", download=False)
    except RuntimeError:
        if not download:
            raise DataMissingError(f"MNIST not found under {root}/MNIST/raw. Prepare it with: {PREPARE_HINT}") from None
        try:
            ds = MNIST(str(root), train=split == "train", download=True)
        except Exception as e:  # offline, blocked, disk full: say how to fix it instead of a urllib trace
            raise DataMissingError(
                f"MNIST not found under {root}/MNIST/raw and the download failed ({type(e).__name__}). "
                f"Prepare it with: {PREPARE_HINT}"
            ) from None
    images, labels = ds.data, ds.targets
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    x = images.to(device=device, dtype=torch.float32).div_(255.0).unsqueeze(1)
    return Digits(x, labels.to(device=device, dtype=torch.long))


def prepare_from(src: Path, root: Path) -> Path:
    """Decompress a local copy of the four IDX .gz files into ROOT/MNIST/raw."""
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name in RAW_FILES:
        gz, plain = src / f"{name}.gz", src / name
        out = raw / name
        if gz.exists():
            with gzip.open(gz, "rb") as fi, open(out.with_suffix(".tmp"), "wb") as fo:
                shutil.copyfileobj(fi, fo)
        elif plain.exists():
            shutil.copyfile(plain, out.with_suffix(".tmp"))
        else:
            raise DataMissingError(f"{gz} not found")
        os.replace(out.with_suffix(".tmp"), out)
    return raw


def minibatches(
    n: int, batch_size: int, generator: torch.Generator, device, rank: int = 0, world: int = 1, drop_last=True
):
    """Index tensors for one epoch: a seeded permutation, split across DDP ranks, cut into batches."""
    perm = torch.randperm(n, generator=generator)[rank::world].to(device)
    stop = len(perm) - (len(perm) % batch_size if drop_last else 0)
    for i in range(0, stop, batch_size):
        yield perm[i : i + batch_size]
