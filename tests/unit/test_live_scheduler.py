"""The one trainer of every live run (gendemo/gan/scheduler.py, issue 30): turns, fair shares, a run computed once for
two learners, one run per session, abandoned runs dropped, One step and Stop on a learner's own run only.

Most tests drive the turns themselves (thread=False) with stand-in runs, so they are quick and exact; those that train
real networks are marked train."""

import time
from types import SimpleNamespace

import pytest
import torch

from gendemo.gan.live import LiveRun
from gendemo.gan.scheduler import Busy, Scheduler, Superseded


class Clock:
    def __init__(self):
        self.t = 1000.0

    def __call__(self):
        return self.t


class FakeRun:
    """A run's interface to the scheduler; each step costs `cost` seconds on the timer given (a Clock)."""

    def __init__(self, cost=0.0, timer=None):
        self.step, self.seconds, self.cost, self.timer = 0, 0.0, cost, timer

    @property
    def images_seen(self):
        return self.step * 10

    def train(self, n):
        if self.timer is not None:
            self.timer.t += n * self.cost
        self.step += n

    def report(self):
        return SimpleNamespace(step=self.step, images_seen=self.images_seen, history={"step": []})

    def fork(self):
        twin = FakeRun(self.cost)
        twin.step, twin.seconds = self.step, self.seconds
        return twin

    def step_in_detail(self, show=8):
        self.step += 1
        return SimpleNamespace(step=self.step)


def manual(clock=None, **kw):
    return Scheduler(thread=False, batched=False, clock=clock or Clock(), **kw)


def test_every_run_gets_its_turn_and_an_equal_share_of_time():
    timer = Clock()
    s = manual(slice_seconds=0.004, report_seconds=1e9, timer=timer)
    costs = (0.0002, 0.0005, 0.001)  # three recipes of different step costs
    seats = [s.start(f"s{i}", ("k", i), lambda c=c: FakeRun(c, timer), budget=60) for i, c in enumerate(costs)]
    trained = [s.turn() for _ in range(60)]
    assert [trained.count(seat.job) for seat in seats] == [20, 20, 20]  # in turn, none starved
    shares = [seat.job.turn_seconds for seat in seats]
    # equal time, whatever a step costs (each run's first slice is one step, to measure it)
    assert shares == pytest.approx([20 * 0.004] * 3, rel=0.1), shares
    steps = [seat.step for seat in seats]
    assert steps == [1 + 19 * 20, 1 + 19 * 8, 1 + 19 * 4]  # so the cheap recipe makes more steps


def test_the_first_frame_comes_at_once_however_many_runs_are_active():
    s = manual()
    for i in range(30):
        s.start(f"s{i}", ("k", i), FakeRun, budget=60)
    seat = s.start("new", ("k", "new"), FakeRun, budget=60)
    frames = s.frames_for(seat)  # no turn needed: the starting point is made by the request itself
    assert [f.index for f in frames] == [0] and frames[0].report.step == 0
    assert frames[0].runs == 31 and s.active_runs() == 31


def test_frames_say_how_many_runs_share_and_their_speed():
    clock = Clock()
    s = manual(clock, report_seconds=4.0, frames_per_second=2.0)
    seats = [s.start(f"s{i}", ("k", i), FakeRun, budget=600) for i in range(10)]
    assert s.frame_seconds() == 5.0  # ten runs: a frame each 5 s (no more than 2 frames a second in all)
    s.frames_for(seats[0])
    clock.t += 5.0
    for seat in seats:
        seat.last_look = clock.t
    s.turn()
    (f,) = s.frames_for(seats[0])
    assert f.runs == 10 and f.rate == pytest.approx(seats[0].step * 10 / 5.0)


def test_an_identical_request_joins_the_run_and_sees_its_frames_so_far():
    clock = Clock()
    s = manual(clock, report_seconds=1.0)
    a = s.start("A", ("chapter", 0), FakeRun, budget=60)
    for _ in range(3):
        clock.t += 1.0
        a.last_look = clock.t
        s.turn()
    made = s.frames_for(a)
    assert len(made) == 4
    b = s.start("B", ("chapter", 0), lambda: pytest.fail("an identical run is not built twice"), budget=60)
    assert b.job is a.job and s.active_runs() == 1
    assert s.frames_for(b) == made  # the very frames A saw, from the starting point
    c = s.start("C", ("chapter", 1), FakeRun, budget=60)  # another seed: another run
    assert c.job is not a.job and s.active_runs() == 2


def test_a_flood_of_starts_from_one_session_gives_it_one_run():
    s = manual()
    seats = [s.start("same", ("k", i), FakeRun, budget=60) for i in range(20)]
    assert s.active_runs() == 1 and s.sessions["same"] is seats[-1]
    assert not any(seat.active for seat in seats[:-1]) and all(seat.generation == 1 for seat in seats[:-1])


def test_a_start_overtaken_while_its_run_is_built_gives_way():
    """Presses that arrive together: the newest one is the session's run, whichever finishes building first."""
    s = manual()
    newer = []

    def slow_build():  # while this press builds its run, the same session presses Start again (and that one wins)
        newer.append(s.start("same", ("k", 2), FakeRun, budget=60))
        return FakeRun()

    with pytest.raises(Superseded):
        s.start("same", ("k", 1), slow_build, budget=60)
    assert s.active_runs() == 1 and s.sessions["same"] is newer[0] and newer[0].active
    assert not s._presses  # nothing kept per session once its presses are done


def test_an_abandoned_run_stops_training():
    clock = Clock()
    s = manual(clock, abandon_seconds=5.0)
    gone = s.start("gone", ("k", 1), FakeRun, budget=600)
    here = s.start("here", ("k", 2), FakeRun, budget=600)
    clock.t += 6.0  # nobody asked for gone's frames for 6 s; here's stream still looks
    s.frames_for(here)
    assert s.turn() is here.job and s.turn() is here.job
    assert not gone.active and s.active_runs() == 1
    s.leave(here)  # a closed stream: at once
    assert s.turn() is None and s.active_runs() == 0


def test_the_cap_is_a_clear_refusal_and_joining_still_works():
    s = manual(cap=2)
    s.start("a", ("k", 1), FakeRun, budget=60)
    s.start("b", ("k", 2), FakeRun, budget=60)
    with pytest.raises(Busy) as e:
        s.start("c", ("k", 3), FakeRun, budget=60)
    assert e.value.cap == 2
    assert s.start("c", ("k", 1), FakeRun, budget=60).job.key == ("k", 1)  # watching a run going on is no new run


def test_stop_and_one_step_never_touch_another_learners_run():
    clock = Clock()
    s = manual(clock)
    a = s.start("A", ("k", 0), FakeRun, budget=600)
    b = s.start("B", ("k", 0), FakeRun, budget=600)
    shared = a.job
    s.turn()
    at = shared.run.step
    detail = s.step_in_detail(b)  # B's one step: on a copy of its own, A's run goes on untouched
    assert b.job is not shared and detail.step == at + 1 and shared.run.step == at
    assert a.active and a.job is shared and s.active_runs() == 1
    s.resume(b, 600)  # B continues its own copy; A's is not affected
    assert s.active_runs() == 2 and b.job.key is None and shared.key == ("k", 0)
    rep, _ = s.pause(b)  # B stops: its own run pauses, A's keeps training
    assert rep.step == at + 1 and s.active_runs() == 1 and s.turn() is shared
    c = s.start("C", ("k", 0), FakeRun, budget=600)
    s.pause(c)  # C stops watching A's run: C gets a copy, A trains on
    assert c.job is not shared and a.active and s.active_runs() == 1


def test_continue_after_stop_trains_the_same_run_on():
    s = manual()
    a = s.start("A", ("k", 0), FakeRun, budget=600)
    s.turn()
    rep, _ = s.pause(a)
    assert s.turn() is None
    job = a.job
    generation = s.resume(a, 600)
    assert a.job is job and generation == 1 and s.turn() is job and job.run.step > rep.step


# ---------------------------------------------------------------- with the real trainer


def tiny_runs():
    from test_live import judge, small, tiny_data

    data, j = tiny_data(), judge()
    return lambda seed=0, name="remedy": LiveRun(data, j, small(name), seed=seed, point_every=2)


def same(r1, r2):
    return (
        r1.step == r2.step
        and torch.equal(r1.samples, r2.samples)
        and (r1.shares == r2.shares).all()
        and r1.kl == r2.kl
        and r1.history == r2.history
    )


@pytest.mark.train
def test_a_joined_learner_sees_the_frames_of_a_run_made_alone():
    """Issue 30: two identical requests are one computation; the second learner's frames (the ones made before it
    joined, then the rest) are exactly those of the same run trained alone to the same steps. The remedy recipe:
    dropout and minibatch spread included."""
    make = tiny_runs()
    clock = Clock()
    s = manual(clock, report_seconds=1.0, slice_seconds=0.02, frame_share=1e9)  # frames on the fake clock only
    other = s.start("other", ("k", 5), lambda: make(5), budget=600)  # another learner's run takes turns between
    a = s.start("A", ("k", 0), lambda: make(0), budget=600)
    for _ in range(6):
        clock.t += 0.5
        for seat in (other, a):
            seat.last_look = clock.t
        s.turn()
    b = s.start("B", ("k", 0), lambda: pytest.fail("joins"), budget=600)
    for _ in range(6):
        clock.t += 0.5
        for seat in (other, a, b):
            seat.last_look = clock.t
        s.turn()
    frames = s.frames_for(b)
    assert len(frames) >= 4 and frames[0].report.step == 0 and frames[-1].report.step > 2
    alone = make(0)
    for f in frames:
        alone.train(f.report.step - alone.step)
        assert same(f.report, alone.report()), f.report.step


@pytest.mark.train
def test_a_fork_trains_on_exactly_as_the_original():
    make = tiny_runs()
    run = make(3)
    run.train(3)
    twin = run.fork()
    run.train(4)
    twin.train(4)
    assert same(run.report(), twin.report())


@pytest.mark.train
def test_the_worker_thread_streams_and_lets_an_abandoned_run_go_within_seconds():
    make = tiny_runs()
    s = Scheduler(batched=False, report_seconds=0.3, abandon_seconds=1.0)
    try:
        watched = s.start("w", ("k", 0), lambda: make(0, "chapter"), budget=60)
        left = s.start("l", ("k", 1), lambda: make(1, "chapter"), budget=60)
        t0 = time.monotonic()
        seen = []
        while time.monotonic() - t0 < 3.0:
            seen += s.frames_for(watched)
            time.sleep(0.05)
        assert len(seen) >= 3 and seen[-1].report.step > 0
        assert not left.active and s.active_runs() == 1  # nobody looked at l's frames for over a second
        step = left.job.run.step
        time.sleep(0.3)
        assert left.job.run.step == step  # and its run no longer trains
    finally:
        s.close()


def test_the_worker_gives_way_to_learners_requests_between_its_turns():
    """Live training is background work (gendemo/core/priority.py): the worker asks its pacer before every turn, so
    while a learner's request computes it trains at most a slice between waits."""
    from gendemo.core.priority import Foreground, Pacer

    fg = Foreground()
    pacer = Pacer(fg, run_s=0.0, yield_s=0.2)
    s = Scheduler(batched=False, pacer=pacer, slice_seconds=0.01)
    try:
        seat = s.start("w", ("k", 0), lambda: FakeRun(), budget=60)
        with fg.request():  # a learner's request computes for a second: the worker waits 0.2 s between turns
            t0 = time.monotonic()
            turn0 = seat.job.turned
            while time.monotonic() - t0 < 1.0:
                s.frames_for(seat)
                time.sleep(0.05)
            turns_busy = seat.job.turned - turn0
        assert pacer.paused >= 0.6 and turns_busy <= 8, (pacer.paused, turns_busy)
        t0, turn0 = time.monotonic(), seat.job.turned
        while time.monotonic() - t0 < 0.5:  # nobody in the foreground: it trains without waiting
            s.frames_for(seat)
            time.sleep(0.05)
        assert seat.job.turned - turn0 > 3 * turns_busy
    finally:
        s.close()


def test_runs_are_built_one_at_a_time():
    """Building is Python (the GIL): many at once took as long as one after another and held all their temporaries
    together. Starts from many sessions at once build one run at a time, and each gets its run."""
    from support import AtOnce, all_at_once

    s = manual()
    build = AtOnce(FakeRun, seconds=0.01)
    seats = []
    all_at_once([lambda i=i: seats.append(s.start(f"s{i}", ("k", i), build, 60)) for i in range(8)])
    assert build.most == 1 and len(seats) == 8 and s.active_runs() == 8
