"""A missing or corrupt checkpoint switches off only its own tabs, naming the file and the command that rebuilds it."""

import shutil
import sys

import pytest
from support import ROOT, procs

from gendemo.core.paths import CHECKPOINT_DIR

pytestmark = pytest.mark.heavy  # the app in a process of its own: CI runs it, the inner loop does not

SCRIPT = r"""
import gradio as gr
import app  # builds every tab even though most checkpoints are absent
from gendemo.app.ui.gan_tab import gan_sample
from gendemo.app.ui.classify_tab import classify
try:
    gan_sample(8, 0)
    raise SystemExit("gan_sample should have failed")
except gr.Error as e:
    msg = str(e)
    assert "gan.safetensors" in msg and "python -m gendemo.train gan" in msg, msg
    print("GAN:", msg)
label, _ = classify(None, "examples/digit_7.png")
assert max(label, key=label.get) == "7", label
print("classifier still serves")
"""


def test_missing_gan_disables_only_the_gan(tmp_path):
    for name in ("classifier.safetensors", "classifier.json"):
        shutil.copy(CHECKPOINT_DIR / name, tmp_path / name)
    (tmp_path / "cgan.safetensors").write_bytes(b"not a checkpoint")  # corrupt, with no card
    env = {"GENDEMO_CHECKPOINT_DIR": str(tmp_path), "PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    import os

    env = {**os.environ, **env}
    r = procs.run([sys.executable, "-c", SCRIPT], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stdout[-2000:] + r.stderr[-3000:]
    assert "classifier still serves" in r.stdout
