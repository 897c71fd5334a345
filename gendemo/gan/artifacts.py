"""What the GAN's training run leaves besides the generator: the timeline (the 64 fixed-noise digits, class shares,
losses and D's scores after every epoch) and the snapshots (early generators, for the mode-collapse tab).

Both are written by gendemo/gan/train.py. A missing or corrupt file raises CheckpointError with its name and the command
that rebuilds it, so it switches off only the tabs that need it.
"""

from __future__ import annotations

import io
import threading
import zipfile
from collections import OrderedDict
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
import torch

from gendemo.catalog import rebuild_command
from gendemo.core.checkpoints import (
    MAX_WEIGHTS_BYTES,
    CheckpointError,
    build_checked,
    load_checkpoint,
    read_checked,
    save_pair,
)
from gendemo.core.config import config_from_card
from gendemo.core.paths import CHECKPOINT_DIR
from gendemo.core.quantize import dequantize_state
from gendemo.gan.model import Discriminator, GANConfig, Generator

TIMELINE_SEED = 1234  # the 64 fixed noise vectors whose digits the timeline shows after every epoch
SNAPSHOT_EPOCHS = (1, 10, 60)  # generators kept (fp16) besides the final one, for the mode-collapse tab
# The chapter recipe's run also keeps its discriminators, at more epochs: a learner forks the recorded run from one of
# these (issue 32 part 3); 200 is the final pair, gan_chapter(_discriminator).safetensors.
FORK_EPOCHS = (1, 10, 20, 60, 100, 150, 200)
FORK_CHOICES = (0, *FORK_EPOCHS)  # the live tab's "start from": 0 is random weights


def kept_epochs(recipe_name: str) -> tuple[int, ...]:
    """The epochs after which a run keeps its networks besides the final ones."""
    return FORK_EPOCHS[:-1] if recipe_name == "chapter" else SNAPSHOT_EPOCHS


TIMELINE_KEYS = ("samples", "shares", "loss_d", "loss_g", "d_real", "d_fake")


def save_timeline(path: Path, tl: dict, kind: str, training: dict) -> None:
    """The per-epoch record, numpy-compressed (loaded with allow_pickle=False), with a JSON card."""
    arrays = {
        "samples": torch.stack(tl["samples"]).numpy()
        if tl["samples"]
        else np.zeros((0, 64, 28, 28), np.uint8),  # (E, 64, 28, 28) uint8
        "shares": torch.stack(tl["shares"]).numpy() if tl["shares"] else np.zeros((0, 10), np.float32),  # (E, 10)
        **{k: np.asarray(tl[k], np.float32) for k in ("loss_d", "loss_g", "d_real", "d_fake")},  # (E,)
    }
    buf = io.BytesIO()
    np.savez_compressed(buf, **arrays)
    save_pair(  # the .npz and its card replace the previous pair together (sha256 filled in from the file)
        path,
        lambda tmp: tmp.write_bytes(buf.getvalue()),
        {
            "kind": kind,
            "epochs": int(arrays["shares"].shape[0]),
            "fixed_noise_seed": TIMELINE_SEED,
            "fresh_samples_per_epoch": 1000,
            "training": training,
            "arrays": {k: list(v.shape) for k, v in arrays.items()},
            "rebuild": rebuild_command(kind),
        },
    )


def load_timeline(path=None, name: str = "gan_timeline") -> dict:
    """gan_timeline.npz (or gan_chapter_timeline.npz) → {samples (E,64,28,28) uint8, shares (E,10), loss_d, loss_g,
    d_real, d_fake (E,)}, sha-checked."""
    path = Path(path) if path else CHECKPOINT_DIR / f"{name}.npz"
    rebuild = rebuild_command(name)
    data, card = read_checked(path, name, need_config=False)  # regular file, size cap, sealed card, sha256
    try:
        # zip members inflate only up to their declared sizes: check those before numpy inflates anything
        if sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(data)).infolist()) > MAX_WEIGHTS_BYTES:
            raise CheckpointError(f"{path} unpacks to over {MAX_WEIGHTS_BYTES:,} bytes. Rebuild it with: {rebuild}")
        with np.load(io.BytesIO(data), allow_pickle=False) as z:
            tl = {k: np.asarray(z[k]) for k in TIMELINE_KEYS}
    except CheckpointError:
        raise
    except Exception as e:
        raise CheckpointError(f"{path} cannot be read ({type(e).__name__}). Rebuild it with: {rebuild}") from None
    if tl["samples"].ndim != 4 or tl["samples"].shape[0] == 0 or tl["shares"].shape != (tl["samples"].shape[0], 10):
        raise CheckpointError(f"{path} has unexpected array shapes. Rebuild it with: {rebuild}")
    tl["card"] = card
    return tl


def _per_epoch(state: dict) -> dict[int, dict]:
    """{'epochN.<param>': tensor} → {N: {'<param>': tensor}}, as stored (float16, or int8 with per-row scales)."""
    out: dict[int, dict] = {}
    for k, v in state.items():
        head, rest = k.split(".", 1)
        out.setdefault(int(head[5:]), {})[rest] = v
    return dict(sorted(out.items()))


class KeptNetworks(Mapping):
    """{epoch: network} of a snapshots file, each network built in float32 when it is asked for, from its weights as
    stored (int8 rows with their scales, float16); the last `keep` asked for stay built (a request uses one epoch).
    Holding every epoch's float32 network instead cost a server four times the memory (the chapter run's six
    generators and six discriminators: about 67 MB, against 17 MB as stored; issue 30, part 6). A network comes out
    the same whenever it is built."""

    def __init__(self, stored: dict[int, dict], build: Callable[[dict], torch.nn.Module], keep: int = 1):
        self._stored, self._build, self.keep = stored, build, keep
        self._built: OrderedDict[int, torch.nn.Module] = OrderedDict()
        self._lock = threading.Lock()

    def __getitem__(self, epoch: int) -> torch.nn.Module:
        with self._lock:
            if epoch in self._built:
                self._built.move_to_end(epoch)
                return self._built[epoch]
        net = self._build(dequantize_state(self._stored[epoch]))  # KeyError for an epoch the run did not keep
        with self._lock:
            net = self._built.setdefault(epoch, net)  # a twin built meanwhile by another thread wins
            self._built.move_to_end(epoch)
            while len(self._built) > self.keep:
                self._built.popitem(last=False)
        return net

    def __iter__(self):
        return iter(self._stored)

    def __len__(self) -> int:
        return len(self._stored)


def load_snapshots(path=None, device="cpu", name: str = "gan_snapshots", net: str = "generator") -> KeptNetworks:
    """gan_snapshots.safetensors (or gan_chapter_snapshots, or with net="discriminator" the chapter run's
    gan_chapter_discriminator_snapshots) → {epoch: network} in float32, each built when first asked for."""
    path = path or CHECKPOINT_DIR / f"{name}.safetensors"
    state, card = load_checkpoint(path, name)
    cfg = config_from_card(GANConfig, card["config"])
    make = {"generator": lambda: Generator(cfg), "discriminator": lambda: Discriminator(cfg)}[net]
    stored = _per_epoch(state)
    for sub in stored.values():  # every epoch's weights checked against the config now, not at a learner's request
        build_checked(make, dequantize_state(sub), path, name)
    return KeptNetworks(stored, lambda sub: build_checked(make, sub, path, name).to(device).eval())


def fork_pair(epoch: int, get) -> tuple:
    """The recorded chapter run's (G, D) after `epoch`, one of FORK_EPOCHS: a kept pair, or the final one. get(name)
    returns a catalog entry loaded (the app's registry.get, say)."""
    if epoch not in FORK_EPOCHS:
        raise ValueError(f"the recorded run kept no networks after epoch {epoch!r} (choose from {FORK_EPOCHS})")
    if epoch == FORK_EPOCHS[-1]:
        return get("gan_chapter"), get("gan_chapter_discriminator")
    return get("gan_chapter_snapshots")[epoch], get("gan_chapter_discriminator_snapshots")[epoch]


def app_load_timeline(device) -> dict:
    return load_timeline()


def app_load_snapshots(device) -> dict:
    return load_snapshots(device=device)


def app_load_chapter_timeline(device) -> dict:
    return load_timeline(name="gan_chapter_timeline")


def app_load_chapter_snapshots(device) -> dict:
    return load_snapshots(device=device, name="gan_chapter_snapshots")


def app_load_chapter_disc_snapshots(device) -> dict:
    return load_snapshots(device=device, name="gan_chapter_discriminator_snapshots", net="discriminator")
