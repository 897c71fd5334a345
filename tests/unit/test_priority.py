"""Foreground first (gendemo/core/priority.py): background work gives way to learners' requests, bounded, and the app's
handlers say which they are."""

import sys
import threading

import pytest

from gendemo.app.endpoint import Endpoint, Lane, Param
from gendemo.core.priority import FOREGROUND, Foreground, PacedProgress, Pacer


class FakeForeground:
    """Foreground stand-in: `running` as set, wait_idle records its timeouts and waits for nothing."""

    def __init__(self, running=0):
        self.running, self.timeouts = running, []

    def above(self, level):
        return self.running

    def wait_idle(self, timeout, level=2):
        self.timeouts.append(timeout)
        return timeout


def test_a_pacer_waits_only_while_a_foreground_request_runs_and_only_after_its_run_time():
    fg = FakeForeground(running=0)
    pacer = Pacer(fg, run_s=0.0, yield_s=0.3)
    assert pacer.tick() == 0.0 and fg.timeouts == []  # nobody in the foreground: no wait
    fg.running = 2
    assert pacer.tick() == 0.3 and fg.timeouts == [0.3]  # bounded by yield_s, never longer
    assert pacer.paused == pytest.approx(0.3)
    patient = Pacer(fg, run_s=3600.0, yield_s=0.3)  # it has not run its share yet: it does not give way
    assert patient.tick() == 0.0 and fg.timeouts == [0.3]


def test_wait_idle_ends_when_the_last_foreground_request_ends():
    fg = Foreground()
    inside, leave = threading.Event(), threading.Event()

    def request():
        with fg.request():
            inside.set()
            leave.wait(5)

    t = threading.Thread(target=request)
    t.start()
    inside.wait(5)
    assert fg.running == 1
    assert fg.wait_idle(0.05) >= 0.05  # still running: the wait is the whole timeout
    threading.Timer(0.05, leave.set).start()
    waited = fg.wait_idle(10.0)
    t.join(5)
    assert fg.running == 0 and waited < 5.0  # it returned when the request ended, not after its timeout


def test_paced_progress_forwards_every_call_and_counts_the_pauses():
    calls = []

    def progress(*args, **kwargs):
        calls.append((args, kwargs))

    progress.track_tqdm = False
    fg = FakeForeground(running=1)
    paced = PacedProgress(progress, Pacer(fg, run_s=0.0, yield_s=0.2))
    paced(0.5, desc="half")
    paced((3, 4))
    assert calls == [((0.5,), {"desc": "half"}), (((3, 4),), {})]
    assert paced.paused == pytest.approx(0.4) and paced.track_tqdm is False


def _endpoint(lane: Lane) -> Endpoint:
    return Endpoint(
        name="probe",
        does="test",
        params=(Param("x", "int", 0, lo=0, hi=10),),
        returns=(("y", "y"),),
        lane=lane,
        gpu=None,
    )


def test_a_foreground_handler_counts_itself_while_it_computes_and_a_background_one_does_not():
    def probe(x, progress=None):
        return FOREGROUND.running, type(progress).__name__

    front = _endpoint(Lane("front_probe")).handler(probe)
    back = _endpoint(Lane("back_probe", priority=2)).handler(probe)
    assert FOREGROUND.running == 0
    assert front(1, progress=lambda *a, **k: None) == (1, "function")
    assert back(1, progress=lambda *a, **k: None) == (0, "PacedProgress")  # it gives way at every progress report
    assert FOREGROUND.running == 0


def test_a_foreground_stream_counts_itself_while_it_computes_a_value_not_while_the_page_takes_it():
    def probe(x):
        yield FOREGROUND.running
        yield FOREGROUND.running

    stream = _endpoint(Lane("stream_probe")).handler(probe)(1)
    assert next(stream) == 1
    assert FOREGROUND.running == 0  # between two values nothing computes
    assert next(stream) == 1
    stream.close()
    assert FOREGROUND.running == 0


def test_a_forked_child_starts_with_no_foreground_request_and_a_free_lock():
    import os

    fg = Foreground()
    with fg.request():
        fg._cond.acquire()  # as if another thread held it at the fork
        pid = os.fork()
        if pid == 0:  # the child: it must neither wait for its parent's request nor hang on the lock
            ok = fg.running == 0 and fg.wait_idle(5.0) < 1.0
            os._exit(0 if ok else 1)
        fg._cond.release()
        _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0


def test_give_way_waits_only_while_someone_is_in_the_foreground():
    from gendemo.core.priority import give_way

    assert give_way(FakeForeground(running=0), 0.3) == 0.0
    busy = FakeForeground(running=1)
    assert give_way(busy, 0.3) == 0.3 and busy.timeouts == [0.3]


def test_long_requests_give_way_to_quick_ones_and_background_work_to_both():
    fg = Foreground()
    long_pacer, background = Pacer(fg, run_s=0.0, yield_s=0.05, level=1), Pacer(fg, run_s=0.0, yield_s=0.05)
    with fg.request(1):  # a diffusion prompt computing: the background waits, another long request does not
        assert long_pacer.tick() == 0.0 and background.tick() >= 0.05
    with fg.request(0):  # a GAN sample computing: both wait
        assert long_pacer.tick() >= 0.05 and background.tick() >= 0.05
    assert fg.running == 0 and long_pacer.tick() == 0.0
    with pytest.raises(ValueError):
        with fg.request(5):
            pass


def test_a_long_handler_counts_itself_at_its_level_and_computes_in_a_nicer_thread():
    """Long requests (level 1) count themselves at their level; they compute in a thread of their lane's own, made
    nicer, so the kernel gives quick requests the cores first (where that works: Linux, not ZeroGPU) — else they pause
    at each step they report. Background work (level 2) does both. A stream computes every value in that thread."""
    import os

    from gendemo.core.priority import NICE, nice_threads_work

    me = threading.get_native_id()
    mine = os.getpriority(os.PRIO_PROCESS, me)

    def where():
        tid = threading.get_native_id()
        return tid, os.getpriority(os.PRIO_PROCESS, tid)

    def probe(x, progress=None):
        return FOREGROUND.above(1), FOREGROUND.above(2), *where(), type(progress).__name__

    def stream(x, progress=None):
        for _ in range(3):
            yield where()

    stream.__name__ = "probe"  # an endpoint's handler is named as the endpoint

    quiet = lambda *a, **k: None  # noqa: E731
    above1, above2, tid, nice, progress = _endpoint(Lane("long_probe", priority=1)).handler(probe)(1, progress=quiet)
    assert (above1, above2) == (0, 1)  # it is no quick request, but the background sees it
    *_, tid2, nice2, progress2 = _endpoint(Lane("heavy_probe", priority=2)).handler(probe)(1, progress=quiet)
    assert progress2 == "PacedProgress"  # background work also pauses for learners' requests
    steps = list(_endpoint(Lane("long_stream", priority=1)).handler(stream)(1, progress=quiet))
    if nice_threads_work():
        assert tid != me and nice == min(19, mine + NICE[1]) and progress != "PacedProgress"
        assert tid2 != me and nice2 == min(19, mine + NICE[2])
        assert steps == [steps[0]] * 3 and steps[0][0] != me  # the lane's one thread computed every value of the stream
        assert steps[0][1] == nice
    else:
        assert (tid, nice, progress) == (me, mine, "PacedProgress")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="a thread's own nice value is Linux's")
def test_a_background_thread_is_made_nicer_and_only_it():
    import os
    import threading

    from gendemo.core.priority import lower_this_thread

    mine = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    seen = {}

    def background():
        tid = threading.get_native_id()
        seen["took"] = lower_this_thread(5)
        seen["nice"] = os.getpriority(os.PRIO_PROCESS, tid)

    t = threading.Thread(target=background)
    t.start()
    t.join()
    assert seen["took"] and seen["nice"] == min(19, mine + 5)
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) == mine  # the caller's thread is untouched
    assert not lower_this_thread(0)
