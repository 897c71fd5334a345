"""What the GAN's training run leaves besides the generator: the timeline (the 64 fixed-noise digits, class shares,
losses and D's scores after every epoch) and the snapshots (early generators, for the mode-collapse tab).

Both are written by gendemo/gan/train.py. A missing or corrupt file raises CheckpointError with its name and the command
that rebuilds it, so it switches off only the tabs that need it.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import torch

from gendemo.catalog import rebuild_command
from gendemo.core.checkpoints import (
    CheckpointError,
    atomic_save_json,
    atomic_write_bytes,
    load_checkpoint,
    load_into,
    sha256_file,
)
from gendemo.core.config import config_from_card
from gendemo.core.paths import CHECKPOINT_DIR
from gendemo.gan.model import GANConfig, Generator

TIMELINE_SEED = 1234  # the 64 fixed noise vectors whose digits the timeline shows after every epoch
SNAPSHOT_EPOCHS = (1, 10, 60)  # generators kept (fp16) besides the final one, for the mode-collapse tab
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
    atomic_write_bytes(path, lambda tmp: tmp.write_bytes(buf.getvalue()))
    atomic_save_json(
        {
            "kind": kind,
            "epochs": int(arrays["shares"].shape[0]),
            "fixed_noise_seed": TIMELINE_SEED,
            "fresh_samples_per_epoch": 1000,
            "training": training,
            "sha256": sha256_file(path),
            "arrays": {k: list(v.shape) for k, v in arrays.items()},
            "rebuild": rebuild_command(kind),
        },
        path.with_suffix(".json"),
    )


def load_timeline(path=None) -> dict:
    """gan_timeline.npz → {samples (E,64,28,28) uint8, shares (E,10), loss_d, loss_g, d_real, d_fake (E,)},
    sha-checked."""
    path = path or CHECKPOINT_DIR / "gan_timeline.npz"
    card_file = path.with_suffix(".json")
    rebuild = rebuild_command("gan_timeline")
    if not path.exists():
        raise CheckpointError(f"{path} is missing. Rebuild it with: {rebuild}")
    try:
        card = json.loads(card_file.read_text())
    except (OSError, json.JSONDecodeError):
        raise CheckpointError(f"{card_file} is missing or not valid JSON. Rebuild it with: {rebuild}") from None
    if card.get("sha256") != sha256_file(path):
        raise CheckpointError(
            f"{path} does not match the sha256 in its card (corrupt or replaced). Rebuild it with: {rebuild}"
        )
    try:
        with np.load(path, allow_pickle=False) as z:
            tl = {k: np.asarray(z[k]) for k in TIMELINE_KEYS}
    except Exception as e:
        raise CheckpointError(f"{path} cannot be read ({type(e).__name__}). Rebuild it with: {rebuild}") from None
    if tl["samples"].ndim != 4 or tl["samples"].shape[0] == 0 or tl["shares"].shape != (tl["samples"].shape[0], 10):
        raise CheckpointError(f"{path} has unexpected array shapes. Rebuild it with: {rebuild}")
    tl["card"] = card
    return tl


def load_snapshots(path=None, device="cpu") -> dict:
    """gan_snapshots.safetensors → {epoch: Generator} (fp16 weights restored to fp32)."""
    path = path or CHECKPOINT_DIR / "gan_snapshots.safetensors"
    state, card = load_checkpoint(path, "gan_snapshots")
    cfg = config_from_card(GANConfig, card["config"])
    out = {}
    epochs = sorted({int(k.split(".", 1)[0][5:]) for k in state})
    for ep in epochs:
        prefix = f"epoch{ep}."
        sub = {k[len(prefix) :]: v.float() for k, v in state.items() if k.startswith(prefix)}
        out[ep] = load_into(Generator(cfg), sub, path, "gan_snapshots").to(device).eval()
    return out


def app_load_timeline(device) -> dict:
    return load_timeline()


def app_load_snapshots(device) -> dict:
    return load_snapshots(device=device)
