"""Issue 30, part 4, in the launched app: a learner's prompt does not wait for another learner's DDPM comparison, and
the heavy lane's waits are estimated as the diffusion lane's are (gendemo/app/queue_eta.py)."""

import time

import pytest
from gradio_client import Client

from gendemo.app.endpoints import TOLD_LANES


def test_every_long_lane_gets_honest_estimates(app_client):
    import app

    assert {lane.name for lane in TOLD_LANES} <= app.demo._queue.gendemo_clock.lanes


@pytest.mark.heavy  # tens of seconds: DDPM's 1,000 steps for two digits
def test_a_prompt_does_not_wait_for_a_ddpm_comparison(app_client, tmp_path):
    other = Client(app_client.base_url, verbose=False, download_files=str(tmp_path / "other"))
    comparison = other.submit(
        prompt="a red two", solvers=["ddpm", "ddim"], steps=10, seed=4321, n=2, api_name="/solver_comparison"
    )
    time.sleep(3.0)
    assert not comparison.done()
    app_client.predict(
        prompt="a blue six",
        sampler="ddim",
        steps=10,
        guidance=3.0,
        seed=4321,
        n=1,
        network="diffusion_distilled",
        api_name="/diffusion_generate",
    )
    assert not comparison.done(), "the prompt waited for the comparison (or the comparison was too quick to tell)"
    comparison.result()
