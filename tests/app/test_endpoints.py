"""The endpoint declarations (gendemo/app/endpoints.py) and what is derived from them agree with the app."""

import inspect

import gradio as gr
import pytest

import app
from gendemo.app import zerogpu
from gendemo.app.endpoint import HANDLERS, Endpoint, Param
from gendemo.app.endpoints import ENDPOINT_CALLS, ENDPOINTS


def test_every_declared_endpoint_has_a_handler_with_its_signature():
    assert app.demo is not None  # building the app imported every tab module, which registered the handlers
    missing = sorted(set(ENDPOINTS) - set(HANDLERS))
    assert not missing, f"no tab decorates a handler with these declarations: {missing}"
    for name, ep in ENDPOINTS.items():
        handler = HANDLERS[name]
        assert not ep.mismatch(handler), ep.mismatch(handler)
        params = list(inspect.signature(handler).parameters)
        assert params[: len(ep.params)] == [p.name for p in ep.params], name


def test_a_handler_that_disagrees_with_its_declaration_is_refused():
    ep = Endpoint("probe", "A probe.", (Param("n", "int", 1, lo=1, hi=3), Param("seed", "seed", 0)), (("x", "x"),))

    def probe(seed, n, request: gr.Request = None):  # the order differs
        return n

    with pytest.raises(TypeError, match="takes"):
        ep.handler(probe)

    def probe(n, seed=0, request: gr.Request = None):  # a default of its own, which could drift from the declared one
        return n

    with pytest.raises(TypeError, match="defaults"):
        ep.handler(probe)


def test_the_handler_receives_checked_typed_values():
    ep = Endpoint(
        "probe2",
        "A probe.",
        (Param("n", "int", 2, label="gan.n", lo=1, hi=3), Param("mode", "choice", "a", choices=("a", "b"))),
        (("x", "x"),),
    )

    @ep.handler
    def probe2(n, mode, request: gr.Request = None):
        return n, mode

    assert probe2("3", "b") == (3, "b")  # text from a URL or a client becomes the declared type
    assert probe2() == (2, "a")  # the declaration's defaults
    with pytest.raises(gr.Error, match="between 1 and 3"):
        probe2(9)
    with pytest.raises(gr.Error, match="one of"):
        probe2(1, "c")
    HANDLERS.pop("probe2")


def test_widgets_take_range_default_and_label_from_the_declaration():
    with gr.Blocks():
        n = ENDPOINTS["gan_sample"].widget("n")
        seed = ENDPOINTS["gan_sample"].widget("seed")
    p = ENDPOINTS["gan_sample"].param("n")
    assert (n.minimum, n.maximum, n.value) == (p.lo, p.hi, p.default)
    assert seed.value == 0 and seed.precision == 0


def test_gpu_budgets_are_read_by_parameter_name():
    gen = ENDPOINTS["diffusion_generate"]
    assert gen.gpu_seconds(sampler="ddpm") > gen.gpu_seconds(sampler="ddim")
    assert gen.gpu_seconds("a red seven", "ddpm") == gen.gpu_seconds(prompt="x", sampler="ddpm")
    assert zerogpu.GPU_SECONDS["gan_sample"] == ENDPOINTS["gan_sample"].gpu
    assert all(name in zerogpu.ON_CPU for name, ep in ENDPOINTS.items() if ep.gpu is None)


def test_canonical_calls_give_every_api_parameter():
    for api, call in ENDPOINT_CALLS.items():
        ep = ENDPOINTS[api[1:]]
        assert len(call()) == len(ep.api_params), api


def test_lesson_link_values_are_checked_like_the_controls():
    gen = ENDPOINTS["diffusion_generate"]
    values, notes = gen.from_query({"steps": "500", "seed": "7", "sampler": "nope", "run": "x", "prompt": "a blue two"})
    assert values["steps"] == 100 and values["seed"] == 7  # clamped into the slider's range, said so
    assert values["prompt"].text == "a blue two"
    assert "sampler" not in values and "run" not in values  # a wrong choice keeps the default; state is never linkable
    assert len(notes) == 2 and any("100" in n for n in notes)
