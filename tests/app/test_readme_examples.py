"""The README's code examples, run against the launched app.

The convention: every ```python block of README.md that makes a gradio_client `Client(` is an example that calls the
app. It connects to python app.py's address, which the test swaps for the test app's, and passes every parameter by
name, because those names are the API: each call's api_name and keyword names must be ones the app lists
(`client.view_api()`), and then the block is run as it stands. A wrong name, a wrong number of returned values or an
error in the app fails here.
"""

import ast
import re

import gradio_client
import pytest
from support import ROOT

README = ROOT / "README.md"
ADDRESS = "http://127.0.0.1:7860/"  # where python app.py serves; the README's examples connect to it


def _client_blocks() -> list[str]:
    text = README.read_text(encoding="utf-8")
    return [b for b in re.findall(r"^```python\n(.*?)^```", text, re.M | re.S) if "Client(" in b]


def _calls(code: str) -> list[ast.Call]:
    """Every `….predict(…)` and `….submit(…)` call in a block."""
    calls = [node for node in ast.walk(ast.parse(code)) if isinstance(node, ast.Call)]
    return [c for c in calls if isinstance(c.func, ast.Attribute) and c.func.attr in ("predict", "submit")]


def _api_name(call: ast.Call) -> str | None:
    for k in call.keywords:
        if k.arg == "api_name" and isinstance(k.value, ast.Constant):
            return k.value.value
    return None


BLOCKS = _client_blocks()
IDS = ["+".join(filter(None, (_api_name(c) for c in _calls(b)))) or f"block{i}" for i, b in enumerate(BLOCKS)]


def test_the_readme_shows_how_to_call_the_app():
    assert BLOCKS, "README.md has no ```python block that makes a Client("
    for block, name in zip(BLOCKS, IDS):
        assert ADDRESS in block, f"{name}: the example should connect to {ADDRESS} (python app.py's address)"
        calls = _calls(block)
        assert calls, f"{name}: a Client( block with no predict call"
        for call in calls:
            where = f"{name}, line {call.lineno}"
            assert _api_name(call), f"{where}: name the endpoint with api_name='/…'"
            assert not call.args, f"{where}: pass parameters by name (their names are the API)"


def test_the_examples_use_the_apps_names(app_client):
    api = app_client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    for block, name in zip(BLOCKS, IDS):
        for call in _calls(block):
            endpoint = _api_name(call)
            assert endpoint in api, f"{name}: the app has no endpoint {endpoint} (it has {', '.join(sorted(api))})"
            params = [p["parameter_name"] for p in api[endpoint]["parameters"]]
            for k in call.keywords:
                if k.arg != "api_name":
                    assert k.arg in params, f"{endpoint} has no parameter {k.arg!r}; its parameters: {params}"


@pytest.mark.parametrize("block", BLOCKS, ids=IDS)
def test_the_example_runs(block, app_client, monkeypatch, tmp_path):
    class Client(gradio_client.Client):  # the example's own client, downloading into the test's folder
        def __init__(self, src, *args, **kwargs):
            kwargs.setdefault("download_files", str(tmp_path))
            kwargs.setdefault("verbose", False)
            super().__init__(src, *args, **kwargs)

    monkeypatch.setattr(gradio_client, "Client", Client)
    monkeypatch.chdir(ROOT)  # the examples name files relative to the project (examples/digit_7.png)
    code = block.replace(ADDRESS, app_client.base_url)
    exec(compile(code, f"{README}:example", "exec"), {"__name__": "readme_example"})
