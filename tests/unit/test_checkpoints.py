import json
from dataclasses import asdict

import pytest
import torch

from gendemo.classifier.model import Classifier, ClassifierConfig
from gendemo.core.checkpoints import (
    CheckpointError,
    atomic_save_tensors,
    load_checkpoint,
    load_into,
    load_resume_state,
    save_checkpoint,
    save_resume_state,
    sha256_file,
    write_card,
)


def _tiny():
    return Classifier(ClassifierConfig(channels=(4, 8), features=16))


def test_round_trip_with_card(tmp_path):
    m = _tiny()
    p = tmp_path / "classifier.safetensors"
    card = save_checkpoint(
        p, m.state_dict(), kind="classifier", config=m.cfg, training={"epochs": 1}, metrics={"accuracy": 0.5}
    )
    assert card["sha256"] == sha256_file(p) and card["kind"] == "classifier"
    on_disk = json.loads(p.with_suffix(".json").read_text())
    assert on_disk["config"] == json.loads(json.dumps(asdict(m.cfg))) and on_disk["metrics"] == {"accuracy": 0.5}
    assert "git_commit" in on_disk and "gendemo_version" in on_disk
    state, card2 = load_checkpoint(p, "classifier")
    # the config in the card rebuilds the model
    cfg = ClassifierConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in card2["config"].items()})
    m2 = load_into(Classifier(cfg), state, p, "classifier")
    for (k, a), (_, b) in zip(m.state_dict().items(), m2.state_dict().items()):
        assert torch.equal(a, b), k


def test_missing_checkpoint_names_file_and_command(tmp_path):
    with pytest.raises(CheckpointError) as e:
        load_checkpoint(tmp_path / "gan.safetensors", "gan")
    assert "gan.safetensors" in str(e.value) and "python -m gendemo.train gan" in str(e.value)


def test_tampered_checkpoint_is_refused(tmp_path):
    m = _tiny()
    p = tmp_path / "classifier.safetensors"
    save_checkpoint(p, m.state_dict(), kind="classifier", config=m.cfg)
    data = bytearray(p.read_bytes())
    data[-5] ^= 0xFF
    p.write_bytes(bytes(data))
    with pytest.raises(CheckpointError) as e:
        load_checkpoint(p, "classifier")
    assert (
        "sha256" in str(e.value)
        and "classifier.safetensors" in str(e.value)
        and "gendemo.train classifier" in str(e.value)
    )


def test_truncated_and_wrong_shape(tmp_path):
    m = _tiny()
    p = tmp_path / "classifier.safetensors"
    card = save_checkpoint(p, m.state_dict(), kind="classifier", config=m.cfg)
    # a checkpoint whose card agrees but whose shapes do not fit the config
    with pytest.raises(CheckpointError) as e:
        load_into(Classifier(ClassifierConfig(channels=(4, 8), features=32)), load_checkpoint(p)[0], p, "classifier")
    assert "shape mismatch" in str(e.value)
    # truncated file with a card rewritten (and re-sealed) to match: safetensors cannot parse it → our message
    p.write_bytes(p.read_bytes()[:100])
    card["sha256"] = sha256_file(p)
    write_card(p.with_suffix(".json"), card)
    with pytest.raises(CheckpointError) as e:
        load_checkpoint(p, "classifier")
    assert "cannot be read" in str(e.value)


def test_atomic_write_keeps_last_good_file(tmp_path, monkeypatch):
    p = tmp_path / "w.safetensors"
    atomic_save_tensors({"a": torch.ones(3)}, p)
    before = p.read_bytes()
    import gendemo.core.checkpoints as ck

    def boom(*a, **k):
        raise KeyboardInterrupt("killed mid-save")

    monkeypatch.setattr(ck, "save_file", boom)
    with pytest.raises(KeyboardInterrupt):
        atomic_save_tensors({"a": torch.zeros(3)}, p)
    assert p.read_bytes() == before and not list(tmp_path.glob(".*.tmp"))


def test_resume_state_round_trip_with_optimizer(tmp_path):
    m = _tiny()
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    m(torch.rand(4, 1, 28, 28)).sum().backward()
    opt.step()
    g = torch.Generator().manual_seed(3)
    save_resume_state(tmp_path, {"opt": opt.state_dict(), "gen": g.get_state(), "step": 7, "names": ("a", "b")})
    st = load_resume_state(tmp_path)
    assert st["step"] == 7 and st["names"] == ("a", "b")
    opt2 = torch.optim.Adam(_tiny().parameters(), lr=1e-3)
    opt2.load_state_dict(st["opt"])
    a, b = opt.state_dict(), opt2.state_dict()
    assert a["param_groups"][0]["lr"] == b["param_groups"][0]["lr"]
    for k in a["state"]:
        assert torch.equal(a["state"][k]["exp_avg"], b["state"][k]["exp_avg"])
    assert torch.equal(st["gen"], g.get_state())
