"""MNIST, held as one tensor on the training device.

Online, torchvision downloads the data. Offline, put the IDX files in place once:
    python -m gendemo.data --from ../shared/data/mnist
(gunzips them into DATA_DIR/MNIST/raw, where torchvision looks).
"""

from __future__ import annotations

import gzip
import math
import os
import shutil
import struct
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


def read_idx(path: Path) -> torch.Tensor:
    """One IDX file, the format MNIST ships in: two zero bytes, a type byte (0x08: unsigned bytes), the number of
    dimensions, each dimension as a big-endian int32, then the values."""
    data = Path(path).read_bytes()
    if len(data) < 4 or data[:2] != b"\0\0" or data[2] != 0x08:
        raise DataMissingError(f"{path} is not an IDX file of unsigned bytes")
    ndim = data[3]
    shape = struct.unpack(f">{ndim}i", data[4 : 4 + 4 * ndim])
    values = torch.frombuffer(bytearray(data[4 + 4 * ndim :]), dtype=torch.uint8)
    if values.numel() != math.prod(shape):
        raise DataMissingError(f"{path} is cut short: {values.numel()} values for a shape of {shape}")
    return values.reshape(shape)


def _mnist(split: str, root, download: bool) -> tuple[torch.Tensor, torch.Tensor]:
    """One split's images (N, 28, 28) uint8 and labels (N,) int64, read from ROOT/MNIST/raw (where torchvision keeps
    them), downloaded through torchvision first when they are not there. Reading the files ourselves keeps torchvision
    out of a server: importing it loads torch.compile's machinery (about 150 MB resident)."""
    if split not in ("train", "test"):
        raise ValueError(f"unknown split {split!r}")
    root = data_root(root)
    raw = root / "MNIST" / "raw"
    prefix = "train" if split == "train" else "t10k"
    images, labels = raw / f"{prefix}-images-idx3-ubyte", raw / f"{prefix}-labels-idx1-ubyte"
    if not (images.is_file() and labels.is_file()):
        if not download:
            raise DataMissingError(f"MNIST not found under {raw}. Prepare it with: {PREPARE_HINT}")
        from torchvision.datasets import MNIST

        try:
            MNIST(str(root), train=split == "train", download=True)
        except Exception as e:  # offline, blocked, disk full: say how to fix it instead of a urllib trace
            raise DataMissingError(
                f"MNIST not found under {raw} and the download failed ({type(e).__name__}). "
                f"Prepare it with: {PREPARE_HINT}"
            ) from None
    return read_idx(images), read_idx(labels).long()


def load_mnist(
    split: str = "train", root=None, device="cpu", download: bool = True, limit: int | None = None
) -> Digits:
    """The whole split as one tensor: training slices minibatches from it instead of a per-sample DataLoader."""
    images, labels = _mnist(split, root, download)
    if limit is not None:
        images, labels = images[:limit], labels[:limit]
    x = images.to(device=device, dtype=torch.float32).div_(255.0).unsqueeze(1)
    return Digits(x, labels.to(device=device, dtype=torch.long))


def load_mnist_bytes(split: str = "train", root=None, download: bool = True) -> Digits:
    """The whole split as the file stores it: (N, 1, 28, 28) uint8 on the CPU, 47 MB for the training digits. A server
    that holds the digits for a long time keeps these, not float32's 188 MB (and never makes that copy on the way)."""
    images, labels = _mnist(split, root, download)
    return Digits(images.unsqueeze(1), labels)


def find_idx(src: Path, name: str) -> Path | None:
    """One IDX file anywhere under src (the folder itself, MNIST/raw/, raw/, …), .gz or plain, spelt
    train-images-idx3-ubyte as LeCun's site does or train-images.idx3-ubyte as some mirrors do."""
    spellings = {name, name.replace("-idx", ".idx")}
    wanted = {*spellings, *(f"{n}.gz" for n in spellings)}
    hits = sorted((p for p in src.rglob("*") if p.name in wanted and p.is_file()), key=lambda p: len(p.parts))
    return hits[0] if hits else None


def prepare_from(src: Path, root: Path) -> Path:
    """Copy (decompressing .gz) a local copy of the four IDX files, wherever they sit under src, into ROOT/MNIST/raw."""
    if not Path(src).is_dir():
        raise DataMissingError(f"{src} is not a folder")
    found = {name: find_idx(Path(src), name) for name in RAW_FILES}
    missing = [n for n, p in found.items() if p is None]
    if missing:
        raise DataMissingError(f"not found under {src}: {', '.join(missing)} (.gz or plain)")
    raw = root / "MNIST" / "raw"
    raw.mkdir(parents=True, exist_ok=True)
    for name, path in found.items():
        out, tmp = raw / name, raw / f"{name}.tmp"
        if path.resolve() == out.resolve():
            continue  # already in place
        if path.suffix == ".gz":
            with gzip.open(path, "rb") as fi, open(tmp, "wb") as fo:
                shutil.copyfileobj(fi, fo)
        else:
            shutil.copyfile(path, tmp)
        os.replace(tmp, out)
    return raw


def minibatches(
    n: int, batch_size: int, generator: torch.Generator, device, rank: int = 0, world: int = 1, drop_last=True
):
    """Index tensors for one epoch: a seeded permutation, split across DDP ranks, cut into batches."""
    perm = torch.randperm(n, generator=generator)[rank::world].to(device)
    stop = len(perm) - (len(perm) % batch_size if drop_last else 0)
    for i in range(0, stop, batch_size):
        yield perm[i : i + batch_size]
