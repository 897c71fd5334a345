"""Fixtures only: MNIST (real or a tiny fake), the one launched app, the one browser. Helpers live in tests/support."""

import os
import re
import tempfile
from pathlib import Path

import pytest
from support import DATA_DIR, free_port, mnist_present, need, write_idx

# Set before anything imports gradio or app.py. The served app gets a cache folder of its own, so the load test can
# measure it while other programs on the machine use /tmp/gradio, and Gradio's cache cleanup runs on a test scale:
# files older than 30 s go, checked every 7 s (app.py: GENDEMO_CACHE_MAX_AGE).
os.environ.setdefault("GRADIO_TEMP_DIR", tempfile.mkdtemp(prefix="gendemo-test-gradio-"))
os.environ.setdefault("GENDEMO_CACHE_MAX_AGE", "30")
# and a byte budget small enough that the soak test sees the sweeper at work (app/limits.py: GENDEMO_CACHE_MAX_BYTES)
os.environ.setdefault("GENDEMO_CACHE_MAX_BYTES", str(40 * 2**20))


def pytest_collection_modifyitems(config, items):
    """Two markers are left out unless asked for by name in the -m expression:
    - slow: out of every run (the plain `python -m pytest` as much as a filtered one);
    - heavy: out of a filtered run (any -m, e.g. the inner loop's `-m "not train and not browser"`), in the plain
      `python -m pytest` that CI runs. These tests start a server of their own, flood the shared one or read the whole
      test set, and cost tens of seconds each: the inner loop leaves them to CI."""
    expr = config.getoption("markexpr") or ""
    left_out = [m for m in ("slow", "heavy") if not re.search(rf"\b{m}\b", expr)]
    if expr == "" and "heavy" in left_out:
        left_out.remove("heavy")
    out = [item for item in items if any(item.get_closest_marker(m) for m in left_out)]
    if out:
        config.hook.pytest_deselected(items=out)
        items[:] = [item for item in items if item not in out]


@pytest.fixture
def real_mnist():
    need(mnist_present(), f"MNIST not prepared under {DATA_DIR} (python -m gendemo.data --from ../shared/data/mnist)")
    return DATA_DIR


@pytest.fixture
def tiny_mnist(tmp_path):
    write_idx(tmp_path / "data" / "MNIST" / "raw")
    return tmp_path / "data"


@pytest.fixture(scope="session")
def app_client(request, tmp_path_factory):
    """One in-process launch of the real app shared by all app tests (imports cost seconds per process), with its MCP
    server on as `python app.py --mcp` serves it. Clients download into a folder of their own, not the app's cache."""
    from gradio_client import Client

    import app as app_module

    demo = app_module.demo
    app_module.queue(demo)
    port = free_port()
    demo.launch(
        server_name="127.0.0.1",
        server_port=port,
        prevent_thread_lock=True,
        quiet=True,
        **app_module.launch_kwargs(mcp=True),
    )
    if any(item.get_closest_marker("browser") for item in request.session.items):
        from gendemo.app.ui.common import warm_openers

        # as python app.py does after launch: pages then open from kept results. Only pages use them (a page load's
        # private event), so a run without browser tests skips the half minute of CPU it costs
        warm_openers()
    client = Client(f"http://127.0.0.1:{port}/", verbose=False, download_files=str(tmp_path_factory.mktemp("client")))
    client.base_url = f"http://127.0.0.1:{port}/"
    yield client
    demo.close()


@pytest.fixture(scope="session")
def browser():
    """One headless Debian Chromium for every browser test (a second sync_playwright in the same process would fail)."""
    from support.browser import ARGS, CHROMIUM

    need(Path(CHROMIUM).exists(), f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need(False, "playwright is not installed (pip install -r requirements-dev.txt)")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield b
        b.close()


@pytest.fixture(autouse=True)
def _close_browser_pages(request):
    """Each browser test's page (and its context) is closed when the test ends. Left open, every page kept its
    session's heartbeat and streams going: some seventy of them slowed the app and the machine until later browser
    tests timed out."""
    yield
    if "browser" in request.fixturenames:
        for ctx in list(request.getfixturevalue("browser").contexts):
            ctx.close()


# GENDEMO_TRACE_RSS=FILE: after each test, one line "<RSS MB> <peak RSS MB> <test id>" (finding what holds memory).
_TRACE_RSS = os.environ.get("GENDEMO_TRACE_RSS")


def _rss_mb() -> tuple[float, float]:
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


@pytest.hookimpl(trylast=True)
def pytest_runtest_logfinish(nodeid, location):
    if _TRACE_RSS:
        rss, peak = _rss_mb()
        with open(_TRACE_RSS, "a") as f:
            f.write(f"{rss:.0f} {peak:.0f} {nodeid}\n")
