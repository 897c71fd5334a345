import subprocess
import sys

import pytest
from gradio_client import handle_file

from conftest import ROOT


def test_import_builds_demo_without_launching():
    code = "import app, gradio as gr; assert isinstance(app.demo, gr.Blocks); assert not app.demo.is_running; print('ok')"
    r = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip().endswith("ok"), r.stderr[-2000:]


def test_every_event_has_explicit_api_name_or_is_private():
    import app

    for dep in app.demo.fns.values():
        if dep.api_visibility == "private":
            continue
        assert dep.api_name and dep.api_name == dep.api_name.strip("/"), dep
        assert dep.fn is None or dep.api_name != dep.fn.__name__ or dep.api_name in ("classify",), dep.api_name


def test_classify_through_client(app_client):
    label, seen = app_client.predict(None, handle_file(str(ROOT / "examples" / "digit_7.png")), api_name="/classify")
    assert label["label"] == "7"
    assert seen and seen.endswith(".png")


def test_classify_without_image_says_so(app_client):
    with pytest.raises(Exception, match="draw a digit or upload an image"):
        app_client.predict(api_name="/classify")
    # and the app still serves
    label, _ = app_client.predict(None, handle_file(str(ROOT / "examples" / "digit_3_photo.png")), api_name="/classify")
    assert label["label"] == "3"
