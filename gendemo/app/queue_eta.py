"""Queue estimates that do not understate, for a lane whose requests differ in length by tens of times.

In the diffusion lane a 25-step DDIM run takes a second or two and a 1,000-step DDPM run a minute. Gradio estimates a
queued request's wait from the mean duration of its event — one mean for every run of /diffusion_generate, whatever
its sampler, so after a few quick DDIM runs three queued DDPM runs were told seconds (the third page said 14.4 s and
waited 110 s, issue 33); before any run has finished it tells nothing; and it sends an estimate only when a request
joins the queue or one starts, so the page counts down from a figure made before the running request showed its
pace. For the lanes given to `install`, this module replaces that:

- each request that finishes (successfully, and to the end: a run stopped half-way is not its kind's length) is timed
  under its kind: the handler's name, and whether it runs DDPM;
- a kind's time is its lane time: the run, plus the seconds the lane took to start it after the request before it
  ended, when it was waiting then (the queue's hand-over, which grows with the load);
- a queued request is told: what the running requests still need (from their own progress bar when they report one,
  else their kind's typical time less what they have run), plus the typical time of each request ahead of it in the
  lane, plus its own, spread over the lane's places;
- a request queued behind an identical one (same endpoint, language and inputs; no file or session state among them)
  is counted as the moment a cache hit takes (HIT_S): the answer cache serves it the answer made ahead of it;
- a kind never measured yet is given the length a running request of that kind is heading for (its time so far over
  its share of the progress bar); without that either, the request is told no time at all (the page then shows its
  place in the queue and no time) rather than a guess;
- the estimates are sent again every TICK seconds while a request of the lane runs, and as soon as one ends;
- a request that starts is told its kind's typical time (the page shows "elapsed / typical").

The typical time of a kind is the median of its last RECENT lane times, or the last one when that is longer; while a
running request goes slower than its kind's typical time (the cores are shared with other lanes and the live trainer),
the requests behind it are expected to go as much slower. What is left after both rules is measured against itself: each
request remembers the first estimate it was told, and when it ends, its real wait over that estimate is kept (the last
CHECKED); the estimates are then raised by a high quantile of those ratios (never lowered), so a server whose load grows
faster than its typical times follow stops understating within a few requests; until three have ended they are doubled.
Every estimate told has MARGIN_S added: the answer's way to the page, which no lane time contains.
A request the answer cache served when it ran (it queued behind an identical one, whose answer was kept meanwhile) is
not a run of its kind: it took a moment. Measured in the class benchmark before that rule, such moments made 26 of 39
estimates understate, half by more than 2.4×."""

from __future__ import annotations

import asyncio
import itertools
import json
import statistics
import time
from collections import defaultdict, deque

from gendemo.app import answer_cache
from gendemo.app.i18n import lang_of

RECENT = 5  # runs of a kind the typical time is the median of
MIN_PROGRESS = 0.05  # below this share of its progress bar a running request's own pace says little yet
TICK = 5.0  # seconds between the estimates sent while a request of the lane runs
CHECKED = 12  # finished requests whose real wait over their first estimate sets the correction
MIN_CHECKED = 3  # the correction is measured from this many; before that it is COLD
# Before three requests have ended, nothing says how much slower than its typical time the lane goes now: a class's
# first prompts (told from lane times of a quieter moment) took 1.2–2.0× what they were told in a class benchmark run.
COLD = 2.0
QUANTILE = 0.9  # the correction covers this share of the recent misses (at 0.8, 16–21 of 47–81 still understated)
OVERDUE_LOOK = 32  # the most recently told requests looked at for misses under way
OVERDUE_FORGET = 300.0  # a request told this long ago and never ended was a closed page, not a miss
MAX_CORRECTION = 4.0  # one outlier (a request held up by a stall) does not make every estimate absurd
# A miss is measured as (real + SLACK) / (told + SLACK): a request told 0.5 s that took 3 s (a cache hit's moment, a
# request that reached the front as it was told) is a 3-second error nobody notices, not a 6× miss. Measured as a plain
# ratio, such requests held the correction at its cap: in the class benchmark the middle of the lesson was told four
# times its wait (a prompt told 107 s waited 19 s).
SLACK = 3.0
HIT_S = 0.5  # what a request takes in the lane when an identical one ahead of it made its answer (a cache hit)
# Added to every estimate told: what the lane's times leave out, the answer's way to the page and the lane's turn to the
# next request under load. In the class benchmark the estimates that still understated were short by 1–2.6 s, of
# requests told 1–5.5 s (8 of 65 in one run).
MARGIN_S = 2.0


def _has_ddpm(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "ddpm"
    if isinstance(value, (list, tuple)):
        return any(_has_ddpm(v) for v in value)
    return False


def kind_of(event) -> tuple[str, bool]:
    """(handler name, runs DDPM): requests of one kind take about as long as each other."""
    fn = event.fn
    name = getattr(fn, "name", None) or getattr(getattr(fn, "fn", None), "__name__", "?")
    data = getattr(getattr(event, "data", None), "data", None) or []
    return name, _has_ddpm(list(data))


def same_as(event) -> tuple | None:
    """What makes two requests one computation for the answer cache (gendemo/app/answer_cache.py): the endpoint, the
    page's language and the inputs as sent. None where a request behind an identical one would still compute: an
    endpoint the cache does not serve, a session's state among its inputs (the same data may stand for two sessions'
    states), a picture or file among them (kept per session, or not the same bytes)."""
    fn = event.fn
    if getattr(getattr(fn, "fn", None), "cache", None) is None:
        return None
    if any(type(c).__name__ == "State" for c in getattr(fn, "inputs", None) or ()):
        return None
    data = getattr(getattr(event, "data", None), "data", None)
    if data is None:
        return None
    try:
        text = json.dumps(data, sort_keys=True)
    except (TypeError, ValueError):
        return None
    if "{" in text:  # a dict among the inputs: a file or a drawing
        return None
    return kind_of(event)[0], lang_of(getattr(event, "request", None)), text


def progress_of(event) -> float | None:
    """The share of its progress bar a request has reported (gr.Progress), or None."""
    units = getattr(getattr(event, "progress", None), "progress_data", None) or []
    if not units:
        return None
    u = units[0]
    if u.progress is not None:
        return float(u.progress)
    if u.index is not None and u.length:
        return u.index / u.length
    return None


class _Told:
    """Stands in for Gradio's ProcessTime of a lane's event: the time a starting request is told (its kind's typical
    time, or None); the durations Gradio adds to it (all kinds in one mean) are ignored."""

    def __init__(self, seconds: float | None):
        self.avg_time = seconds

    def add(self, seconds: float) -> None:
        pass


class LaneClock:
    def __init__(self, lanes, clock=time.time):
        self.lanes = set(lanes)
        self.clock = clock
        self.durations: dict[tuple, deque] = defaultdict(lambda: deque(maxlen=RECENT))
        self.started: dict[str, tuple[float, tuple]] = {}  # event id → (start, kind) of a running request
        self.told: dict[str, tuple[float, float]] = {}  # event id → (when, seconds): its first estimate, uncorrected
        self.misses: deque = deque(maxlen=CHECKED)  # real wait / first estimate of the last requests that ended
        self.last_end: dict[str, float] = {}  # lane → when its last request ended

    def overdue(self) -> list[float]:
        """Real-so-far over told of the requests still waiting that have already outlived their first estimate: misses
        known before they end (when the load grows at once, e.g. thirty live runs starting, the ended requests tell it
        only after the next ones were told too little)."""
        now, out = self.clock(), []
        for when, seconds in itertools.islice(reversed(self.told.values()), OVERDUE_LOOK):
            ratio = (now - when + SLACK) / (seconds + SLACK)
            if ratio > 1.0 and now - when < OVERDUE_FORGET:
                out.append(ratio)
        return out

    def correction(self) -> float:
        """The factor the estimates are raised by: the QUANTILE of the recent real-over-told ratios, those of the
        requests that ended and those of the ones still waiting past their estimate, 1 to MAX_CORRECTION (COLD until
        MIN_CHECKED ratios are known)."""
        ratios = [*self.misses, *self.overdue()]
        if len(ratios) < MIN_CHECKED:
            return COLD
        ranked = sorted(ratios)
        q = ranked[min(len(ranked) - 1, int(QUANTILE * len(ranked)))]
        return min(max(q, 1.0), MAX_CORRECTION)

    def remember(self, event_id: str, seconds: float | None) -> None:
        """The first (uncorrected) estimate a queued request was told."""
        if seconds is not None and event_id not in self.told:
            self.told[event_id] = (self.clock(), float(seconds))
            if len(self.told) > 10_000:  # requests that never ran (closed pages): the oldest are forgotten
                self.told.pop(next(iter(self.told)))

    def check(self, event_id: str, ok: bool) -> None:
        """A request ended: its real wait against its first estimate (kept only when it ran to the end)."""
        told = self.told.pop(event_id, None)
        if ok and told is not None:
            when, seconds = told
            self.misses.append((self.clock() - when + SLACK) / (seconds + SLACK))

    def typical(self, kind) -> float | None:
        """The median of the kind's last RECENT lane times, or the last one when that is longer: a load that grows
        shows in the next estimate, while one quick run does not lower them."""
        runs = self.durations.get(kind)
        return max(statistics.median(runs), runs[-1]) if runs else None

    def handed_over(self, lane: str, joined: float | None, begin: float) -> float:
        """The seconds the lane took to start a request that was waiting when the one before it ended: the queue's own
        hand-over (answering the last request, picking the next under load), which a run's duration leaves out. The
        class benchmark's queued requests waited about 1.5 × the sum of the durations ahead of them without it."""
        end = self.last_end.get(lane)
        if end is None or joined is None or joined > end:
            return 0.0  # the lane was idle when it came: nothing was handed over
        return max(begin - end, 0.0)

    def record(self, kind, seconds: float) -> None:
        self.durations[kind].append(float(seconds))

    def _pace(self, event, now: float) -> float | None:
        """The whole length a running request is heading for, from its progress bar once that has moved; else None."""
        start, _ = self.started.get(event._id, (None, None))
        p = progress_of(event)
        if start is None or p is None or not MIN_PROGRESS <= p < 1:
            return None
        return max(now - start, 0.0) / p

    def remaining(self, event, now: float) -> float | None:
        """Seconds a running request still needs: from its own pace once its progress bar has moved, else its kind's
        typical time less what it has run (at least nothing); None when neither is known."""
        start, kind = self.started.get(event._id, (None, None))
        if start is None:
            return None
        ran = max(now - start, 0.0)
        whole = self._pace(event, now)
        if whole is not None:
            return max(whole - ran, 0.0)
        typical = self.typical(kind)
        return None if typical is None else max(typical - ran, 0.0)

    def estimates(self, running: list, queued: list, limit: int | None) -> list[float | None]:
        """Seconds until each queued request (in queue order) is done, raised by the correction, plus MARGIN_S."""
        return [self.to_tell(e) for e in self.plain(running, queued, limit)]

    def to_tell(self, plain: float | None, k: float | None = None) -> float | None:
        """What a request is told for a plain estimate: raised by the correction (`k`, else the current one), plus
        MARGIN_S; None stays None (no guess)."""
        if plain is None:
            return None
        return plain * (self.correction() if k is None else k) + MARGIN_S

    def plain(self, running: list, queued: list, limit: int | None) -> list[float | None]:
        """The estimates before the correction: the lane's `limit` places, each free when its running request is, are
        given to the queued requests in turn."""
        now = self.clock()
        places = [self.remaining(e, now) for e in running]
        places += [0.0] * max(0, (limit or 1) - len(places))
        heading = {}  # kind → the length a running request of that kind is heading for (a kind not yet measured)
        slower = 1.0  # how much slower than its kind's typical time a running request is going now (never below 1)
        for e in running:
            whole = self._pace(e, now)
            if whole is not None:
                kind = self.started[e._id][1]
                heading.setdefault(kind, whole)
                typical = self.typical(kind)
                if typical:
                    slower = max(slower, whole / typical)
        # a request behind an identical one is answered from the cache when its turn comes (half a class asks with the
        # default seed: in the class benchmark such requests were told 10 times their wait, as if each computed)
        ahead = {same_as(e) for e in running}
        out = []
        for event in queued:
            kind, same = kind_of(event), same_as(event)
            typical = self.typical(kind)
            typical = heading.get(kind) if typical is None else typical
            hit = same is not None and same in ahead
            ahead.add(same)
            if (typical is None and not hit) or any(p is None for p in places):
                places = [None]  # everything behind an unknown is unknown too
                out.append(None)
                continue
            places.sort()
            # the cores are shared with the other lanes: when the running request goes slower than usual, so will the
            # ones behind it (the class benchmark: typical times from a quieter minute told a third of the wait)
            end = places.pop(0) + (HIT_S if hit else typical * slower)
            places.append(end)
            out.append(end)
        return out


_QUEUE = None  # the app's Gradio queue, once installed


def queued(lane: str) -> list:
    """The requests waiting in `lane` now, first first (none before the queue is installed)."""
    group = getattr(_QUEUE, "event_queue_per_concurrency_id", {}).get(lane)
    return list(group.queue) if group is not None else []


def install(queue, lanes) -> LaneClock:
    """Gives the Gradio queue `queue` (demo._queue, after demo.queue()) honest estimates for the concurrency ids
    `lanes`; other lanes keep Gradio's."""
    from gradio.server_messages import EstimationMessage

    global _QUEUE
    _QUEUE = queue
    clock = LaneClock(lanes)
    broadcast, process = queue.broadcast_estimations, queue.process_events

    def broadcast_estimations(concurrency_id, after=None):
        if concurrency_id not in clock.lanes:
            return broadcast(concurrency_id, after)
        lane = queue.event_queue_per_concurrency_id[concurrency_id]
        queued = list(lane.queue)
        running = [e for job in queue.active_jobs if job for e in job if e.concurrency_id == concurrency_id]
        plain = clock.plain(running, queued, lane.concurrency_limit)
        k = clock.correction()
        for rank, (event, eta) in enumerate(zip(queued, plain)):
            clock.remember(event._id, eta)  # the first estimate, uncorrected: what the correction is measured on
            eta = clock.to_tell(eta, k)
            if after is None or rank >= after:
                queue.send_message(event, EstimationMessage(rank=rank, rank_eta=eta, queue_size=len(queued)))
        return None

    async def process_events(events, batch, begin_time, fn):
        if fn.concurrency_id not in clock.lanes:
            return await process(events, batch, begin_time, fn)
        kind = kind_of(events[0])
        joined = (queue.event_analytics.get(events[0]._id) or {}).get("time")
        handover = clock.handed_over(fn.concurrency_id, joined, begin_time)
        for e in events:
            clock.started[e._id] = (begin_time, kind)
        queue.process_time_per_fn[fn] = _Told(clock.typical(kind))  # what the page is told as the run starts

        async def tick():
            while True:
                await asyncio.sleep(TICK)
                broadcast_estimations(fn.concurrency_id)

        ticking = asyncio.ensure_future(tick())
        try:
            return await process(events, batch, begin_time, fn)
        finally:
            ticking.cancel()
            for e in events:
                clock.started.pop(e._id, None)
            status = (queue.event_analytics.get(events[0]._id) or {}).get("status")
            p = progress_of(events[0])
            # a request queued behind an identical one finds the answer kept meanwhile: its moment is not its kind's
            served = [answer_cache.served(e._id) for e in events]  # each asked once: it forgets as it answers
            hit = any(served)
            whole = status == "success" and (p is None or p >= 0.99)  # not failed, not stopped half-way
            end = clock.clock()
            clock.last_end[fn.concurrency_id] = end
            if whole and not hit:  # its lane time: its run and the hand-over before it
                clock.record(kind, end - begin_time + handover)
            for e in events:
                clock.check(e._id, whole)
            broadcast_estimations(fn.concurrency_id)  # the requests behind it hear at once what it took

    queue.broadcast_estimations = broadcast_estimations
    queue.process_events = process_events
    queue.gendemo_clock = clock
    return clock
