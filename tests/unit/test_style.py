"""The committed ruff configuration (pyproject.toml: 120 columns, the rules kept) holds for the whole tree."""

import importlib.util
import subprocess
import sys

import pytest
from support import ROOT, need


@pytest.mark.parametrize("command", [["check", "."], ["format", "--check", "."]], ids=["lint", "format"])
def test_ruff_is_clean(command):
    need(importlib.util.find_spec("ruff") is not None, "ruff is not installed (pip install -r requirements-dev.txt)")
    r = subprocess.run([sys.executable, "-m", "ruff", *command], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
