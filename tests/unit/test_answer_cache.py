"""The answer cache (gendemo/app/answer_cache.py) on a stand-in endpoint, without a server: what is kept, under which
key, in which store, and what a hit gives back."""

import gradio as gr
import pytest
from gradio.caching import CacheMissError, ProbeCache

from gendemo.app import answer_cache
from gendemo.app.endpoint import Endpoint, Param
from gendemo.app.ui.common import guarded

RAN: list = []


def _endpoint(name):
    return Endpoint(
        name,
        "A stand-in.",
        params=(Param("n", "int", 1, lo=0, hi=9), Param("image", "file", None), Param("state", "state", None)),
        returns=(("out", "a value"),),
        cache=True,
    )


class _Req:
    def __init__(self, lang="en", session="s1"):
        self.headers = {"accept-language": lang}
        self.session_hash = session


def _answer(name, stream=False, stop_at=None):
    if stream:

        def fn(n, image, state, request=None):
            RAN.append(n)
            for i in range(3):
                frame = {"n": n, "frame": i, "lang": request.headers["accept-language"]}
                if i == stop_at:
                    yield answer_cache.partial(frame)
                    return
                yield frame

    else:

        def fn(n, image, state, request=None):
            RAN.append(n)
            return {"n": n, "lang": request.headers["accept-language"], "image": image}

    return answer_cache.cached(_endpoint(name), fn)


@pytest.fixture(autouse=True)
def _clear():
    RAN.clear()


def test_a_repeated_request_is_answered_without_computing_and_a_hit_is_a_copy():
    f = _answer("t_repeat")
    first = f(3, None, None, request=_Req())
    first["n"] = 99  # the session changes what it was given: the kept answer must not change with it
    again = f(3, None, None, request=_Req())
    assert RAN == [3] and again == {"n": 3, "lang": "en", "image": None}
    assert f(4, None, None, request=_Req())["n"] == 4 and RAN == [3, 4]  # other inputs: computed
    assert f(3, None, None, request=_Req("zh-CN"))["lang"] == "zh-CN" and RAN == [3, 4, 3]  # the answer's language


def test_a_probe_misses_without_computing_and_hits_what_was_kept():
    f = _answer("t_probe")
    with ProbeCache(), pytest.raises(CacheMissError):
        f(5, None, None, request=_Req())
    assert RAN == []
    f(5, None, None, request=_Req())
    with ProbeCache():
        assert f(5, None, None, request=_Req())["n"] == 5
    assert RAN == [5]


def test_a_miss_passes_through_guarded_untranslated():
    g = guarded(_answer("t_guarded"))
    assert hasattr(g, "cache")  # what Gradio's queue looks for before it probes
    with ProbeCache(), pytest.raises(CacheMissError):
        g(1, None, None, request=_Req())


def test_streams_are_replayed_and_a_stopped_stream_is_not_kept():
    f = _answer("t_stream", stream=True)
    frames = list(f(2, None, None, request=_Req()))
    assert list(f(2, None, None, request=_Req())) == frames and len(frames) == 3 and RAN == [2]
    s = _answer("t_stopped", stream=True, stop_at=1)
    assert [x["frame"] for x in s(2, None, None, request=_Req())] == [0, 1]  # the stopped answer is passed on
    list(s(2, None, None, request=_Req()))
    assert RAN == [2, 2, 2]  # ... but never served again as the answer to those inputs


def test_uploads_are_keyed_by_their_bytes_and_kept_apart_from_the_shared_cache(tmp_path, monkeypatch):
    a, b, c = tmp_path / "a.png", tmp_path / "b.png", tmp_path / "c.png"
    a.write_bytes(b"one picture")
    b.write_bytes(b"one picture")
    c.write_bytes(b"another picture")
    f = _answer("t_upload")
    shared, own = f.caches
    f(1, str(a), None, request=_Req())
    f(1, str(b), None, request=_Req())  # the same bytes under another name: a hit
    assert RAN == [1] and len(shared) == 0 and len(own) == 1
    f(1, str(c), None, request=_Req())
    assert RAN == [1, 1]
    # another session never sees the first session's entries (gr.cache's per_session namespace)
    monkeypatch.setattr("gradio.caching._get_session_hash", lambda: "other-session")
    f(1, str(a), None, request=_Req(session="other-session"))
    assert RAN == [1, 1, 1] and len(own) == 3


def test_session_state_is_keyed_by_its_contents():
    import torch

    f = _answer("t_state")
    f(1, None, {"x": torch.ones(2), "t": 5}, request=_Req())
    f(1, None, {"x": torch.ones(2), "t": 5}, request=_Req())  # equal contents, another object: a hit
    f(1, None, {"x": torch.zeros(2), "t": 5}, request=_Req())
    assert RAN == [1, 1]


def test_the_cache_is_bounded_in_entries(monkeypatch):
    monkeypatch.setattr(answer_cache, "ENTRIES", 2)
    f = _answer("t_bounded")
    for n in (1, 2, 3):
        f(n, None, None, request=_Req())
    assert len(f.cache) == 2
    f(1, None, None, request=_Req())  # the oldest was forgotten
    assert RAN == [1, 2, 3, 1]


def test_a_handler_error_is_not_kept():
    calls = []

    def fn(n, image, state, request=None):
        calls.append(n)
        raise gr.Error("no")

    f = answer_cache.cached(_endpoint("t_error"), fn)
    for _ in range(2):
        with pytest.raises(gr.Error):
            f(1, None, None, request=_Req())
    assert calls == [1, 1]


def test_the_apps_own_example_pictures_are_shared(tmp_path):
    from gendemo.core.paths import EXAMPLES

    copy_of_example = tmp_path / "photo.jpg"  # Gradio hands the page's default photo over as a copy in its cache
    copy_of_example.write_bytes((EXAMPLES / "photo_grace_hopper.jpg").read_bytes())
    f = _answer("t_examples")
    shared, own = f.caches
    f(1, str(copy_of_example), None, request=_Req())
    assert len(shared) == 1 and len(own) == 0


def test_pictures_are_kept_as_png_and_written_again_when_the_cleanup_took_them():
    import os

    from PIL import Image

    def fn(n, image, state, request=None):
        RAN.append(n)
        return Image.new("L", (200, 200), 40 * n), {"kept": n}

    f = answer_cache.cached(_endpoint("t_png"), fn)
    path, extra = f(2, None, None, request=_Req())
    assert isinstance(path, str) and path.endswith(".png") and extra == {"kept": 2}
    (entry,) = f.cache._exact.values()
    assert isinstance(entry["value"][0], answer_cache.Png) and len(entry["value"][0]) < 2000  # not 40,000 pixels
    os.remove(path)
    again, _ = f(2, None, None, request=_Req())
    assert again == path and os.path.exists(path) and RAN == [2]
    assert Image.open(path).getpixel((0, 0)) == 80


def test_an_event_answered_from_the_cache_is_remembered_once():
    """queue_eta leaves out of its typical times a queued request that found its answer kept when it ran."""
    from gradio.context import LocalContext

    f = _answer("t_served")
    token = LocalContext.event_id.set("event-1")
    try:
        f(1, None, None, request=_Req())  # computed: not served
        assert not answer_cache.served("event-1")
        f(1, None, None, request=_Req())  # kept: served
    finally:
        LocalContext.event_id.reset(token)
    assert answer_cache.served("event-1") and not answer_cache.served("event-1")
