"""The answer cache in the launched app (issue 30, part 3): a repeated request is answered from memory, a stream is
replayed frame by frame, an upload stays in its session, and a hit does not wait behind the lane's computation."""

import time
from pathlib import Path

import pytest
from gradio_client import Client, handle_file

from gendemo.app.endpoint import HANDLERS


def _bytes(path) -> bytes:
    return Path(path).read_bytes()


def test_a_repeated_sample_is_a_hit_with_the_same_picture(app_client):
    store = HANDLERS["gan_sample"].cache
    first = app_client.predict(n=9, seed=12345, recipe="remedy", api_name="/gan_sample")
    size = len(store)
    again = app_client.predict(n=9, seed=12345, recipe="remedy", api_name="/gan_sample")
    assert len(store) == size and _bytes(again) == _bytes(first)
    app_client.predict(n=9, seed=12346, recipe="remedy", api_name="/gan_sample")
    assert len(store) == size + 1  # another seed is another answer


def test_an_upload_is_kept_for_its_session_only(app_client, tmp_path):
    from PIL import Image, ImageDraw

    shared, own = HANDLERS["discriminate"].caches
    before_shared, before_own = len(shared), len(own)
    own_picture = tmp_path / "mine.png"  # a learner's own drawing (the app's example pictures are nobody's)
    img = Image.new("L", (64, 64), 255)
    ImageDraw.Draw(img).line([(20, 10), (44, 10), (30, 54)], fill=0, width=6)
    img.save(own_picture)
    picture = handle_file(str(own_picture))
    for k in range(2):  # two learners send the same photo: each session computes its own answer
        c = Client(app_client.base_url, verbose=False, download_files=str(tmp_path / f"c{k}"))
        c.predict(image=picture, which="chapter", label=3, api_name="/discriminate")
    assert len(shared) == before_shared and len(own) == before_own + 2


def test_a_class_s_prompts_fit_in_the_prompt_cache(app_client):
    """A kept prompt answer holds its run (every step, for the replay slider) once, not once per streamed frame: at
    3.2 MB an answer the cache held one prompt, and a class's repeated prompts were all computed again."""
    store = HANDLERS["diffusion_generate"].cache
    before = dict(store._entry_sizes)
    app_client.predict("a red seven", "ddim", 25, 4.0, 4242, 8, "diffusion_distilled", api_name="/diffusion_generate")
    (size,) = [v for k, v in store._entry_sizes.items() if k not in before]
    assert size < 1.5 * 2**20  # 26 kept steps of 8 digits (0.98 MB) and the pictures
    assert store._max_memory // size >= 10  # a class's dozen distinct prompts stay


@pytest.mark.heavy  # a few seconds: a diffusion run, then its replay
def test_a_stream_is_replayed_frame_by_frame(app_client):
    args = {"prompt": "a green two", "sampler": "ddim", "steps": 10, "guidance": 3.0, "seed": 777, "n": 1}
    first = app_client.submit(**args, network="diffusion_distilled", api_name="/diffusion_generate")
    first_final = first.result()
    again = app_client.submit(**args, network="diffusion_distilled", api_name="/diffusion_generate")
    again_final = again.result()
    assert len(again.outputs()) == len(first.outputs()) >= 3  # the starting line, frames, the answer
    assert _bytes(again_final[1]) == _bytes(first_final[1]) and again_final[2] == first_final[2]


@pytest.mark.heavy  # tens of seconds: DDPM's 1,000 steps hold the diffusion lane meanwhile
def test_a_hit_does_not_wait_behind_the_lanes_computation(app_client, tmp_path):
    cached = {"source": "test", "index": 3, "caption": "a red seven", "t": 300, "seed": 5, "guidance": 1.0}
    app_client.predict(**cached, image=None, api_name="/noise_prediction")  # now kept
    holder = Client(app_client.base_url, verbose=False, download_files=str(tmp_path / "holder"))
    long = holder.submit(
        prompt="a blue five",
        sampler="ddpm",
        steps=25,
        guidance=3.0,
        seed=91,
        n=1,
        network="diffusion_distilled",
        api_name="/diffusion_generate",
    )
    time.sleep(2.0)
    assert not long.done()
    t0 = time.perf_counter()
    app_client.predict(**cached, image=None, api_name="/noise_prediction")
    hit = time.perf_counter() - t0
    assert not long.done(), "the long request ended first: the test proved nothing"
    assert hit < 5.0
    long.result()
