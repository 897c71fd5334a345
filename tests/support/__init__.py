"""Helpers every test layer imports (from support import need, ROOT, …): prerequisites that skip locally and fail
in CI, a tiny MNIST in IDX format, a free port."""

import asyncio
import gzip
import os
import socket
import struct
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest

from gendemo.core.paths import ROOT

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
DATA_DIR = Path(os.environ.get("GENDEMO_DATA_DIR", ROOT / "data"))


def need(condition: bool, reason: str):
    """Skip locally with a reason; under CI a missing prerequisite is a failure, not a skip."""
    if condition:
        return
    if IN_CI:
        pytest.fail(f"CI prerequisite missing: {reason}")
    pytest.skip(reason)


def mnist_present() -> bool:
    raw = DATA_DIR / "MNIST" / "raw"
    return all((raw / n).exists() for n in ("train-images-idx3-ubyte", "t10k-images-idx3-ubyte"))


def write_idx(folder: Path, n_train=256, n_test=64, seed=0, gz=False):
    """A tiny MNIST in IDX format: digit d is a bright bar at column 2d+4, so a small net can learn it."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)

    def make(n):
        labels = rng.integers(0, 10, n).astype(np.uint8)
        imgs = (rng.random((n, 28, 28)) * 40).astype(np.uint8)
        for i, d in enumerate(labels):
            imgs[i, 4:24, 2 * d + 4 : 2 * d + 7] = 255
        return imgs, labels

    for prefix, n in (("train", n_train), ("t10k", n_test)):
        imgs, labels = make(n)
        img_bytes = struct.pack(">IIII", 2051, n, 28, 28) + imgs.tobytes()
        lab_bytes = struct.pack(">II", 2049, n) + labels.tobytes()
        for name, data in ((f"{prefix}-images-idx3-ubyte", img_bytes), (f"{prefix}-labels-idx1-ubyte", lab_bytes)):
            if gz:
                with gzip.open(folder / f"{name}.gz", "wb") as f:
                    f.write(data)
            else:
                (folder / name).write_bytes(data)
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_async(coroutine):
    # a thread of its own: in a full run, Playwright's sync API leaves an event loop running in this one
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class AtOnce:
    """Counts how many calls of a stand-in run at once: `AtOnce(answer)` is a function that takes any arguments, stays
    in for `seconds` and returns answer; `.most` is the most calls that were in together."""

    def __init__(self, answer=None, seconds: float = 0.02):
        self.answer, self.seconds = answer, seconds
        self.now = self.most = 0
        self._lock = threading.Lock()

    def __call__(self, *args, **kwargs):
        with self._lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(self.seconds)
        with self._lock:
            self.now -= 1
        return self.answer() if callable(self.answer) else self.answer


def all_at_once(targets, timeout: float = 10.0) -> None:
    """Calls every target (no arguments) in a thread of its own, all started together, and waits for them."""
    threads = [threading.Thread(target=t) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout)
