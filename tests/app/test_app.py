import sys

import pytest
from gradio_client import handle_file
from support import ROOT, procs


@pytest.mark.heavy  # a fresh Python process imports gradio, torch and the whole app
def test_import_builds_demo_without_launching():
    code = (
        "import app, gradio as gr; assert isinstance(app.demo, gr.Blocks); assert not app.demo.is_running; print('ok')"
    )
    r = procs.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and r.stdout.strip().endswith("ok"), r.stderr[-2000:]


API = {
    "classify",
    "gan_sample",
    "gan_timeline",
    "mode_collapse",
    "cgan_sample",
    "latent_walk",
    "latent_grid",
    "latent_direction",
    "latent_interpolate",
    "latent_path",
    "latent_vector",
    "discriminate",
    "discriminate_lineup",
    "noising",
    "schedule_twins",
    "diffusion_generate",
    "diffusion_guidance",
    "solver_comparison",
    "prompt_experiment",
    "img2img",
    "noise_prediction",
    "training_step",
    "reverse_step",
    "gan_live",
    "gan_live_step",
    "enhance",
}


def test_every_public_event_has_an_explicit_api_name():
    import app

    public = []
    for dep in app.demo.fns.values():
        if dep.api_visibility == "private":
            continue
        public.append(dep.api_name)
        # an unnamed event would be published under its function's name: every public one must be in the list above
        assert dep.api_name in API, (
            f"event {dep.fn.__name__ if dep.fn else dep} has api_name {dep.api_name!r}; name it or make it private"
        )
    assert "classify" in public


def test_every_endpoint_call_gives_every_parameter(app_client):
    # the benchmark sends these over plain HTTP too, where a missing argument is an error, not a default
    from gendemo.app.endpoints import ENDPOINT_CALLS

    api = app_client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    for name, args in ENDPOINT_CALLS.items():
        assert len(args()) == len(api[name]["parameters"]), name


def test_classify_through_client(app_client):
    label, seen = app_client.predict(None, handle_file(str(ROOT / "examples" / "digit_7.png")), api_name="/classify")
    assert label["label"] == "7"
    assert seen and seen.endswith(".png")


def test_the_classifier_tab_reads_in_the_order_asked():
    # a Classify click and an upload sent just after it must not run side by side, or the click's reading (of the
    # drawing) can land over the upload's: every event of the tab that classifies shares one line of width one
    import app
    from gendemo.app.ui.classify_tab import classify, classify_live

    readers = [dep for dep in app.demo.fns.values() if dep.fn in (classify, classify_live)]
    assert len(readers) == 4  # the button, an example, a stroke, an upload
    assert {(dep.concurrency_id, dep.concurrency_limit) for dep in readers} == {("classify", 1)}


def test_classify_without_image_says_so(app_client):
    with pytest.raises(Exception, match="draw a digit or upload an image"):
        app_client.predict(api_name="/classify")
    # and the app still serves
    label, _ = app_client.predict(None, handle_file(str(ROOT / "examples" / "digit_3_photo.png")), api_name="/classify")
    assert label["label"] == "3"


NEEDS_IMAGE = {"/classify", "/img2img", "/discriminate"}


# Slow (≈ 220 s in CI): tests/app/test_zerogpu.py::test_every_endpoint_answers_its_defaults makes the same calls under
# the ZeroGPU emulation in every CI run; this one checks them in the plain app and the messages' wording.
@pytest.mark.slow
def test_every_endpoint_answers_a_call_with_only_its_defaults(app_client):
    from support.fuzz_inputs import is_own_message

    names = sorted(app_client.view_api(print_info=False, return_format="dict")["named_endpoints"])
    assert names, "no endpoints"
    for api in names:
        if api in NEEDS_IMAGE:
            with pytest.raises(Exception) as e:
                app_client.predict(api_name=api)
            assert is_own_message(str(e.value)), (api, str(e.value))
        else:
            out = app_client.predict(api_name=api)
            assert out is not None, api


def test_footer_links_and_cache_cleanup_come_from_gradio_options(app_client):
    import httpx

    import app

    assert "footer" not in app.CSS  # no CSS hides the footer any more
    assert app.launch_kwargs()["footer_links"] == ["api", "settings"]
    config = httpx.get(app_client.base_url + "config", timeout=30).json()
    assert config["footer_links"] == ["api", "settings"]
    frequency, age = app.demo.delete_cache
    assert 0 < frequency <= age


def test_mcp_is_served_when_asked_for():
    import app

    assert app.launch_kwargs(mcp=True)["mcp_server"] is True
    assert app.launch_kwargs()["mcp_server"] is None  # then Gradio's GRADIO_MCP_SERVER decides
