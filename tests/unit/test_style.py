"""The committed ruff configuration (pyproject.toml: 120 columns, the rules kept) holds for the whole tree."""

import importlib.util
import sys

import gradio as gr
import pytest
from support import ROOT, need, procs


@pytest.mark.parametrize("command", [["check", "."], ["format", "--check", "."]], ids=["lint", "format"])
def test_ruff_is_clean(command):
    need(importlib.util.find_spec("ruff") is not None, "ruff is not installed (pip install -r requirements-dev.txt)")
    r = procs.run([sys.executable, "-m", "ruff", *command], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]


def test_an_output_picture_is_a_png_the_learner_cannot_edit():
    from gendemo.app.ui.common import picture

    with gr.Blocks():
        p = picture("x", "pic-x", "chart", height=100)
    assert p.format == "png" and not p.interactive and p.elem_classes == ["gd-out"] and p.height == 100
    with pytest.raises(ValueError, match="unknown picture kind 'photo'"):
        picture("x", "pic-y", "photo")
