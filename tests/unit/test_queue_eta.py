"""Issue 33: the diffusion lane's queue estimates do not understate. Three 1,000-step runs finished at 54, 81 and 110 s
while the third page said 14.4 s: Gradio keeps one mean duration per event, DDIM's seconds and DDPM's minute alike.
Here the estimator is run on stand-ins for Gradio's queue objects, with a clock the test moves."""

from types import SimpleNamespace

import pytest
from support import run_async

from gendemo.app.queue_eta import COLD, MARGIN_S, LaneClock, install, kind_of, progress_of


class Fn:  # a BlockFunction: hashable, named after its handler, in a lane
    def __init__(self, name, lane):
        self.name, self.concurrency_id = name, lane


def _event(id_, sampler="ddpm", name="diffusion_generate", progress=None, lane="diffusion"):
    fn = Fn(name, lane)
    units = None if progress is None else SimpleNamespace(progress_data=[SimpleNamespace(progress=progress)])
    return SimpleNamespace(
        _id=id_, fn=fn, concurrency_id=lane, data=SimpleNamespace(data=["a red seven", sampler, 25]), progress=units
    )


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def test_kinds_and_progress():
    assert kind_of(_event("a")) == ("diffusion_generate", True)
    assert kind_of(_event("b", sampler="ddim")) == ("diffusion_generate", False)
    assert kind_of(_event("c", sampler=["ddim", "ddpm"], name="solver_comparison")) == ("solver_comparison", True)
    assert progress_of(_event("d")) is None and progress_of(_event("e", progress=0.25)) == 0.25


def test_three_ddpm_runs_queued():
    """One DDPM run measured at 30 s (a DDIM run at 1 s); the first of three runs has run 10 s, at a third of its
    progress bar: the second is told ≈ 20 + 30 s, the third 20 + 30 + 30 s — never less than the work ahead of it."""
    clock = Clock()
    lane = LaneClock(["diffusion"], clock=clock)
    lane.record(("diffusion_generate", True), 30.0)
    lane.record(("diffusion_generate", False), 1.0)
    first = _event("1", progress=1 / 3)
    lane.started["1"] = (clock.now - 10, kind_of(first))
    etas = lane.plain([first], [_event("2"), _event("3"), _event("4", sampler="ddim")], limit=1)
    assert [round(e, 6) for e in etas] == [50.0, 80.0, 81.0]
    # before its progress bar moves, the running one is given its kind's typical time less what it has run
    first.progress = None
    assert lane.plain([first], [_event("2")], limit=1) == [50.0]
    clock.now += 40  # it overran its typical time: it is about to end, not owed negative time
    assert lane.plain([first], [_event("2")], limit=1) == [30.0]


def test_a_running_request_going_slower_than_usual_slows_the_estimates_behind_it():
    """Issue 30's class: the cores are shared with other lanes, so typical times from a quieter minute understated the
    waits threefold. A DDPM run measured at 30 s has run 20 s and is a third done (heading for 60 s, twice its typical
    time): the requests behind it are expected to go twice as slowly too, never faster than usual."""
    clock = Clock()
    lane = LaneClock(["diffusion"], clock=clock)
    lane.record(("diffusion_generate", True), 30.0)
    lane.record(("diffusion_generate", False), 1.0)
    first = _event("1", progress=1 / 3)
    lane.started["1"] = (clock.now - 20, kind_of(first))
    etas = lane.plain([first], [_event("2"), _event("3", sampler="ddim")], limit=1)
    assert [round(e, 6) for e in etas] == [100.0, 102.0]  # 40 s left, then 2 × 30 s, then 2 × 1 s
    lane.started["1"] = (clock.now - 5, kind_of(first))  # faster than usual: the others keep their typical times
    assert [round(e, 6) for e in lane.plain([first], [_event("2")], limit=1)] == [40.0]


def test_an_unmeasured_kind_gives_no_time_rather_than_a_guess():
    clock = Clock()
    lane = LaneClock(["diffusion"], clock=clock)
    lane.record(("diffusion_generate", False), 1.0)
    etas = lane.plain([], [_event("1", sampler="ddim"), _event("2"), _event("3", sampler="ddim")], limit=1)
    assert etas == [1.0, None, None]  # DDPM never measured: it, and everything behind it, unknown
    # a first DDPM run under way, a quarter done after 10 s: it is heading for 40 s, and so is the one behind it
    first = _event("0", progress=0.25)
    lane.started["0"] = (clock.now - 10, kind_of(first))
    assert lane.plain([first], [_event("1"), _event("2", sampler="ddim")], limit=1) == [70.0, 71.0]
    del lane.started["0"]
    # the typical time is the median of the last runs, so one unusual run does not swing it …
    for s in (30, 31, 90, 29, 28):
        lane.record(("diffusion_generate", True), s)
    assert lane.typical(("diffusion_generate", True)) == 30
    # … unless the last run is longer than that: a load that grows is told at once
    lane.record(("diffusion_generate", True), 45)
    assert lane.typical(("diffusion_generate", True)) == 45


def test_the_lanes_hand_over_counts_in_the_time_of_the_request_that_was_waiting():
    """In the class benchmark queued requests waited about 1.5 × the durations ahead of them: between one request's
    end and the next one's start the busy server takes its time, and that is part of each queued request's wait."""
    lane = LaneClock(["diffusion"], clock=Clock())
    assert lane.handed_over("diffusion", joined=100.0, begin=101.0) == 0.0  # nothing ended yet
    lane.last_end["diffusion"] = 200.0
    assert lane.handed_over("diffusion", joined=150.0, begin=200.8) == pytest.approx(0.8)  # it waited: 0.8 s
    assert lane.handed_over("diffusion", joined=250.0, begin=250.1) == 0.0  # it came to an idle lane


def test_installed_on_a_queue():
    """install() answers the lane's estimates itself (other lanes keep Gradio's), times each whole successful run under
    its kind, and tells a starting run its kind's typical time instead of the time to its first streamed answer."""
    sent, gradio_said = [], []
    lane = SimpleNamespace(queue=[], concurrency_limit=1)
    queue = SimpleNamespace(
        event_queue_per_concurrency_id={"diffusion": lane},
        active_jobs=[None],
        process_time_per_fn={},
        event_analytics={},
        send_message=lambda event, message: sent.append((event._id, message.rank, message.rank_eta)),
        broadcast_estimations=lambda cid, after=None: gradio_said.append(cid),
    )

    async def process(events, batch, begin, fn):  # Gradio's: runs the events and marks how they ended
        for e in events:
            queue.event_analytics[e._id] = {"status": "success"}

    queue.process_events = process
    clock = install(queue, ["diffusion"])
    clock.clock = Clock()
    queue.broadcast_estimations("default")
    assert gradio_said == ["default"]

    run = _event("1")
    run_async(queue.process_events([run], False, clock.clock() - 42.0, run.fn))
    assert clock.typical(("diffusion_generate", True)) == 42.0
    assert clock.last_end["diffusion"] == clock.clock()
    assert queue.process_time_per_fn[run.fn].avg_time is None  # the first DDPM run: nothing to tell yet
    stopped = _event("2", progress=0.3)  # Stop pressed at 30 %: not a DDPM run's length
    run_async(queue.process_events([stopped], False, clock.clock() - 12.0, stopped.fn))
    assert clock.typical(("diffusion_generate", True)) == 42.0

    lane.queue = [_event("3"), _event("4")]
    queue.broadcast_estimations("diffusion")
    # the plain figures, doubled (no request has ended with an estimate yet: COLD), plus the margin
    assert sent == [("3", 0, 42.0 * COLD + MARGIN_S), ("4", 1, 84.0 * COLD + MARGIN_S)]
    third = _event("5")
    run_async(queue.process_events([third], False, clock.clock(), third.fn))
    assert queue.process_time_per_fn[third.fn].avg_time == 42.0


def test_estimates_are_raised_by_how_much_the_last_ones_understated():
    """What the rules above still miss (a class arriving: the load grows faster than typical times follow) is measured
    on the requests themselves: each remembers its first estimate, and the real waits over those raise the next."""
    from gendemo.app.queue_eta import MAX_CORRECTION, MIN_CHECKED, SLACK

    clock = Clock()
    lane = LaneClock(["diffusion"], clock=clock)
    lane.record(("diffusion_generate", False), 10.0)
    queued = [_event("q", sampler="ddim")]
    # nothing measured yet: COLD
    assert lane.estimates([], queued, limit=1) == [10.0 * COLD + MARGIN_S] and lane.correction() == COLD
    ratios = [2.0, 1.5, 3.0, 1.0, 2.5]
    for i, r in enumerate(ratios):
        lane.remember(f"r{i}", 10.0)
        lane.remember(f"r{i}", 99.0)  # only the first estimate counts
        clock.now += (10.0 + SLACK) * r - SLACK  # a miss is (real + SLACK) / (told + SLACK): r
        lane.check(f"r{i}", ok=True)
        if i + 1 < MIN_CHECKED:
            assert lane.correction() == COLD  # too few to say
    # the 90th percentile of [1, 1.5, 2, 2.5, 3] → 3.0: the next request is told 30 s, not 10
    assert lane.correction() == 3.0 and lane.estimates([], queued, limit=1) == [30.0 + MARGIN_S]
    assert lane.plain([], queued, limit=1) == [10.0]
    # a failed or stopped request says nothing about the estimate; an unknown one is ignored
    lane.remember("x", 10.0)
    clock.now += 1000
    lane.check("x", ok=False)
    lane.check("never-told", ok=True)
    assert lane.correction() == 3.0
    # estimates that overstated never lower them below the plain figure, and one stall does not make them absurd
    for i in range(12):
        lane.remember(f"s{i}", 10.0)
        clock.now += 1.0
        lane.check(f"s{i}", ok=True)
    assert lane.correction() == 1.0
    for i in range(12):
        lane.remember(f"t{i}", 1.0)
        clock.now += 100.0
        lane.check(f"t{i}", ok=True)
    assert lane.correction() == MAX_CORRECTION
    # seconds are not misses: twelve requests told 0.5 s that took 3 s (cache hits' moments) raise nothing to 6×
    for i in range(12):
        lane.remember(f"h{i}", 0.5)
        clock.now += 3.0
        lane.check(f"h{i}", ok=True)
    assert lane.correction() == (3.0 + SLACK) / (0.5 + SLACK)


def test_requests_still_waiting_past_their_estimate_raise_the_next_estimates_before_they_end():
    """When the load jumps (thirty live runs starting) the requests that ended tell it too late: the ones still waiting
    past what they were told are misses already, and count as such."""
    clock = Clock()
    lane = LaneClock(["diffusion"], clock=clock)
    lane.record(("diffusion_generate", False), 10.0)
    queued = [_event("q", sampler="ddim")]
    lane.remember("old", 1.0)  # a closed page told long ago: not a miss
    clock.now += 1000.0
    for i in range(3):
        lane.remember(f"w{i}", 10.0)
    lane.remember("fresh", 100.0)  # still within its estimate: says nothing yet
    clock.now += 36.0  # (36 + SLACK) / (10 + SLACK) = 3
    assert sorted(lane.overdue()) == [3.0, 3.0, 3.0]
    assert lane.correction() == 3.0 and lane.estimates([], queued, limit=1) == [30.0 + MARGIN_S]
    for i in range(3):  # they end: their misses are kept as ended ones
        lane.check(f"w{i}", ok=True)
    assert lane.overdue() == [] and lane.correction() == 3.0


def test_a_request_behind_an_identical_one_is_counted_as_a_cache_hit():
    """Half a class asks with the default seed: a request queued behind an identical one is answered from the cache
    when its turn comes (class benchmark: such requests were told up to 10 × their wait, as if each computed). Not so
    where the cache would not answer it: an endpoint without the cache, another language, a file among the inputs, a
    session's state among them."""
    from gendemo.app.queue_eta import HIT_S, same_as

    def event(id_, data, cached=True, lang="en", inputs=()):
        handler = SimpleNamespace(cache=object()) if cached else SimpleNamespace()
        fn = SimpleNamespace(name="diffusion_generate", concurrency_id="diffusion", fn=handler, inputs=inputs)
        request = SimpleNamespace(headers={"accept-language": "zh-CN,zh" if lang == "zh" else "en-US"})
        return SimpleNamespace(
            _id=id_, fn=fn, concurrency_id="diffusion", data=SimpleNamespace(data=data), progress=None, request=request
        )

    seven, three = ["a red seven", "ddim", 25, 3.0, 0], ["a blue three", "ddim", 25, 3.0, 0]
    assert same_as(event("a", seven)) == same_as(event("b", list(seven)))
    assert same_as(event("a", seven)) != same_as(event("b", seven, lang="zh"))
    assert same_as(event("a", seven, cached=False)) is None
    assert same_as(event("a", [{"path": "/tmp/x.png"}, 0.5])) is None
    assert same_as(event("a", seven, inputs=[type("State", (), {})()])) is None

    clock = Clock()
    lane = LaneClock(["diffusion"], clock=clock)
    lane.record(("diffusion_generate", False), 4.0)
    running = event("r", seven)
    lane.started["r"] = (clock.now - 1, ("diffusion_generate", False))
    queued = [event("1", seven), event("2", three), event("3", three), event("4", seven, cached=False)]
    # running: 3 s left; "1" is its twin; "2" computes; "3" is the twin of "2"; "4" computes (no cache)
    assert lane.plain([running], queued, limit=1) == [3 + HIT_S, 7 + HIT_S, 7 + 2 * HIT_S, 11 + 2 * HIT_S]
