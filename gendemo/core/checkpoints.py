"""Weights as safetensors with a JSON card beside them; never pickle.

    checkpoints/NAME.safetensors   inference weights (what the app loads)
    checkpoints/NAME.json          the card: kind, config, training run, dataset, metrics, version, sha256
    runs/NAME/state.safetensors    optimiser/EMA/step state for --resume (git-ignored), with state.json

Writes go to a temporary file first and are renamed into place, so a run killed mid-save keeps the last good file.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
import os
import subprocess
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import load_file, save_file

from gendemo import __version__
from gendemo.catalog import rebuild_command
from gendemo.core.paths import ROOT

MAX_COMMITTED_BYTES = 10 * 1024 * 1024


class CheckpointError(RuntimeError):
    pass


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def git_commit() -> str | None:
    try:
        out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=5)
        return out.stdout.strip() or None
    except Exception:
        return None


def atomic_write_bytes(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_save_tensors(tensors: dict[str, torch.Tensor], path: Path, metadata: dict[str, str] | None = None) -> None:
    # safetensors refuses shared or non-contiguous storage: give every tensor its own contiguous copy.
    clean = {k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}
    atomic_write_bytes(Path(path), lambda tmp: save_file(clean, str(tmp), metadata=metadata))


def atomic_save_json(obj: Any, path: Path) -> None:
    text = json.dumps(obj, indent=2, sort_keys=False, default=_json_default) + "\n"
    atomic_write_bytes(Path(path), lambda tmp: tmp.write_text(text))


def _json_default(o):
    if dataclasses.is_dataclass(o):
        return dataclasses.asdict(o)
    if isinstance(o, Path):
        return str(o)
    if isinstance(o, torch.Tensor):
        return o.tolist()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def card_path(weights: Path) -> Path:
    return Path(weights).with_suffix(".json")


def save_checkpoint(
    weights_path: Path,
    state: dict[str, torch.Tensor],
    *,
    kind: str,
    config: Any,
    training: dict | None = None,
    dataset: str = "MNIST",
    metrics: dict | None = None,
    extra: dict | None = None,
) -> dict:
    """Write NAME.safetensors and its card. Returns the card."""
    weights_path = Path(weights_path)
    atomic_save_tensors(state, weights_path, metadata={"kind": kind})
    card = {
        "kind": kind,
        "config": dataclasses.asdict(config) if dataclasses.is_dataclass(config) else config,
        "training": training or {},
        "dataset": dataset,
        "metrics": metrics or {},
        "gendemo_version": __version__,
        "git_commit": git_commit(),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "sha256": sha256_file(weights_path),
        "bytes": weights_path.stat().st_size,
        "rebuild": rebuild_command(kind),
    }
    if extra:
        card.update(extra)
    atomic_save_json(card, card_path(weights_path))
    return card


def read_card(weights_path: Path) -> dict:
    weights_path = Path(weights_path)
    cp = card_path(weights_path)
    kind = weights_path.stem
    if not cp.exists():
        raise CheckpointError(f"{cp} is missing. Rebuild it with: {rebuild_command(kind)}")
    try:
        return json.loads(cp.read_text())
    except json.JSONDecodeError as e:
        raise CheckpointError(f"{cp} is not valid JSON ({e.msg}). Rebuild it with: {rebuild_command(kind)}") from None


def load_checkpoint(weights_path: Path, kind: str | None = None) -> tuple[dict[str, torch.Tensor], dict]:
    """Read weights after checking the card's sha256; fail with the file name and the command that rebuilds it."""
    weights_path = Path(weights_path)
    kind = kind or weights_path.stem
    rebuild = rebuild_command(kind)
    if not weights_path.exists():
        raise CheckpointError(f"{weights_path} is missing. Rebuild it with: {rebuild}")
    card = read_card(weights_path)
    if card.get("kind") != kind:
        raise CheckpointError(
            f"{card_path(weights_path)} describes a {card.get('kind')!r} model, expected {kind!r}. "
            f"Rebuild it with: {rebuild}"
        )
    digest = sha256_file(weights_path)
    if digest != card.get("sha256"):
        raise CheckpointError(
            f"{weights_path} does not match the sha256 in its card (corrupt or replaced). Rebuild it with: {rebuild}"
        )
    try:
        state = load_file(str(weights_path))
    except Exception as e:
        raise CheckpointError(f"{weights_path} cannot be read ({e}). Rebuild it with: {rebuild}") from None
    return state, card


def load_into(model: torch.nn.Module, state: dict[str, torch.Tensor], weights_path: Path, kind: str) -> torch.nn.Module:
    """Strict load with a readable message when names or shapes disagree with the config in the card."""
    own = model.state_dict()
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    bad = [k for k in own if k in state and tuple(own[k].shape) != tuple(state[k].shape)]
    if missing or unexpected or bad:
        detail = "; ".join(
            s
            for s in (
                f"missing {missing[:3]}" if missing else "",
                f"unexpected {unexpected[:3]}" if unexpected else "",
                f"shape mismatch {bad[:3]}" if bad else "",
            )
            if s
        )
        raise CheckpointError(
            f"{weights_path} does not fit its config ({detail}). Rebuild it with: {rebuild_command(kind)}"
        )
    model.load_state_dict({k: v.to(own[k].dtype) for k, v in state.items()})
    return model


# ---- resume state: nested dicts (optimiser state) flattened into tensors + JSON ----


def flatten_state(obj: Any, prefix: str = "") -> tuple[dict[str, torch.Tensor], Any]:
    """Split a nested structure into {path: tensor} and a JSON skeleton that names those paths."""
    tensors: dict[str, torch.Tensor] = {}

    def walk(o, path):
        if isinstance(o, torch.Tensor):
            tensors[path] = o
            return {"__tensor__": path}
        if isinstance(o, dict):
            return {
                "__dict__": [
                    [walk(k, f"{path}.k{i}") if not isinstance(k, (str, int)) else k, walk(v, f"{path}.{i}")]
                    for i, (k, v) in enumerate(o.items())
                ]
            }
        if isinstance(o, (list, tuple)):
            return {"__list__": [walk(v, f"{path}.{i}") for i, v in enumerate(o)], "tuple": isinstance(o, tuple)}
        if isinstance(o, (int, float, str, bool)) or o is None:
            return o
        raise TypeError(f"cannot store {type(o).__name__} in resume state")

    skeleton = walk(obj, prefix or "s")
    return tensors, skeleton


def unflatten_state(tensors: dict[str, torch.Tensor], skeleton: Any) -> Any:
    def build(o):
        if isinstance(o, dict):
            if "__tensor__" in o:
                return tensors[o["__tensor__"]]
            if "__dict__" in o:
                return {build(k) if isinstance(k, dict) else k: build(v) for k, v in o["__dict__"]}
            if "__list__" in o:
                items = [build(v) for v in o["__list__"]]
                return tuple(items) if o.get("tuple") else items
        return o

    return build(skeleton)


def save_resume_state(run_dir: Path, state: dict[str, Any]) -> None:
    # One file, so a save is atomic as a whole: the JSON skeleton rides in the safetensors header metadata.
    tensors, skeleton = flatten_state(state)
    atomic_save_tensors(tensors, Path(run_dir) / "state.safetensors", metadata={"skeleton": json.dumps(skeleton)})


def load_resume_state(run_dir: Path) -> dict[str, Any] | None:
    from safetensors import safe_open

    st = Path(run_dir) / "state.safetensors"
    if not st.exists():
        return None
    try:
        with safe_open(str(st), framework="pt") as f:
            skeleton = json.loads(f.metadata()["skeleton"])
            names = f.keys()  # safe_open is not a mapping: `k in f` would not work, keys() is its API
            tensors = {k: f.get_tensor(k) for k in names}
    except Exception as e:
        raise CheckpointError(f"{st} cannot be read ({e}); delete {run_dir} to start afresh") from None
    return unflatten_state(tensors, skeleton)
