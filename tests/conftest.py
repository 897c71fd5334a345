import gzip
import os
import socket
import struct
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
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


@pytest.fixture
def real_mnist():
    need(mnist_present(), f"MNIST not prepared under {DATA_DIR} (python -m gendemo.data --from ../shared/data/mnist)")
    return DATA_DIR


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


@pytest.fixture
def tiny_mnist(tmp_path):
    write_idx(tmp_path / "data" / "MNIST" / "raw")
    return tmp_path / "data"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def app_client():
    """One in-process launch of the real app shared by all app tests (imports cost seconds per process)."""
    import app as app_module
    from gradio_client import Client

    demo = app_module.demo
    demo.queue(max_size=app_module.QUEUE_SIZE, default_concurrency_limit=app_module.CONCURRENCY)
    port = free_port()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True, **app_module.launch_kwargs())
    client = Client(f"http://127.0.0.1:{port}/", verbose=False)
    client.base_url = f"http://127.0.0.1:{port}/"
    yield client
    demo.close()


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for every browser test (a second sync_playwright in the same process would fail)."""
    from browser import ARGS, CHROMIUM

    need(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "playwright is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()
