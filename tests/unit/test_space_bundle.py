"""python -m gendemo.space build: the folder to upload as a Space, checked offline for each hardware."""

import fnmatch
import json
import re
import sys
from pathlib import Path

import pytest
import yaml
from support import ROOT, procs

from gendemo.app.space_bundle import HARDWARE
from gendemo.core import model_card
from gendemo.core.checkpoints import sha256_file
from gendemo.core.paths import CHECKPOINT_DIR


def _build(hardware: str, out: Path):
    return procs.run(
        [sys.executable, "-m", "gendemo.space", "build", "--hardware", hardware, str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module", params=sorted(HARDWARE))
def space(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param) / "space"
    r = _build(request.param, out)
    assert r.returncode == 0, r.stderr[-3000:]
    return request.param, out, json.loads(r.stdout)


def _pins(text: str) -> dict[str, str]:
    return dict(re.findall(r"^([A-Za-z0-9_.-]+)(?:\[[^\]]*\])?==(\S+)", text, re.M))


def test_requirements_fit_the_hardware(space):
    hardware, out, _ = space
    reqs = (out / "requirements.txt").read_text()
    ours = _pins((ROOT / "requirements.txt").read_text())
    pins = _pins(reqs)
    if hardware == "cpu-basic":
        assert "--extra-index-url https://download.pytorch.org/whl/cpu" in reqs.splitlines()
        assert pins["torch"] == ours["torch"] + "+cpu" and pins["torchvision"] == ours["torchvision"] + "+cpu"
        assert "spaces" not in pins
    else:
        assert "--extra-index-url" not in reqs and "+cpu" not in reqs
        assert pins["torch"] == ours["torch"]
        assert pins["spaces"] == _pins((ROOT / "requirements-dev.txt").read_text())["spaces"]
    for name, version in ours.items():  # everything else exactly as the project pins it
        if name not in ("torch", "torchvision"):
            assert pins[name] == version, name
    assert "gradio[mcp]==" in reqs


def test_front_matter_configures_the_space(space):
    hardware, out, _ = space
    text = (out / "README.md").read_text(encoding="utf-8")
    meta = yaml.safe_load(text[4:].split("\n---\n", 1)[0])
    assert (
        meta["sdk"] == "gradio" and str(meta["sdk_version"]) == _pins((ROOT / "requirements.txt").read_text())["gradio"]
    )
    assert (out / meta["app_file"]).is_file()
    assert meta["suggested_hardware"] == HARDWARE[hardware].suggested
    assert str(meta["python_version"]) == HARDWARE[hardware].python
    if hardware == "zerogpu":
        assert str(meta["python_version"]) in ("3.12.12", "3.10.13")  # the versions ZeroGPU lists
    assert meta["models"] == [model_card.ENCODER_HUB_ID] and meta["datasets"] == [model_card.DATASET]
    assert text.split("\n---\n", 1)[1] == (ROOT / "README.md").read_text(encoding="utf-8").split("\n---\n", 1)[1]


def test_checkpoints_with_their_cards(space):
    _, out, summary = space
    names = model_card.names(CHECKPOINT_DIR)
    assert summary["checkpoints"] == names
    for name in names:
        weights = model_card.weights_file(name, out / "checkpoints")
        card = json.loads((out / "checkpoints" / f"{name}.json").read_text())
        assert sha256_file(weights) == card["sha256"], name
        assert (out / "checkpoints" / f"{name}.md").read_text() == (CHECKPOINT_DIR / f"{name}.md").read_text()
    assert {p.name for p in (out / "checkpoints").iterdir()} == {
        f for n in names for f in (f"{n}.json", f"{n}.md", model_card.weights_file(n, CHECKPOINT_DIR).name)
    }


def test_every_binary_file_goes_through_lfs(space):
    _, out, _ = space
    lines = (out / ".gitattributes").read_text().splitlines()
    assert lines and all(line.endswith(" filter=lfs diff=lfs merge=lfs -text") for line in lines)
    rules = [line.split()[0] for line in lines]
    for p in out.rglob("*"):
        if p.is_file() and p.suffix in (".safetensors", ".npz", ".png", ".jpg"):
            assert any(fnmatch.fnmatch(p.name, r) for r in rules), p
        if p.suffix in (".py", ".md", ".json", ".txt", ".tsv"):  # text stays in plain git
            assert not any(fnmatch.fnmatch(p.name, r) for r in rules), p


def test_the_app_and_nothing_else(space):
    _, out, summary = space
    data = (".py", ".tsv", ".json")  # code, prompt sets, the precomputed failure gallery (diffusion/failures.json)
    code = {p.relative_to(ROOT).as_posix() for p in (ROOT / "gendemo").rglob("*") if p.suffix in data}
    shipped = {p.relative_to(out).as_posix() for p in (out / "gendemo").rglob("*") if p.is_file()}
    assert code == shipped
    assert {p.name for p in out.iterdir()} == {
        "README.md",
        "requirements.txt",
        "packages.txt",
        ".gitattributes",
        "app.py",
        "gendemo",
        "checkpoints",
        "examples",
        "docs",
    }
    assert summary["bytes"] == sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    # the charts' Chinese labels need a CJK font on the Space's machine (one of those gan_common asks matplotlib for)
    from gendemo.app.ui.gan_common import CJK_FONTS

    assert (out / "packages.txt").read_text().split() == ["fonts-wqy-microhei"] and "WenQuanYi Micro Hei" in CJK_FONTS


@pytest.mark.heavy  # a fresh Python process imports the whole app from the folder
def test_the_folder_runs_on_its_own(tmp_path):
    out = tmp_path / "space"  # one hardware is enough: both folders hold the same code
    assert _build("cpu-basic", out).returncode == 0
    code = f"import app, gendemo; assert gendemo.__file__.startswith({str(out)!r}); print(len(app.demo.fns))"
    r = procs.run([sys.executable, "-c", code], cwd=out, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and int(r.stdout.split()[-1]) > 0, r.stderr[-3000:]


def test_a_used_folder_is_refused(tmp_path):
    (tmp_path / "keep.txt").write_text("mine")
    r = _build("cpu-basic", tmp_path)
    assert r.returncode == 1 and "not empty" in r.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["keep.txt"]
