"""The live GAN trainer through gradio_client: it streams, stops on cancel, keeps to one run at a time, refuses bad
knobs before training, and the other tabs keep answering while it runs."""

import time

import pytest
from gradio_client import Client
from support import mnist_present, need
from support.fuzz_inputs import is_own_message


@pytest.fixture
def live(app_client):
    need(mnist_present(), "MNIST not prepared (python -m gendemo.data --from ../shared/data/mnist)")
    return app_client


def outputs_of(job, timeout=120):
    t0 = time.time()
    while not job.done():
        if time.time() - t0 > timeout:
            raise TimeoutError("the live run did not finish")
        time.sleep(0.2)
    return job.outputs()


@pytest.mark.train
def test_gan_live_streams_updates_and_pauses_at_the_budget(live):
    job = live.submit("chapter", 2e-4, 2e-4, 0.5, 128, 10, 1.0, 1, 0, 6, api_name="/gan_live")
    outs = outputs_of(job)
    assert len(outs) >= 3  # the starting point, at least one training update, the pause
    img, status = outs[-1][0], outs[-1][1]
    assert isinstance(img, str) and img.endswith(".png")
    assert "Paused" in status and "KL" in status
    steps = [int(o[1].split("Step ")[1].split(" ")[0].replace(",", "")) for o in outs[:-1] if "Step " in o[1]]
    assert steps[0] == 0 and steps[-1] > 0 and steps == sorted(steps)


@pytest.mark.train
def test_cancel_stops_the_run_and_frees_the_slot(live):
    job = live.submit("remedy", 2e-4, 2e-4, 0.5, 128, 10, 0.9, 1, 1, 120, api_name="/gan_live")
    t0 = time.time()
    while len(job.outputs()) < 2 and time.time() - t0 < 60:
        time.sleep(0.2)
    assert len(job.outputs()) >= 2
    job.cancel()
    # The one live slot is free again: a single step answers promptly instead of waiting for the 120 s budget, and it
    # continues the stopped run of this session (its weights were kept), so it is not step 1.
    t1 = time.time()
    pic, table = live.predict(api_name="/gan_live_step")
    assert time.time() - t1 < 60 and pic.endswith(".png")
    assert int(table.split("Step ")[1].split("*")[0]) > 1


@pytest.mark.train
def test_one_run_at_a_time_and_the_rest_of_the_app_answers(live):
    first_seen = {}

    def submit(seed):
        client = Client(live.base_url, verbose=False)
        return client.submit("chapter", 2e-4, 2e-4, 0.5, 128, 10, 1.0, 1, seed, 4, api_name="/gan_live")

    a, b = submit(2), submit(3)
    t0 = time.time()
    while not (a.done() and b.done()) and time.time() - t0 < 120:
        for name, job in (("a", a), ("b", b)):
            if name not in first_seen and job.outputs():
                first_seen[name] = time.time()
        if "a" in first_seen and "gan" not in first_seen:
            first_seen["gan"] = live.predict(16, 0, api_name="/gan_sample")  # answered while a run goes on
        time.sleep(0.1)
    assert a.done() and b.done()
    assert str(first_seen["gan"]).endswith(".png")
    # The second run started only after the first had used its budget (the cap is one run on this machine).
    assert abs(first_seen["b"] - first_seen["a"]) >= 3.0


@pytest.mark.parametrize(
    "args",
    [
        ("nope", 2e-4, 2e-4, 0.5, 128, 10, 1.0, 1, 0, 5),
        ("chapter", "fast", 2e-4, 0.5, 128, 10, 1.0, 1, 0, 5),
        ("chapter", 2e-4, 2e-4, 0.5, 100, 10, 1.0, 1, 0, 5),
        ("chapter", 2e-4, 2e-4, 0.5, 128, 7, 1.0, 1, 0, 5),
        ("chapter", 2e-4, 2e-4, 0.5, 128, 10, 1.5, 1, 0, 5),
        ("chapter", 2e-4, 2e-4, 0.5, 128, 10, 1.0, 9, 0, 5),
        ("chapter", 2e-4, 2e-4, 0.5, 128, 10, 1.0, 1, -1, 5),
        ("chapter", 2e-4, 2e-4, 0.5, 128, 10, 1.0, 1, 0, 100000),
    ],
    ids=["recipe", "lr", "batch", "noise", "label", "d_steps", "seed", "budget"],
)
def test_bad_knobs_get_the_apps_message(live, args):
    with pytest.raises(Exception) as e:
        live.predict(*args, api_name="/gan_live")
    assert is_own_message(str(e.value)), str(e.value)


def test_the_first_update_is_drawn_on_a_step_axis_from_zero():
    """#33: the first update (one point, at step 5) was drawn on an x axis from 4.8 to 5.2. Each curve's step axis now
    runs from 0 past the last step, and a short history is drawn as dots that can be seen."""
    import numpy as np
    import torch

    from gendemo.app.ui.gan_live_tab import curves_figure
    from gendemo.gan.live import Report

    history = {"step": [5], "loss_d": [1.2], "loss_g": [0.8], "d_real": [0.6], "d_fake": [0.4], "kl": [2.1]}
    rep = Report(5, 0.01, 640, 1.0, torch.zeros(64, 1, 28, 28), np.full(10, 0.1), 2.1, history)
    _, kl, loss, d = curves_figure(rep, "en").axes[:4]
    for ax in (kl, loss, d):
        lo, hi = ax.get_xlim()
        assert lo == 0 and hi >= 10, (ax.get_title(), lo, hi)
        assert all(line.get_marker() == "o" for line in ax.get_lines()), ax.get_title()
