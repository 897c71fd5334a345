"""The "Inside diffusion" tab through gradio_client: /noise_prediction and /reverse_step, with bad input answered in the
request's language."""

import re

import httpx
import pytest
from gradio_client import Client, handle_file
from support import ROOT, need
from support.fuzz_inputs import is_own_message

from gendemo.core.paths import CHECKPOINT_DIR


@pytest.fixture(scope="module", autouse=True)
def diffusion_present():
    need(
        (CHECKPOINT_DIR / "diffusion.safetensors").exists(),
        "diffusion checkpoint missing (python -m gendemo.train diffusion)",
    )


def test_noise_prediction_shows_the_pieces_and_the_curve(app_client):
    panels, summary, curve = app_client.predict(api_name="/noise_prediction")
    assert len(panels) == 5 and "t = 500" in summary and r"$\lVert\hat\varepsilon-\varepsilon\rVert^2$" in summary
    table = curve["value"]  # the plot's data frame: step t, loss, and which of the three curves (and the marker)
    col = table["columns"].index("predicted with")  # the legend's title, in the request's language
    assert len({row[col] for row in table["data"]}) == 4 and len(table["data"]) == 3 * 17 + 2
    marker = [row for row in table["data"] if row[col] == "the chosen t"]  # a vertical line at the chosen t
    assert [row[table["columns"].index("step t")] for row in marker] == [500, 500]
    # the same seed gives the same loss; another t another loss
    again = app_client.predict("test", 0, None, "a red seven", 500, 0, 1.0, api_name="/noise_prediction")[1]
    other = app_client.predict("test", 0, None, "a red seven", 20, 0, 1.0, api_name="/noise_prediction")[1]
    assert again == summary and other != summary and "t = 20" in other
    # an uploaded picture instead of a test digit
    img = handle_file(str(ROOT / "examples" / "digit_7.png"))
    panels, summary, _ = app_client.predict("image", 0, img, "", 900, 1, 0.0, api_name="/noise_prediction")
    assert len(panels) == 5 and "unconditionally" in summary


def test_the_loss_curve_is_made_ahead(app_client, monkeypatch):
    from gendemo.app.ui import common, inside_tab

    assert inside_tab.loss_curve_ahead in common.AHEAD  # the server's warm-up (warm_openers) makes it
    inside_tab.loss_curve_ahead()

    def again(*models):
        raise AssertionError("the loss curve was computed again in a request")

    monkeypatch.setattr(inside_tab, "average_loss_curve", again)
    panels, summary, _ = app_client.predict("test", 3, None, "a blue two", 321, 5, 1.0, api_name="/noise_prediction")
    assert len(panels) == 5 and "t = 321" in summary


def test_training_step_takes_step_6_on_a_copy(app_client):
    """Step 6 for real: a small learning rate lowers this digit's loss, a large one overshoots; the app's own network
    is not changed by either (the noise prediction before and after is the same); the rate must be one offered."""
    before = app_client.predict(api_name="/noise_prediction")[1]
    losses = {}
    for lr in ("0.01", "1"):
        panels, text = app_client.predict("test", 0, None, "a red seven", 500, 0, lr, api_name="/training_step")
        assert len(panels) == 5 and "Loss of this digit" in text and "16 other test digits" in text
        first, second = (float(v) for v in re.search(r"([\d.]+) → \*\*([\d.]+)\*\*", text).groups())
        losses[lr] = (first, second)
    assert losses["0.01"][1] < losses["0.01"][0] and losses["1"][1] > 10 * losses["1"][0]
    assert losses["0.01"][0] == losses["1"][0]  # the same digit, noise and starting weights
    assert app_client.predict(api_name="/noise_prediction")[1] == before  # the shipped network is untouched
    with pytest.raises(Exception, match="Learning rate"):
        app_client.predict("test", 0, None, "a red seven", 500, 0, "0.5", api_name="/training_step")


@pytest.mark.parametrize(
    "args",
    [
        ("test", 0, None, "a red seven", 0, 0, 1.0),
        ("test", 0, None, "a red seven", 1001, 0, 1.0),
        ("test", 0, None, "a red seven", "late", 0, 1.0),
        ("test", 10_000, None, "a red seven", 500, 0, 1.0),
        ("test", 0, None, "x" * 100_000, 500, 0, 1.0),
        ("mine", 0, None, "a red seven", 500, 0, 1.0),
        ("image", 0, None, "a red seven", 500, 0, 1.0),
    ],
)
def test_noise_prediction_bad_input(app_client, args):
    with pytest.raises(Exception) as e:
        app_client.predict(*args, api_name="/noise_prediction")
    assert is_own_message(str(e.value)), str(e.value)


def test_reverse_step_walks_the_seeded_path(app_client):
    panels, text, next_t = app_client.predict(api_name="/reverse_step")
    assert len(panels) == 6 and next_t == 999 and "t = 1000 → 999" in text and r"\sigma_t" in text
    # at t = 1000 both pictures are noise: the text says why x_{t−1} looks like x_t (the change panel shows the step)
    assert "looks like" in text and "the whole change" in panels[4]["caption"]
    # asking for t = 998 directly walks there from pure noise; the explanation says so
    panels, text, next_t = app_client.predict("a red seven", 0, 3.0, 998, api_name="/reverse_step")
    assert next_t == 997 and "Walked 2 steps" in text


def test_the_last_reverse_step_reaches_x0(app_client):
    """The handler at t = 1 with the session's state there (reaching it through the client walks 999 steps, 40 s of
    CI): no fresh noise is added, the result is x₀ and the next Step starts again at T."""
    import torch

    from gendemo.app.ui.diffusion_common import Prompt
    from gendemo.app.ui.inside_tab import _step_inputs, reverse_step

    key = _step_inputs(Prompt("a red seven", []), 0, 3.0, "en")[-1]  # the path's key, as the checked inputs give it
    g = torch.Generator().manual_seed(0)
    x = 0.1 * torch.randn(1, 3, 28, 28, generator=g)  # an x_1: almost clean
    state = {"key": key, "t": 1, "x": x, "g": g.get_state()}
    panels, text, next_t, after = reverse_step("a red seven", 0, 3.0, 1, state)
    assert next_t == 1000 and "x₀ reached" in text and "Walked" not in text and "t = 1 → 0" in text
    assert len(panels) == 6 and after["t"] == 0 and "looks like" not in text


@pytest.mark.parametrize(
    "args",
    [
        ("a red seven", 0, 3.0, 0),
        ("a red seven", 0, 3.0, 1001),
        ("a red seven", 0, 3.0, "ten"),
        ("a red seven", -1, 3.0, 1000),
        ("a red seven", 0, 11, 1000),
        ("x" * 100_000, 0, 3.0, 1000),
    ],
)
def test_reverse_step_bad_input(app_client, args):
    with pytest.raises(Exception) as e:
        app_client.predict(*args, api_name="/reverse_step")
    assert is_own_message(str(e.value)), str(e.value)


def test_messages_come_in_the_requests_language(app_client):
    zh = Client(app_client.base_url, verbose=False, headers={"Accept-Language": "zh-CN,zh;q=0.9"})
    with pytest.raises(Exception) as e:
        zh.predict("a red seven", 0, 3.0, 0, api_name="/reverse_step")
    assert "必须在 1 到 1000 之间" in str(e.value), str(e.value)
    with pytest.raises(Exception) as e:
        zh.predict("a red seven", "euler", 10, 3.0, 0, 1, api_name="/diffusion_generate")
    assert "只能取以下值之一" in str(e.value) and "dpmpp2m" in str(e.value), str(e.value)
    with pytest.raises(Exception) as e:
        zh.predict("x" * 100_000, 0, 3.0, 1000, api_name="/reverse_step")
    assert "提示词" in str(e.value), str(e.value)
    _, text, _ = zh.predict("a red seven", 0, 3.0, 1000, api_name="/reverse_step")
    assert "两部分的大小" in text
    assert httpx.get(app_client.base_url).status_code == 200


def test_diffusion_tab_offers_dpm_solver(app_client):
    _, result, status, _ = app_client.predict("a green two", "dpmpp2m", 10, 3.0, 7, 2, api_name="/diffusion_generate")
    assert result and "DPM-Solver++ 2M" in status and "10 reverse steps" in status


def test_img2img_offers_ddpm_and_dpm_solver(app_client):
    blurry = handle_file(str(ROOT / "examples" / "blurry_4.png"))
    for sampler in ("ddpm", "dpmpp2m"):
        seen, start, result, status, _ = app_client.predict(
            blurry, None, "a white four", 0.1, 0, 1, sampler, api_name="/img2img"
        )
        name = {"ddpm": "DDPM", "dpmpp2m": "DPM-Solver++ 2M"}[sampler]  # the sampler's name, not its id
        assert result and f"{name} steps" in status and "t = 100" in status
    with pytest.raises(Exception) as e:
        app_client.predict(blurry, None, "a white four", 0.1, 0, 1, "euler", api_name="/img2img")
    assert is_own_message(str(e.value)), str(e.value)


def test_long_runs_say_how_far_they_are(app_client):
    """Issue 33: waiting is explained. Run to the end from a chosen t first says that it walks there from pure noise
    (its pictures stream, so no progress bar covers them); the prompt experiment reports its steps to the progress bar
    with what it is drawing."""
    from gendemo.app.ui.diffusion_common import Prompt
    from gendemo.app.ui.inside_tab import reverse_run
    from gendemo.app.ui.prompts_tab import prompt_experiment

    first = next(reverse_run("a red seven", 0, 3.0, 990, None))
    assert "Walking from pure noise to t = 990" in first[1], first[1]
    calls = []
    record = lambda value, desc=None, unit=None: calls.append((value, desc, unit))
    prompt_experiment.gendemo_body(Prompt("thin blue two", []), "permute", 2, 3.0, "ddim", progress=record)
    assert calls[-1] == ((25, 25), "6 prompts, DDIM", "steps"), calls[-1]
