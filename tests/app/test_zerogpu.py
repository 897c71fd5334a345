"""ZeroGPU: app.py served under the real `spaces` package in its CUDA emulation (tests/support/zerogpu.py), with a
stand-in for the ZeroGPU device API and, on a machine without a GPU, the decorated calls computing on the CPU.

Every endpoint must answer its defaults there (the image endpoints: an example image) and no code may reach real CUDA
initialisation outside a decorated call; GPU handlers go through spaces.GPU with their duration, CPU ones do not."""

import os
import re
import subprocess
import sys
import time

import httpx
import pytest
from gradio_client import Client, handle_file
from support import ROOT, free_port, need, procs

from gendemo.app import zerogpu

IMAGE_COMPONENTS = {"Image", "Imageinput", "Imageeditor", "Sketchpad"}  # Imageinput: the app's own upload component
UPLOADS = {"Image", "Imageinput"}
SWITCHED_OFF = "This tab is switched off"
STARTUP_S = 300
# Endpoints asked with one argument changed from their defaults. On this CPU stand-in every tensor operation passes
# through the emulation's Python dispatch, so DDPM's 1,000 steps in the sampler comparison's default cost two minutes
# of CI (seconds outside it); the DDPM step itself still runs under the emulation in /reverse_step's default.
LIGHTER = {"/solver_comparison": {"solvers": ["ddim", "dpmpp2m"]}}
# The endpoints whose defaults take longest under the emulation (measured in one CI run: /diffusion_guidance 34 s,
# /noise_prediction 31 s, /gan_live 16 s, /schedule_twins 16 s; all the others together ≈ 60 s). CI asks the others;
# these four run with -m slow. Each still goes through its GPU wrapper in CI (test_wrap_reaches_every_event…), and
# their model code is the same as that of endpoints asked in CI (/diffusion_generate, /reverse_step, /gan_live_step).
HEAVY = {"/diffusion_guidance", "/noise_prediction", "/gan_live", "/schedule_twins"}


def test_every_handler_says_whether_it_needs_the_gpu():
    import app

    assert not zerogpu.unclassified(app.demo), "add these handlers to GPU_SECONDS or ON_CPU in gendemo/app/zerogpu.py"
    assert not set(zerogpu.GPU_SECONDS) & zerogpu.ON_CPU


def test_wrap_reaches_every_event_and_example_of_a_gpu_handler(monkeypatch):
    import functools

    import spaces

    import app

    def fake_gpu(fn, duration=None):  # spaces.GPU is the function itself off ZeroGPU: mark the wrapping instead
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            return fn(*args, **kwargs)

        wrapper.seconds = duration
        return wrapper

    monkeypatch.setattr(spaces, "GPU", fake_gpu)
    demo = app.build_demo()  # a fresh Blocks: the shared one stays as it is
    ours = zerogpu.handlers(demo)
    wrapped = zerogpu.wrap(demo)
    assert set(wrapped) == {fn.__name__ for fn in ours} - zerogpu.ON_CPU
    fns = [dep.fn for dep in demo.fns.values()] + [ex.fn for ex in zerogpu._examples(demo)]
    assert any(ex.fn is not None for ex in zerogpu._examples(demo))
    for fn in fns:
        if fn is None or fn in ours:  # a handler still unwrapped must be a CPU one
            assert fn is None or fn.__name__ in zerogpu.ON_CPU, fn.__name__
        elif hasattr(fn, "seconds"):
            assert fn.seconds == zerogpu.GPU_SECONDS[fn.__name__]


@pytest.mark.heavy
def test_importing_app_elsewhere_loads_no_model_and_leaves_spaces_alone():
    code = (
        "import sys, threading, app\n"
        "from gendemo.app.registry import REGISTRY\n"
        "assert 'spaces' not in sys.modules, 'spaces was imported'\n"
        "assert not REGISTRY._models, sorted(REGISTRY._models)\n"
        "assert [t.name for t in threading.enumerate()] == ['MainThread'], threading.enumerate()\n"
        "print('ok')"
    )
    env = {k: v for k, v in os.environ.items() if k != "SPACES_ZERO_GPU"}
    r = procs.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip().endswith("ok"), r.stderr[-2000:]


@pytest.fixture(scope="module")
def zerogpu_app(tmp_path_factory):
    import importlib.util

    need(importlib.util.find_spec("spaces") is not None, "spaces is missing (pip install -r requirements-dev.txt)")
    from support.zerogpu import DeviceAPI, gpu_uuid

    # GENDEMO_ZEROGPU_DEVICE=gpu hands the decorated calls this machine's first GPU, as ZeroGPU would
    device = os.environ.get("GENDEMO_ZEROGPU_DEVICE", "cpu")
    api = DeviceAPI(gpu_uuid()) if device == "gpu" else DeviceAPI()
    port = free_port()
    log = tmp_path_factory.mktemp("zerogpu") / "server.log"
    env = {
        **os.environ,
        "SPACES_ZERO_GPU": "true",
        "SPACES_ZERO_DEVICE_API_URL": api.url,
        "GENDEMO_ZEROGPU_DEVICE": device,
        "ZEROGPU_OFFLOAD_DIR": str(log.parent / "offload"),
        "GENDEMO_LIVE_MAX_SECONDS": "10",  # the live trainer's default call then trains for 10 s, not 120
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "tests")]),
    }
    with open(log, "w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "support.zerogpu", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # a process group of its own: the workers `spaces` forks end with it
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                if httpx.get(url + "gradio_api/info", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)
        assert proc.poll() is None, log.read_text()[-4000:]
        client = Client(url, verbose=False, download_files=str(log.parent / "downloads"))
        yield client, api, log
    finally:
        procs.end_group(proc, grace=30)
        api.close()


def _unavailable(log_text: str) -> list[str]:
    started = r"ZeroGPU: \d+ models loaded onto (\w+) in the main thread(?: \(\d+ unavailable: ([^)]*)\))?"
    m = re.search(started, log_text)
    assert m, "the app did not report its ZeroGPU start:\n" + log_text[-4000:]
    assert m.group(1) == "cuda", m.group(0)
    return [n.strip() for n in (m.group(2) or "").split(",") if n.strip()]


@pytest.mark.heavy
@pytest.mark.parametrize("heavy", [False, pytest.param(True, marks=pytest.mark.slow)], ids=["ci", "heavy"])
def test_every_endpoint_answers_its_defaults(zerogpu_app, heavy):
    from gendemo.app.registry import REGISTRY
    from gendemo.core.paths import EXAMPLES

    client, api, log = zerogpu_app
    # A model that cannot load on ZeroGPU must be one that cannot load anywhere (a checkpoint not built here yet):
    # one that loads in this ordinary process but not under the emulation is a ZeroGPU failure.
    unavailable = _unavailable(log.read_text())
    for name in unavailable:
        assert REGISTRY.status(name), f"{name} loads normally but not on ZeroGPU:\n" + log.read_text()[-4000:]
    endpoints = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    answered, off, seconds = [], [], {}
    assert set(endpoints) >= HEAVY, sorted(HEAVY - set(endpoints))  # a renamed endpoint must not drop out of both
    for name, ep in sorted(endpoints.items()):
        if (name in HEAVY) != heavy:
            continue
        t0 = time.perf_counter()
        images = [p for p in ep["parameters"] if p["component"] in IMAGE_COMPONENTS]
        needs_image = images and all(p["parameter_default"] is None for p in images)
        try:
            if needs_image:  # without an image: the app's own request for one; then with an example image
                with pytest.raises(Exception, match="image"):
                    client.predict(api_name=name)
                upload = next(p["parameter_name"] for p in images if p["component"] in UPLOADS)
                out = client.predict(**{upload: handle_file(str(EXAMPLES / "digit_7.png"))}, api_name=name)
            else:
                out = client.predict(**LIGHTER.get(name, {}), api_name=name)
        except Exception as e:
            if SWITCHED_OFF in str(e) and unavailable:
                off.append(name)
                continue
            raise AssertionError(f"{name} failed on ZeroGPU: {e}\n" + log.read_text()[-4000:]) from None
        assert out is not None, name
        answered.append(name)
        seconds[name] = round(time.perf_counter() - t0, 1)
    text = log.read_text()
    assert "Low-level CUDA init" not in text, text[-4000:]
    print(f"\nZeroGPU: {len(answered)} endpoints answered; switched off for want of {unavailable}: {off}")
    print("slowest:", sorted(seconds.items(), key=lambda kv: -kv[1])[:8])


@pytest.mark.heavy
def test_gpu_handlers_go_through_spaces_and_cpu_ones_do_not(zerogpu_app):
    client, api, _ = zerogpu_app
    assert any(path == "/startup-report" for path, _ in api.calls)
    before = len(api.scheduled())
    client.predict(api_name="/noising")  # arithmetic on a small image: no GPU asked for
    assert len(api.scheduled()) == before
    client.predict(4, 0, api_name="/gan_sample")
    asked = api.scheduled()[before:]
    assert [int(q["durationSeconds"]) for q in asked] == [zerogpu.GPU_SECONDS["gan_sample"]]
    client.predict("a red seven", "ddim", 10, 3.0, 0, 1, api_name="/diffusion_generate")
    assert int(api.scheduled()[-1]["durationSeconds"]) == zerogpu.GPU_SECONDS["diffusion_generate"](sampler="ddim")


def test_diffusion_asks_for_more_time_for_ddpm():
    seconds = zerogpu.GPU_SECONDS["diffusion_generate"]
    # called with the handler's own arguments, positional as Gradio passes them
    assert seconds("a red seven", "ddpm", 25, 3.0, 0, 8) > seconds("a red seven", "ddim", 100, 3.0, 0, 16)
    assert seconds() == seconds("x", "ddim")  # the handler's default sampler
