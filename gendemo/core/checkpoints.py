"""Weights as safetensors with a JSON card beside them; never pickle.

    checkpoints/NAME.safetensors   inference weights (what the app loads)
    checkpoints/NAME.json          the card: kind, config, training run, dataset, metrics, version, sha256, card_sha256
    runs/NAME/state.safetensors    optimiser/EMA/step state for --resume (git-ignored), its checksum in its header

What a loader trusts, and why:
- Only regular files are opened (a symlink to /dev/zero, a FIFO or a directory is refused before any read), and only
  up to a size checked with stat first: weights MAX_WEIGHTS_BYTES, cards MAX_CARD_BYTES.
- The card carries `sha256` of the weights and `card_sha256` of itself (its canonical JSON without that field), so a
  config edited or mixed up between runs is refused like flipped weight bytes. Cards written before the seal existed
  are sealed by `python -m gendemo.core.checkpoints --recard` (the weights' bytes are not touched).
- A config is checked against its class's bounds before a model is built (core/config.py), and `build_checked` builds
  the model on the meta device first, so weights that do not fit it are refused before any memory is spent on it.

Writes go to temporary files that are renamed into place. A pair (weights + card) is replaced as one: while the new pair
goes in, the old one stays whole in NAME's `.prev/` folder, and the loader falls back to it when the main pair does not
agree with itself. So a run killed at any instant leaves either the old pair or the new one loadable.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as _dt
import hashlib
import json
import logging
import os
import stat
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_bytes
from safetensors.torch import save_file

from gendemo import __version__
from gendemo.catalog import rebuild_command
from gendemo.core.paths import CHECKPOINT_DIR, ROOT

log = logging.getLogger(__name__)

MAX_COMMITTED_BYTES = 10 * 1024 * 1024  # the project's rule for weights in git
MAX_WEIGHTS_BYTES = 64 * 1024 * 1024  # what a loader reads at most: the rule above with room for local experiments
MAX_CARD_BYTES = 1024 * 1024  # the largest card (diffusion, with its training history) is ~15 KB
MAX_CARD_DEPTH = 32  # nesting of a card's JSON; the deepest real card has 5 levels
MAX_STATE_BYTES = 4 * 1024**3  # resume state: optimiser moments, EMA and snapshots of a model under the 64 MB rule
SEAL = "card_sha256"
PREV = ".prev"  # beside the weights: the previous pair, kept only while a new one is being put in place
RECARD = "python -m gendemo.core.checkpoints --recard"
WEIGHT_SUFFIXES = (".safetensors", ".npz")  # what a card can stand beside (NAME.md model cards are not weights)


class CheckpointError(RuntimeError):
    pass


class CardConfig(dict):
    """A card's config as read from disk: a plain dict that remembers its card, so config_from_card can name the
    file and the rebuild command without every loader passing them along."""

    source: Path | None = None
    kind: str | None = None


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


# ---- reading files that may be hostile ----

_NOT_REGULAR = {
    stat.S_IFDIR: "a directory",
    stat.S_IFCHR: "a character device",
    stat.S_IFBLK: "a block device",
    stat.S_IFIFO: "a FIFO",
    stat.S_IFSOCK: "a socket",
}


def rebuild_hint(kind: str) -> str:
    return f"Rebuild it with: {rebuild_command(kind)}"


def _check_stat(path: Path, st: os.stat_result, cap: int, hint: str) -> None:
    if not stat.S_ISREG(st.st_mode):
        what = _NOT_REGULAR.get(stat.S_IFMT(st.st_mode), "not a regular file")
        raise CheckpointError(f"{path} is {what}, not a regular file. {hint}")
    if st.st_size > cap:
        raise CheckpointError(f"{path} is {st.st_size:,} bytes, over the {cap:,}-byte limit for this file. {hint}")


def stat_regular(path: Path, cap: int, hint: str) -> os.stat_result:
    """stat (following symlinks, which never blocks) and refuse anything but a regular file of at most `cap` bytes.
    `hint` ends every message: what to do about it."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise CheckpointError(f"{path} is missing. {hint}") from None
    except OSError as e:
        raise CheckpointError(f"{path} cannot be read ({e.strerror}). {hint}") from None
    _check_stat(path, st, cap, hint)
    return st


def read_regular(path: Path, cap: int, hint: str) -> bytes:
    """The bytes of a regular file of at most `cap` bytes, or CheckpointError. The file is checked before it is opened
    (a FIFO would block the open, /dev/zero would never end) and again through the open descriptor, in case it was
    swapped in between; O_NONBLOCK keeps even that swap from hanging."""
    stat_regular(path, cap, hint)
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as e:
        raise CheckpointError(f"{path} cannot be read ({e.strerror}). {hint}") from None
    with os.fdopen(fd, "rb") as f:
        _check_stat(path, os.fstat(fd), cap, hint)
        data = f.read(cap + 1)
    if len(data) > cap:  # grew while being read
        raise CheckpointError(f"{path} is over the {cap:,}-byte limit for this file. {hint}")
    return data


def _depth(obj: Any, limit: int) -> int:
    # Iterative: a card nested 100,000 deep must not reach Python's recursion limit here.
    deepest, stack = 0, [(obj, 1)]
    while stack:
        o, d = stack.pop()
        if isinstance(o, (dict, list)):
            deepest = max(deepest, d)
            if deepest > limit:
                return deepest
            stack.extend((v, d + 1) for v in (o.values() if isinstance(o, dict) else o))
    return deepest


# ---- cards ----


def card_path(weights: Path) -> Path:
    return Path(weights).with_suffix(".json")


def card_digest(card: dict) -> str:
    """sha256 of the card's canonical JSON (sorted keys, no spaces) without its own seal."""
    body = {k: v for k, v in card.items() if k != SEAL}
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_json_default)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def seal_card(card: dict) -> dict:
    """The card as it reads back from JSON, with its seal (so the seal is computed over exactly what a loader sees)."""
    plain = json.loads(json.dumps({k: v for k, v in card.items() if k != SEAL}, default=_json_default))
    plain[SEAL] = card_digest(plain)
    return plain


def write_card(path: Path, card: dict) -> dict:
    """Write a card (sealed) atomically; its weights are not touched. Returns the sealed card."""
    sealed = seal_card(card)
    text = json.dumps(sealed, indent=2) + "\n"
    atomic_write_bytes(Path(path), lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return sealed


def parse_card(raw: bytes, cp: Path, hint: str) -> dict:
    """A card's bytes → dict, with every way JSON can go wrong turned into one message (no seal check)."""
    try:
        card = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise CheckpointError(f"{cp} is not UTF-8 text. {hint}") from None
    except RecursionError:
        raise CheckpointError(f"{cp} is nested too deeply to be a card. {hint}") from None
    except ValueError as e:  # JSONDecodeError, and integers too long to convert
        why = e.msg if isinstance(e, json.JSONDecodeError) else str(e)[:80]
        raise CheckpointError(f"{cp} is not valid JSON ({why}). {hint}") from None
    if not isinstance(card, dict):
        raise CheckpointError(f"{cp} is not a card (a JSON object). {hint}")
    if _depth(card, MAX_CARD_DEPTH) > MAX_CARD_DEPTH:
        raise CheckpointError(f"{cp} is nested more than {MAX_CARD_DEPTH} levels deep. {hint}")
    return card


def read_card(weights_path: Path, kind: str | None = None) -> dict:
    """The card beside `weights_path`, read safely and checked against its seal (and against `kind`, when given)."""
    weights_path = Path(weights_path)
    cp = card_path(weights_path)
    name = kind or weights_path.stem
    hint = rebuild_hint(name)
    card = parse_card(read_regular(cp, MAX_CARD_BYTES, hint), cp, hint)
    seal = card.get(SEAL)
    if seal is None:
        raise CheckpointError(
            f"{cp} has no {SEAL} (a card written before cards were sealed): seal it with `{RECARD}` "
            f"or rebuild it with: {rebuild_command(name)}"
        )
    if seal != card_digest(card):
        raise CheckpointError(f"{cp} does not match its own {SEAL} (edited or corrupt). {hint}")
    if kind is not None and card.get("kind") != kind:
        raise CheckpointError(f"{cp} describes a {str(card.get('kind'))[:40]!r} model, expected {kind!r}. {hint}")
    if "config" in card:
        if not isinstance(card["config"], dict):
            raise CheckpointError(f"{cp} has a config that is not an object. {hint}")
        cfg = CardConfig(card["config"])
        cfg.source, cfg.kind = cp, name
        card["config"] = cfg
    return card


# ---- pairs: weights + card ----


def prev_path(weights_path: Path) -> Path:
    weights_path = Path(weights_path)
    return weights_path.parent / PREV / weights_path.name


def _read_pair(weights_path: Path, kind: str, cap: int, need_config: bool) -> tuple[bytes, dict]:
    hint = rebuild_hint(kind)
    stat_regular(weights_path, cap, hint)  # a missing weights file is named before its card
    card = read_card(weights_path, kind)
    if need_config and "config" not in card:
        raise CheckpointError(f"{card_path(weights_path)} has no config. {hint}")
    data = read_regular(weights_path, cap, hint)
    if hashlib.sha256(data).hexdigest() != card.get("sha256"):
        raise CheckpointError(f"{weights_path} does not match the sha256 in its card (corrupt or replaced). {hint}")
    return data, card


def read_checked(
    weights_path: Path, kind: str | None = None, *, cap: int = MAX_WEIGHTS_BYTES, need_config: bool = True
) -> tuple[bytes, dict]:
    """The weights' bytes and their card after every check above; falls back to the previous pair when the main one
    was left half-replaced by a killed save."""
    weights_path = Path(weights_path)
    kind = kind or weights_path.stem
    try:
        return _read_pair(weights_path, kind, cap, need_config)
    except CheckpointError as err:
        prev = prev_path(weights_path)
        if not os.path.lexists(prev):
            raise
        try:
            data, card = _read_pair(prev, kind, cap, need_config)
        except CheckpointError:
            raise err from None
        log.warning("%s — using the previous pair kept in %s (a save was interrupted)", err, prev.parent)
        return data, card


def load_checkpoint(weights_path: Path, kind: str | None = None) -> tuple[dict[str, torch.Tensor], dict]:
    """Read weights after checking the card's seal and sha256; fail with the file name and the command that
    rebuilds it."""
    weights_path = Path(weights_path)
    kind = kind or weights_path.stem
    data, card = read_checked(weights_path, kind)
    try:
        state = load_bytes(data)
    except Exception as e:
        raise CheckpointError(f"{weights_path} cannot be read ({str(e)[:200]}). {rebuild_hint(kind)}") from None
    return state, card


def _fit_problems(own: dict[str, torch.Tensor], state: dict[str, torch.Tensor]) -> str:
    missing = sorted(set(own) - set(state))
    unexpected = sorted(set(state) - set(own))
    bad = [k for k in own if k in state and tuple(own[k].shape) != tuple(state[k].shape)]
    return "; ".join(
        s
        for s in (
            f"missing {missing[:3]}" if missing else "",
            f"unexpected {unexpected[:3]}" if unexpected else "",
            f"shape mismatch {bad[:3]}" if bad else "",
        )
        if s
    )


def load_into(model: torch.nn.Module, state: dict[str, torch.Tensor], weights_path: Path, kind: str) -> torch.nn.Module:
    """Strict load with a readable message when names or shapes disagree with the config in the card."""
    own = model.state_dict()
    detail = _fit_problems(own, state)
    if detail:
        raise CheckpointError(f"{weights_path} does not fit its config ({detail}). {rebuild_hint(kind)}")
    model.load_state_dict({k: v.to(own[k].dtype) for k, v in state.items()})
    return model


def build_checked(
    make: Callable[[], torch.nn.Module], state: dict[str, torch.Tensor], weights_path: Path, kind: str
) -> torch.nn.Module:
    """make() on the meta device first (no memory), compared with the weights; only a model that fits is built for
    real and loaded. A config whose model would not fit its weights never allocates a tensor."""
    try:
        with torch.device("meta"):
            shell = make()
    except CheckpointError:
        raise
    except Exception as e:
        raise CheckpointError(
            f"{card_path(weights_path)} has a config that does not build a model ({type(e).__name__}: "
            f"{str(e)[:120]}). {rebuild_hint(kind)}"
        ) from None
    detail = _fit_problems(shell.state_dict(), state)
    if detail:
        raise CheckpointError(f"{weights_path} does not fit its config ({detail}). {rebuild_hint(kind)}")
    return load_into(make(), state, weights_path, kind)


# ---- writing ----


def _fsync(path: Path) -> None:
    flags = os.O_RDONLY | (getattr(os, "O_DIRECTORY", 0) if path.is_dir() else 0)
    fd = os.open(path, flags)
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a directory; the rename order is what matters against a kill
    finally:
        os.close(fd)


def _why(e: Exception) -> str:
    return getattr(e, "strerror", None) or str(e)[:200]


def _tmp_name(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.tmp")


def atomic_write_bytes(path: Path, write) -> None:
    path = Path(path)
    tmp = _tmp_name(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except (OSError, SafetensorError) as e:
        # named after the file meant, not the temporary one
        raise CheckpointError(f"cannot write {path} ({_why(e)})") from None
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


def _pair_agrees(weights_path: Path) -> bool:
    """Do the weights match their card's sha256? (Unsealed cards count: --recard can still seal them.)"""
    try:
        cp = card_path(weights_path)
        card = parse_card(read_regular(cp, MAX_CARD_BYTES, ""), cp, "")
        data = read_regular(weights_path, MAX_WEIGHTS_BYTES, "")
    except CheckpointError:
        return False
    return hashlib.sha256(data).hexdigest() == card.get("sha256")


def _link_over(src: Path, dst: Path) -> None:
    # A hard link needs no copy; a rename over dst puts it in place whole.
    tmp = _tmp_name(dst)
    tmp.unlink(missing_ok=True)
    try:
        os.link(src, tmp)
    except OSError:  # a file system without hard links
        import shutil

        shutil.copyfile(src, tmp)
    os.replace(tmp, dst)
    tmp.unlink(missing_ok=True)  # rename() between two links of one file does nothing and leaves tmp behind


def save_pair(weights_path: Path, write_weights: Callable[[Path], None], card: dict) -> dict:
    """Write NAME.<ext> and NAME.json so that a kill at any instant leaves the old pair or the new pair loadable:

      1. the new weights and the new card go to temporary files (the card records the weights' sha256);
      2. if the current pair agrees with itself, it is linked into .prev/ (weights first, then card);
      3. the new weights are renamed over NAME.<ext> (main pair torn: the loader uses .prev/);
      4. the new card is renamed over NAME.json (main pair whole again);
      5. .prev/ is emptied (card first, so a half-removed .prev/ pair never looks whole).

    A torn main pair from an earlier kill is never copied into .prev/ (step 2), so the good pair there survives.
    Returns the sealed card."""
    weights_path = Path(weights_path)
    cp = card_path(weights_path)
    folder = weights_path.parent
    tmp_w, tmp_c = _tmp_name(weights_path), _tmp_name(cp)
    prev_w = prev_path(weights_path)
    prev_c = card_path(prev_w)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        for d in (folder, prev_w.parent):  # temporaries of this pair left by a killed save (another pid)
            for name in (weights_path.name, cp.name):
                for stale in d.glob(f".{name}.*.tmp"):
                    stale.unlink(missing_ok=True)
        write_weights(tmp_w)
        os.chmod(tmp_w, 0o644)
        _fsync(tmp_w)
        sealed = seal_card({**card, "sha256": sha256_file(tmp_w), "bytes": tmp_w.stat().st_size})
        tmp_c.write_text(json.dumps(sealed, indent=2) + "\n", encoding="utf-8")
        os.chmod(tmp_c, 0o644)
        _fsync(tmp_c)
        if _pair_agrees(weights_path):
            prev_w.parent.mkdir(exist_ok=True)
            _link_over(weights_path, prev_w)
            _link_over(cp, prev_c)
            _fsync(prev_w.parent)
        os.replace(tmp_w, weights_path)
        os.replace(tmp_c, cp)
        _fsync(folder)
        prev_c.unlink(missing_ok=True)
        prev_w.unlink(missing_ok=True)
        try:
            prev_w.parent.rmdir()
        except OSError:
            pass  # absent, or other pairs' previous files are in it
    except (OSError, SafetensorError) as e:
        raise CheckpointError(f"cannot write {weights_path} and its card ({_why(e)})") from None
    finally:
        for t in (tmp_w, tmp_c):
            t.unlink(missing_ok=True)
    return sealed


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
    """Write NAME.safetensors and its card as one pair. Returns the card."""
    # safetensors refuses shared or non-contiguous storage: give every tensor its own contiguous copy.
    clean = {k: v.detach().to("cpu").contiguous().clone() for k, v in state.items()}
    card = {
        "kind": kind,
        "config": dataclasses.asdict(config) if dataclasses.is_dataclass(config) else config,
        "training": training or {},
        "dataset": dataset,
        "metrics": metrics or {},
        "gendemo_version": __version__,
        "git_commit": git_commit(),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "sha256": None,  # filled in from the file written
        "bytes": None,
        "rebuild": rebuild_command(kind),
    }
    if extra:
        card.update(extra)
    return save_pair(weights_path, lambda tmp: save_file(clean, str(tmp), metadata={"kind": kind}), card)


# ---- sealing cards written before the seal existed ----


def recard(folder: Path, force: bool = False, names: list[str] | None = None) -> list[str]:
    """Seal every card in `folder` whose weights match its sha256; the weights are only read. Returns one line per
    card. A card whose seal is wrong is left alone unless `force` (after a deliberate edit by hand)."""
    folder = Path(folder)
    lines = []
    for cp in sorted(folder.glob("*.json")):
        if names and cp.stem not in names:
            continue
        rebuild = rebuild_command(cp.stem)
        hint = rebuild_hint(cp.stem)
        try:
            card = parse_card(read_regular(cp, MAX_CARD_BYTES, hint), cp, hint)
            weights = [w for w in map(cp.with_suffix, WEIGHT_SUFFIXES) if os.path.lexists(w)]
            if len(weights) != 1:
                lines.append(f"skipped {cp.name}: {len(weights)} weight files beside it")
                continue
            data = read_regular(weights[0], MAX_WEIGHTS_BYTES, hint)
            if hashlib.sha256(data).hexdigest() != card.get("sha256"):
                lines.append(f"refused {cp.name}: {weights[0].name} does not match its sha256; rebuild: {rebuild}")
                continue
            if card.get(SEAL) == card_digest(card):
                lines.append(f"already sealed {cp.name}")
                continue
            if SEAL in card and not force:
                lines.append(f"refused {cp.name}: its {SEAL} is wrong (edited?); `{RECARD} --force {cp.stem}`")
                continue
            write_card(cp, card)
            lines.append(f"sealed {cp.name}")
        except CheckpointError as e:
            lines.append(f"refused {cp.name}: {e}")
    return lines


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


def state_digest(tensors: dict[str, torch.Tensor], skeleton: str) -> str:
    """sha256 over the skeleton and every tensor's name, dtype, shape and bytes (in name order)."""
    h = hashlib.sha256(skeleton.encode("utf-8"))
    for name in sorted(tensors):
        t = tensors[name].detach().to("cpu").contiguous()
        h.update(f"\0{name}\0{t.dtype}\0{tuple(t.shape)}\0".encode())
        h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def save_resume_state(run_dir: Path, state: dict[str, Any]) -> None:
    # One file, so a save is atomic as a whole: the JSON skeleton and the checksum ride in the safetensors header.
    tensors, skeleton = flatten_state(state)
    clean = {k: v.detach().to("cpu").contiguous().clone() for k, v in tensors.items()}
    sk = json.dumps(skeleton)
    meta = {"skeleton": sk, "sha256": state_digest(clean, sk)}
    atomic_write_bytes(Path(run_dir) / "state.safetensors", lambda tmp: save_file(clean, str(tmp), metadata=meta))


def load_resume_state(run_dir: Path) -> dict[str, Any] | None:
    from safetensors import safe_open

    st = Path(run_dir) / "state.safetensors"
    if not os.path.lexists(st):
        return None
    afresh = f"Delete {st} to start afresh."
    stat_regular(st, MAX_STATE_BYTES, afresh)
    try:
        with safe_open(str(st), framework="pt") as f:
            meta = f.metadata() or {}
            sk = meta["skeleton"]
            names = f.keys()  # safe_open is not a mapping: `k in f` would not work, keys() is its API
            tensors = {k: f.get_tensor(k) for k in names}
        skeleton = json.loads(sk)
    except Exception as e:
        raise CheckpointError(f"{st} cannot be read ({str(e)[:200]}). {afresh}") from None
    want = meta.get("sha256")
    if want is None:  # written before resume states carried a checksum
        print(f"warning: {st} has no checksum (an older gendemo wrote it); resuming unchecked", file=sys.stderr)
    elif state_digest(tensors, sk) != want:
        raise CheckpointError(f"{st} is corrupt (its contents do not match the checksum in its header). {afresh}")
    return unflatten_state(tensors, skeleton)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m gendemo.core.checkpoints",
        description="Seal the JSON cards of a checkpoint folder (cards written before card_sha256 existed).",
    )
    p.add_argument("--recard", action="store_true", required=True, help="seal every card whose weights match it")
    p.add_argument("--dir", default=str(CHECKPOINT_DIR), help="the folder (default: the checkpoint folder)")
    p.add_argument("--force", action="store_true", help="also re-seal cards whose seal is wrong (after a hand edit)")
    p.add_argument("names", nargs="*", help="only these cards (file stems, e.g. gan_chapter)")
    a = p.parse_args(argv)
    lines = recard(Path(a.dir), force=a.force, names=a.names or None)
    for line in lines:
        print(line)
    return 1 if any(line.startswith("refused") for line in lines) else 0


if __name__ == "__main__":
    raise SystemExit(main())
