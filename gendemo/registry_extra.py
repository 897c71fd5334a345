"""Loaders for the registry beyond the three core models: {name: fn(device)}, merged into REGISTRY by gendemo.registry.

Each loader raises CheckpointError / FileNotFoundError with the file name and the command that rebuilds it, so a
missing file switches off only the tabs that need it.
"""
from __future__ import annotations

import json

import numpy as np

from . import checkpoints as _ck
from .checkpoints import CHECKPOINT_DIR, CheckpointError, sha256_file

# How the GAN's side files are rebuilt (quoted in "missing or corrupt" messages).
_ck.REBUILD.setdefault("gan_snapshots", "python -m gendemo.train gan")
_ck.REBUILD.setdefault("gan_timeline", "python -m gendemo.train gan")
_ck.REBUILD.setdefault("gan_directions", "python -m gendemo.latent fit")

TIMELINE_KEYS = ("samples", "shares", "loss_d", "loss_g", "d_real", "d_fake")


def load_timeline(path=None) -> dict:
    """gan_timeline.npz → {samples (E,64,28,28) uint8, shares (E,10), loss_d, loss_g, d_real, d_fake (E,)}, sha-checked."""
    path = path or CHECKPOINT_DIR / "gan_timeline.npz"
    card_file = path.with_suffix(".json")
    rebuild = _ck.REBUILD["gan_timeline"]
    if not path.exists():
        raise CheckpointError(f"{path} is missing. Rebuild it with: {rebuild}")
    try:
        card = json.loads(card_file.read_text())
    except (OSError, json.JSONDecodeError):
        raise CheckpointError(f"{card_file} is missing or not valid JSON. Rebuild it with: {rebuild}") from None
    if card.get("sha256") != sha256_file(path):
        raise CheckpointError(f"{path} does not match the sha256 in its card (corrupt or replaced). Rebuild it with: {rebuild}")
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
    from .checkpoints import load_checkpoint, load_into
    from .gan import GANConfig, Generator, _cfg

    path = path or CHECKPOINT_DIR / "gan_snapshots.safetensors"
    state, card = load_checkpoint(path, "gan_snapshots")
    cfg = _cfg(GANConfig, card["config"])
    out = {}
    epochs = sorted({int(k.split(".", 1)[0][5:]) for k in state})
    for ep in epochs:
        prefix = f"epoch{ep}."
        sub = {k[len(prefix):]: v.float() for k, v in state.items() if k.startswith(prefix)}
        out[ep] = load_into(Generator(cfg), sub, path, "gan_snapshots").to(device).eval()
    return out


def _timeline(dev):
    return load_timeline()


def _snapshots(dev):
    return load_snapshots(device=dev)


def _directions(dev):
    from .latent import directions_for_app

    return directions_for_app(dev)


def _diffusion(dev):
    from .diffusion import load_diffusion

    return load_diffusion(device=dev)[0]


def _text_encoder(dev):
    # A real sentence encoder; importing sentence-transformers and loading it costs seconds, so the app warms it in the
    # background at start. A broken install is reported like a missing checkpoint (the prompt tabs switch off).
    from .text import get_encoder

    try:
        return get_encoder(device=dev)
    except (ImportError, OSError) as e:
        raise FileNotFoundError(f"the text encoder could not be loaded ({e}). Install it with: pip install -r requirements.txt") from None


EXTRA_LOADERS = {
    "gan_timeline": _timeline,
    "gan_snapshots": _snapshots,
    "gan_directions": _directions,
    "diffusion": _diffusion,
    "text_encoder": _text_encoder,
}
