"""Checkpoints that could hang or bloat the app, and saves killed half-way (issue 13, cases 8–12).

Each test names its case. Loads that would hang on a FIFO run in a thread with a deadline, so a regression fails the
test instead of stalling the suite."""

import dataclasses
import hashlib
import json
import os
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import torch
from support import ROOT, procs

import gendemo.app.registry as registry_mod
import gendemo.classifier.model as classifier_model
import gendemo.gan.model as gan_model
from gendemo.app.registry import ModelUnavailable, Registry
from gendemo.catalog import CATALOG
from gendemo.classifier.model import Classifier, ClassifierConfig, load_classifier
from gendemo.core.checkpoints import (
    MAX_CARD_BYTES,
    MAX_WEIGHTS_BYTES,
    SEAL,
    WEIGHT_SUFFIXES,
    CheckpointError,
    load_checkpoint,
    load_resume_state,
    read_card,
    recard,
    save_checkpoint,
    save_resume_state,
    write_card,
)
from gendemo.core.config import check_config
from gendemo.core.paths import CHECKPOINT_DIR
from gendemo.diffusion.model import ScheduleSpec, load_diffusion
from gendemo.diffusion.unet import UNet, UNetConfig
from gendemo.gan.model import CGANConfig, GANConfig, Generator, load_gan

TINY = ClassifierConfig(channels=(4, 8), features=16)
REBUILD = "python -m gendemo.train classifier"


def within(seconds: float, fn, *args):
    """fn(*args) in a daemon thread: a load that never returns fails the test instead of hanging it."""
    box = {}

    def run():
        try:
            box["value"] = fn(*args)
        except BaseException as e:
            box["error"] = e

    th = threading.Thread(target=run, daemon=True)
    th.start()
    th.join(seconds)
    assert not th.is_alive(), f"{getattr(fn, '__name__', fn)} did not return within {seconds} s"
    if "error" in box:
        raise box["error"]
    return box["value"]


def tiny_pair(folder: Path, tag: str = "a") -> tuple[Path, Classifier]:
    torch.manual_seed({"a": 0, "b": 1, "c": 2, "d": 3}[tag])
    m = Classifier(TINY)
    path = folder / "classifier.safetensors"
    save_checkpoint(path, m.state_dict(), kind="classifier", config=TINY, training={"tag": tag})
    return path, m


def edit_card(weights: Path, change, seal: bool = True) -> None:
    """Change a card as a hand edit or a forger would: re-sealed (so the bounds, not the seal, must refuse it)."""
    cp = weights.with_suffix(".json")
    card = json.loads(cp.read_text())
    change(card)
    if seal:
        write_card(cp, card)
    else:
        cp.write_text(json.dumps(card))


def refused(fn, *args) -> str:
    with pytest.raises(CheckpointError) as e:
        within(10, fn, *args)
    return str(e.value)


# ---- case 8: files that are not small regular files ----


def _make_hostile(path: Path, what: str, cap: int) -> None:
    path.unlink()
    if what == "fifo":
        os.mkfifo(path)
    elif what == "directory":
        path.mkdir()
    else:  # sparse: over the cap without using the disk, and never read
        with open(path, "wb") as f:
            f.truncate(cap + 1)


WHAT = {"fifo": "a FIFO", "directory": "a directory", "oversize": "-byte limit"}


@pytest.mark.parametrize("what", list(WHAT))
def test_case8_weights_that_are_not_a_small_regular_file_are_refused_at_once(tmp_path, what):
    path, _ = tiny_pair(tmp_path)
    _make_hostile(path, what, MAX_WEIGHTS_BYTES)
    t0 = time.perf_counter()
    msg = refused(load_checkpoint, path, "classifier")
    assert time.perf_counter() - t0 < 2
    assert str(path) in msg and WHAT[what] in msg and REBUILD in msg


@pytest.mark.parametrize("what", list(WHAT))
def test_case8_cards_that_are_not_a_small_regular_file_are_refused_at_once(tmp_path, what):
    path, _ = tiny_pair(tmp_path)
    _make_hostile(path.with_suffix(".json"), what, MAX_CARD_BYTES)
    msg = refused(load_checkpoint, path, "classifier")
    assert str(path.with_suffix(".json")) in msg and WHAT[what] in msg and REBUILD in msg


CAPPED_LOAD = """
import resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))  # a regression ends in MemoryError, not in the OOM killer
from gendemo.core.checkpoints import CheckpointError, load_checkpoint, load_resume_state
from gendemo.diffusion.model import load_diffusion
from gendemo.gan.model import load_gan
load = {"classifier": lambda p: load_checkpoint(p, "classifier"), "gan": load_gan, "diffusion": load_diffusion}
load["resume"] = load_resume_state
t0 = time.perf_counter()
try:
    load[sys.argv[1]](sys.argv[2])
except CheckpointError as e:
    print(f"{time.perf_counter() - t0:.3f}")
    print(e)
    sys.exit(0)
sys.exit(3)
"""


def capped_load(model: str, path: Path) -> tuple[float, str]:
    """The load in a child process with a 4 GB address-space cap and a deadline: the seconds it took to refuse, and
    the message. What these files did to the old loader (gigabytes, endless reads) cannot reach the test machine."""
    r = procs.run(
        [sys.executable, "-c", CAPPED_LOAD, model, str(path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert r.returncode == 0, r.stdout[-500:] + r.stderr[-1500:]
    seconds, msg = r.stdout.split("\n", 1)
    return float(seconds), msg


@pytest.mark.slow
@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
@pytest.mark.parametrize("which", ["weights", "card"])
def test_case8_symlinks_to_endless_devices_are_refused(tmp_path, device, which):
    if not Path(device).exists():
        pytest.skip(f"no {device} here")
    path, _ = tiny_pair(tmp_path)
    target = path if which == "weights" else path.with_suffix(".json")
    target.unlink()
    target.symlink_to(device)
    seconds, msg = capped_load("classifier", path)
    assert seconds < 1
    assert "a character device, not a regular file" in msg and REBUILD in msg


def test_case8_a_hanging_checkpoint_does_not_stop_the_app_loading_the_others(tmp_path, monkeypatch):
    # The issue's scenario: the background loader met a FIFO and never got to the models after it.
    path, _ = tiny_pair(tmp_path)
    _make_hostile(path, "fifo", 0)
    monkeypatch.setattr(classifier_model, "CHECKPOINT_DIR", tmp_path)
    reg = Registry()
    within(10, lambda: reg.warm(["classifier", "cgan"]).join())
    assert "cgan" in reg._models
    msg = reg.status("classifier")
    assert "a FIFO" in msg and REBUILD in msg


# ---- the app: a failed load is remembered, and never holds other requests ----


def test_case10_any_loader_failure_is_remembered_and_warming_goes_on(monkeypatch):
    calls = []

    def broken(device):
        calls.append(device)
        raise TypeError("Classifier.__init__() got an unexpected keyword argument 'widht'")  # the old loaders' fate

    real = {CATALOG["classifier"].loader: broken}
    monkeypatch.setattr(registry_mod, "resolve", lambda spec: real.get(spec, lambda device: f"loaded {spec}"))
    reg = Registry()
    within(10, lambda: reg.warm(["classifier", "cgan"]).join())
    assert reg._models.get("cgan", "").startswith("loaded")  # the warm-up went past the broken model
    for _ in range(3):
        with pytest.raises(ModelUnavailable) as e:
            reg.get("classifier")
        assert "classifier could not be loaded (TypeError" in str(e.value) and REBUILD in str(e.value)
    assert len(calls) == 1  # not retried per request


def test_case8_a_request_never_waits_long_for_another_thread_loading_the_same_model(monkeypatch):
    started, release = threading.Event(), threading.Event()

    def stuck(device):
        started.set()
        release.wait(20)
        return "late"

    real = {CATALOG["classifier"].loader: stuck}
    monkeypatch.setattr(registry_mod, "resolve", lambda spec: real.get(spec, lambda device: "ok"))
    monkeypatch.setattr(registry_mod, "LOAD_WAIT_S", 0.3)
    reg = Registry()
    reg.warm(["classifier"])
    assert started.wait(5)
    try:
        t0 = time.perf_counter()
        with pytest.raises(ModelUnavailable, match="still loading"):
            within(5, reg.get, "classifier")
        assert time.perf_counter() - t0 < 2
        assert within(5, reg.get, "cgan") == "ok"  # other models are served meanwhile
    finally:
        release.set()


# ---- case 9: the card's config is sealed and bounded; nothing is built before it is checked ----


@pytest.fixture
def built(monkeypatch):
    """Records, for every model built by the loaders, the device it was built on ('meta' costs no memory)."""
    devices = []

    def recording(cls):
        class Recording(cls):
            def __init__(self, *a, **k):
                devices.append(torch.empty(()).device.type)
                super().__init__(*a, **k)

        return Recording

    monkeypatch.setattr(classifier_model, "Classifier", recording(Classifier))
    monkeypatch.setattr(gan_model, "Generator", recording(Generator))
    return devices


def test_case9_an_edited_config_is_refused_by_the_card_seal(tmp_path, built):
    path, _ = tiny_pair(tmp_path)
    edit_card(path, lambda c: c["config"].update(features=32), seal=False)
    msg = refused(load_classifier, path)
    assert f"does not match its own {SEAL}" in msg and str(path.with_suffix(".json")) in msg and REBUILD in msg
    assert built == []


def _tiny_gan(folder: Path) -> Path:
    torch.manual_seed(0)
    path = folder / "gan.safetensors"
    save_checkpoint(path, Generator().state_dict(), kind="gan", config=GANConfig())
    return path


def test_case9_a_config_over_its_bounds_is_refused_before_anything_is_built(tmp_path, built):
    path = _tiny_gan(tmp_path)
    edit_card(path, lambda c: c["config"].update(g_hidden=[256, 512, 4096]))  # (the issue's 300000: slow test)
    msg = refused(load_gan, path)
    assert "g_hidden[2] = 4096 is outside 1..2048" in msg and "python -m gendemo.train gan" in msg
    assert str(path.with_suffix(".json")) in msg and built == []


def test_case9_a_config_within_bounds_that_does_not_fit_the_weights_is_only_built_on_meta(tmp_path, built):
    path, _ = tiny_pair(tmp_path)
    edit_card(path, lambda c: c["config"].update(features=4096, channels=[512, 512]))
    msg = refused(load_classifier, path)
    assert "does not fit its config" in msg and REBUILD in msg
    assert built == ["meta"]  # compared on the meta device; no real tensor was allocated for it


def _tiny_diffusion(folder: Path) -> Path:
    cfg = UNetConfig(channels=(8, 16, 16), cond_dim=16, groups=4, heads=2)
    path = folder / "diffusion.safetensors"
    save_checkpoint(
        path, UNet(cfg).state_dict(), kind="diffusion", config=cfg, extra={"schedule": "cosine", "timesteps": 50}
    )
    return path


def test_case9_diffusion_channels_over_their_bound_are_refused(tmp_path):
    path = _tiny_diffusion(tmp_path)
    assert load_diffusion(path)[0].schedule.T == 50
    edit_card(path, lambda c: c["config"].update(channels=[16, 48, 600]))
    msg = refused(load_diffusion, path)
    assert "channels[2] = 600 is outside 1..512" in msg and "python -m gendemo.train diffusion" in msg


@pytest.mark.slow
@pytest.mark.parametrize(
    "model, change, expected",
    [
        ("gan", {"g_hidden": [256, 512, 300000]}, "g_hidden[2] = 300000 is outside 1..2048"),  # 2 GB before
        ("diffusion", {"channels": [4096, 4096, 4096]}, "channels[0] = 4096 is outside 1..512"),  # over 5 GB before
    ],
)
def test_case9_the_issues_gigabyte_configs_are_refused_at_once(tmp_path, model, change, expected):
    path = _tiny_gan(tmp_path) if model == "gan" else _tiny_diffusion(tmp_path)
    edit_card(path, lambda c: c["config"].update(change))
    seconds, msg = capped_load(model, path)
    assert seconds < 1 and expected in msg and f"python -m gendemo.train {model}" in msg


# ---- case 10: malformed cards, each one clear message naming the file and the rebuild command ----


def _deep(n):
    v = 1
    for _ in range(n):
        v = [v]
    return v


MALFORMED = {
    "unknown key": (lambda c: c["config"].update(widht=3), "unknown field 'widht'"),
    "config missing": (lambda c: c.pop("config"), "has no config"),
    "config a list": (lambda c: c.update(config=[32, 64]), "config that is not an object"),
    "negative size": (lambda c: c["config"].update(features=-5), "features = -5 is outside 1..4096"),
    "deep nesting": (lambda c: c["config"].update(features=_deep(200)), "nested more than 32 levels"),
    "bool as int": (lambda c: c["config"].update(features=True), "features must be an int, not a bool"),
    "float as int": (lambda c: c["config"].update(features=16.0), "features must be an int, not float"),
    "nan": (lambda c: c["config"].update(dropout=float("nan")), "dropout must be a finite number"),
    "wrong count": (lambda c: c["config"].update(channels=[4, 8, 8]), "channels has 3 entries; it takes 2 to 2"),
    "wrong kind": (lambda c: c.update(kind="gan"), "describes a 'gan' model, expected 'classifier'"),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_case10_malformed_cards_give_one_clear_message(tmp_path, case, built):
    path, _ = tiny_pair(tmp_path)
    change, expected = MALFORMED[case]
    edit_card(path, change)
    msg = refused(load_classifier, path)
    assert expected in msg and str(path.with_suffix(".json")) in msg and REBUILD in msg
    assert built == []


@pytest.mark.parametrize(
    "text, expected",
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"kind": "classifier", "config": {"features": ' + "1" * 5000 + "}}", "not valid JSON"),
        ("\xff\xfe not text", "is not UTF-8 text"),
        ("[1, 2]", "is not a card"),
    ],
)
def test_case10_cards_that_are_not_json_objects(tmp_path, text, expected):
    path, _ = tiny_pair(tmp_path)
    path.with_suffix(".json").write_text(text, encoding="latin-1")
    msg = refused(load_checkpoint, path, "classifier")
    assert expected in msg and REBUILD in msg


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"timesteps": -1}, "timesteps = -1 is outside 1..10000"),
        ({"timesteps": 0}, "timesteps = 0 is outside 1..10000"),
        ({"timesteps": 10**9}, "timesteps = 1000000000 is outside"),
        ({"timesteps": "1000"}, "timesteps must be an int, not a string"),
        ({"schedule": "quadratic"}, "schedule 'quadratic' is not one of linear, cosine"),
    ],
)
def test_case10_diffusion_schedule_in_the_card_is_checked(tmp_path, change, expected):
    path = _tiny_diffusion(tmp_path)
    edit_card(path, lambda c: c.update(change))
    msg = refused(load_diffusion, path)
    assert expected in msg and "python -m gendemo.train diffusion" in msg


@pytest.mark.parametrize("cls", [GANConfig, CGANConfig, ClassifierConfig, UNetConfig, ScheduleSpec])
def test_every_config_field_has_a_bound_that_its_default_meets(cls):
    assert set(cls.BOUNDS) == {f.name for f in dataclasses.fields(cls)}
    as_json = json.loads(json.dumps(dataclasses.asdict(cls())))
    assert check_config(cls, as_json) == cls()


def test_the_committed_cards_are_sealed_and_match_their_weights():
    cards = sorted(CHECKPOINT_DIR.glob("*.json"))
    assert cards
    for cp in cards:
        weights = [w for w in map(cp.with_suffix, WEIGHT_SUFFIXES) if w.exists()]
        assert len(weights) == 1, cp
        card = read_card(weights[0], card_kind(cp))  # sealed
        # the pair itself, never the .prev/ fallback (which git does not carry)
        assert hashlib.sha256(weights[0].read_bytes()).hexdigest() == card["sha256"], weights[0]


def card_kind(cp: Path) -> str:
    return json.loads(cp.read_text())["kind"]


# ---- sealing cards written before the seal: python -m gendemo.core.checkpoints --recard ----


def test_recard_seals_old_cards_without_touching_the_weights(tmp_path):
    path, _ = tiny_pair(tmp_path)
    edit_card(path, lambda c: c.pop(SEAL), seal=False)  # what save_checkpoint wrote before the seal
    weights = path.read_bytes()
    msg = refused(load_checkpoint, path, "classifier")
    assert f"has no {SEAL}" in msg and "python -m gendemo.core.checkpoints --recard" in msg
    assert recard(tmp_path) == ["sealed classifier.json"]
    assert recard(tmp_path) == ["already sealed classifier.json"]
    assert load_checkpoint(path, "classifier")[1]["training"]["tag"] == "a" and path.read_bytes() == weights
    # a card whose weights do not match is not sealed; an edited sealed card needs --force
    edit_card(path, lambda c: c["metrics"].update(note="hand edit"), seal=False)
    card = json.loads(path.with_suffix(".json").read_text())
    card[SEAL] = "0" * 64
    path.with_suffix(".json").write_text(json.dumps(card))
    assert recard(tmp_path)[0].startswith("refused classifier.json: its card_sha256 is wrong")
    assert recard(tmp_path, force=True) == ["sealed classifier.json"]
    path.write_bytes(weights[:-1] + bytes([weights[-1] ^ 1]))
    assert recard(tmp_path, force=True)[0].startswith("refused classifier.json: classifier.safetensors does not match")


# ---- case 11: a pair is replaced whole or not at all, wherever a save is killed ----


class Killed(BaseException):
    """A SIGKILL, simulated: raised instead of the next change to the file system; nothing after it happens."""


FS_CHANGES = ("replace", "rename", "link", "unlink", "rmdir")


def _kill_after(m: pytest.MonkeyPatch, n: int | None) -> dict:
    count = {"n": 0}

    def guard(real):
        def changed(*a, **k):
            if n is not None and count["n"] >= n:
                raise Killed()
            count["n"] += 1
            return real(*a, **k)

        return changed

    for name in FS_CHANGES:
        m.setattr(os, name, guard(getattr(os, name)))
    return count


def _save(folder: Path, tag: str, m: pytest.MonkeyPatch | None = None, kill_at: int | None = None) -> bool:
    if m is None:
        tiny_pair(folder, tag)
        return True
    _kill_after(m, kill_at)
    try:
        tiny_pair(folder, tag)
        return True
    except Killed:
        return False


def _loaded_tag(folder: Path) -> str:
    state, card = load_checkpoint(folder / "classifier.safetensors", "classifier")
    tag = card["training"]["tag"]
    torch.manual_seed({"a": 0, "b": 1, "c": 2}[tag])
    want = Classifier(TINY).state_dict()
    assert all(torch.equal(state[k], want[k]) for k in want), f"weights are not those of save {tag!r}"
    return tag


def test_case11_a_kill_at_any_point_of_a_save_leaves_the_old_or_the_new_pair(tmp_path, monkeypatch):
    with monkeypatch.context() as m:
        _save(tmp_path / "count", "a")
        points = _kill_after(m, None)
        _save(tmp_path / "count", "b")
    n = points["n"]
    for k1 in range(n + 1):
        folder = tmp_path / f"k{k1}"
        _save(folder, "a")
        with monkeypatch.context() as m:
            done = _save(folder, "b", m, k1)
        before = _loaded_tag(folder)
        assert before == "b" if done else before in ("a", "b")
        # killed again during the next save (after the restart), at every point
        for k2 in range(n + 1):
            again = tmp_path / f"k{k1}_{k2}"
            again.mkdir()
            for p in folder.rglob("*"):
                if p.is_file():
                    (again / p.relative_to(folder)).parent.mkdir(parents=True, exist_ok=True)
                    (again / p.relative_to(folder)).write_bytes(p.read_bytes())
            with monkeypatch.context() as m:
                done2 = _save(again, "c", m, k2)
            tag = _loaded_tag(again)
            assert tag == "c" if done2 else tag in (before, "c")
        # a save that runs to its end always lands, and leaves nothing beside the pair
        _save(folder, "c")
        assert _loaded_tag(folder) == "c"
        assert sorted(p.name for p in folder.iterdir()) == ["classifier.json", "classifier.safetensors"]
    assert n >= 4  # weights and card renamed, the previous pair linked aside and removed: every step was killed at


def test_case11_the_timeline_pair_is_replaced_whole_too(tmp_path, monkeypatch):
    from gendemo.gan.artifacts import load_timeline, save_timeline

    def timeline(epochs):
        return {
            "samples": [torch.full((64, 28, 28), e, dtype=torch.uint8) for e in range(epochs)],
            "shares": [torch.full((10,), 0.1) for _ in range(epochs)],
            **{k: [0.5] * epochs for k in ("loss_d", "loss_g", "d_real", "d_fake")},
        }

    path = tmp_path / "gan_timeline.npz"
    save_timeline(path, timeline(2), kind="gan_timeline", training={})
    for k in range(6):
        with monkeypatch.context() as m:
            _kill_after(m, k)
            try:
                save_timeline(path, timeline(3), kind="gan_timeline", training={})
            except Killed:
                pass
        tl = load_timeline(path)
        assert tl["card"]["epochs"] == tl["samples"].shape[0] in (2, 3)
        save_timeline(path, timeline(2), kind="gan_timeline", training={})


# ---- case 12: the resume state carries a checksum ----


def _resume_state(folder: Path) -> Path:
    m = Classifier(TINY)
    opt = torch.optim.Adam(m.parameters(), lr=1e-3)
    m(torch.rand(4, 1, 28, 28)).sum().backward()
    opt.step()
    save_resume_state(folder, {"opt": opt.state_dict(), "model": m.state_dict(), "step": 7})
    return folder / "state.safetensors"


def test_case12_flipped_bytes_in_the_resume_state_are_refused(tmp_path):
    p = _resume_state(tmp_path)
    assert load_resume_state(tmp_path)["step"] == 7
    data = bytearray(p.read_bytes())
    rng = np.random.default_rng(0)
    header = 8 + int.from_bytes(data[:8], "little")
    for i in rng.choice(np.arange(header, len(data)), 64, replace=False):  # 64 bytes of tensor data
        data[i] ^= 0xFF
    p.write_bytes(bytes(data))
    with pytest.raises(CheckpointError) as e:
        load_resume_state(tmp_path)
    assert "is corrupt" in str(e.value) and str(p) in str(e.value) and "start afresh" in str(e.value)


def test_case12_a_resume_state_written_before_the_checksum_still_loads_with_a_warning(tmp_path, capsys):
    from safetensors.torch import save_file

    p = _resume_state(tmp_path)
    from safetensors import safe_open

    with safe_open(str(p), framework="pt") as f:
        meta, tensors = f.metadata(), {k: f.get_tensor(k) for k in f.keys()}  # noqa: SIM118 -- not a mapping
    save_file(tensors, str(p), metadata={"skeleton": meta["skeleton"]})
    assert load_resume_state(tmp_path)["step"] == 7
    assert "has no checksum" in capsys.readouterr().err


def test_case12_a_fifo_as_resume_state_is_refused(tmp_path):
    os.mkfifo(tmp_path / "state.safetensors")
    # in a child: safetensors opens files holding the GIL, so a FIFO opened there would freeze this whole process
    seconds, msg = capped_load("resume", tmp_path)
    assert seconds < 1 and "state.safetensors is a FIFO, not a regular file" in msg and "start afresh" in msg
