"""One trainer for every live GAN run in the server (issue 30: thirty learners on a two-core machine).

A run per thread would make thirty threads fight over two cores, and a queue of one run at a time made the thirtieth
learner wait an hour. Instead one worker thread steps every active run in turn, a short slice each (SLICE_SECONDS of
training, sized from the run's own measured step time), using all of torch's threads: with N runs active each gets
about 1/N of the machine, and a new run is trained within one round of turns. Pictures ("frames") are judged and made
less often as more runs share the server, so that judging and drawing never eat the training time.

    sched = Scheduler()
    seat = sched.start(session, key, make_run, budget=60)   # a new run, or a seat at an identical one (key)
    frames = sched.frames_for(seat)     # what the worker made since the last call (a joiner: the recent ones first)
    report = sched.pause(seat)          # Stop / the budget spent: the run's state at that point, kept for Continue
    sched.resume(seat, budget=60)       # Continue
    detail = sched.step_in_detail(seat) # One step, on the learner's own run, between two slices

A `Seat` is a learner's place at a run, kept in the learner's session (gr.State): the only handle to that run. Two
learners asking for the same knobs and seed share one `Job` (the run is a function of its recipe, seed and step count,
gendemo/gan/live.py); the moment one of them would change it (Continue, One step) while the other still watches, the
changer gets a copy of its own (LiveRun.fork), so nobody can stop or change another learner's run.

Where CUDA is present the worker trains all the runs of one shape in a single batched computation
(gendemo/gan/batched.py) instead of one after the other.

Live training is background work: before each turn the worker gives way while a learner's other request computes
(gendemo/core/priority.py; at most 0.3 s a wait, so the runs are slowed, never stopped). A run stopped PARK_SECONDS
with nobody watching moves its tensors to a file until Continue, One step or a fork uses it (gendemo/core/parking.py).
"""

from __future__ import annotations

import itertools
import logging
import shutil
import threading
import time
import weakref
from collections import deque
from dataclasses import dataclass

from gendemo.core import parking
from gendemo.core.priority import Pacer, lower_this_thread

log = logging.getLogger("gendemo")

SLICE_SECONDS = 0.1  # training per turn: with N runs each gets a turn every N × 0.1 s (a new run within one round)
REPORT_SECONDS = 4.0  # a frame about this often while few runs share the server …
FRAMES_PER_SECOND = 2.0  # … and no more frames than this per second for all runs together …
FRAME_SHARE = 0.1  # … nor more of the worker's time than this (a frame judges 200 digits: about a step's time or more)
REPLAY = 8  # frames a learner who joins an identical run is shown from before it joined (≈ 0.2 MB each)
ABANDON_SECONDS = 10.0  # a seat whose stream has not looked for frames this long has gone (a closed tab): not trained
MAX_STEPS = 2000  # steps in one slice at most (a tiny run measured as free)
PARK_SECONDS = 5.0  # a run stopped this long with nobody watching puts its tensors in a file until it is used again


class Superseded(Exception):
    """A newer Start of the same session came while this one was being built: that one is the session's run."""


class Busy(Exception):
    """The server trains as many runs as it may (the cap); the learner is told to try again shortly."""

    def __init__(self, cap: int):
        super().__init__(f"{cap} live runs are training already")
        self.cap = cap


@dataclass
class Frame:
    index: int  # the run's frames are numbered from 0 (the starting point)
    report: object  # gendemo.gan.live.Report: the same object for every learner who watches this run
    runs: int  # runs sharing the server when it was made
    rate: float  # images per second of wall time this run trained since the frame before (the learner's speed)


class Job:
    """One computation: a run, the frames it made, the seats that watch it."""

    _ids = itertools.count()

    def __init__(self, run, key, made: int = 0):
        self.id = next(Job._ids)
        self.run, self.key = run, key  # key: (recipe, seed) while the run is that recipe's from step 0, else None
        self.lock = threading.Lock()  # held while the worker trains it, or while a learner reports, forks or steps it
        self.frames: deque[Frame] = deque(maxlen=REPLAY)
        self.made = made  # frames made so far (the next one's index)
        self.seats: set[Seat] = set()
        self.per_step: float | None = None  # seconds per step, as measured in this job's slices
        self.turn_seconds = 0.0  # wall time the worker gave this job (training + judging), for the fairness figures
        self.last_frame = 0.0
        self.mark = (0.0, 0)  # (time, images seen) at the last frame: its successor's speed
        self.error: str | None = None
        self.turned = -1  # when the worker last trained it (a count of turns): the longest waiting goes next

    def watching(self, but=None) -> list[Seat]:
        return [s for s in self.seats if s.active and s is not but]


class Seat:
    """A learner's place at a run (kept in the learner's session)."""

    def __init__(self, session: str, job: Job, deadline: float, cursor: int, now: float):
        self.session, self.job = session, job
        self.deadline = deadline
        self.cursor = cursor  # index of the next frame this seat is shown
        self.active = True  # its stream wants training
        self.generation = 0  # bumped by every press that takes the seat over (the older stream then ends)
        self.last_look = now  # when its stream last looked for frames (abandoned when long ago)

    # what gendemo/bench.py reads off a stream's first output (the run's own counters)
    @property
    def step(self) -> int:
        return self.job.run.step

    @property
    def seconds(self) -> float:
        return self.job.run.seconds


class Scheduler:
    def __init__(
        self,
        cap: int = 32,
        *,
        slice_seconds: float = SLICE_SECONDS,
        report_seconds: float = REPORT_SECONDS,
        frames_per_second: float = FRAMES_PER_SECOND,
        frame_share: float = FRAME_SHARE,
        abandon_seconds: float = ABANDON_SECONDS,
        park_seconds: float = PARK_SECONDS,
        thread: bool = True,
        batched: bool | None = None,
        clock=time.monotonic,
        timer=time.perf_counter,
        pacer: Pacer | None = None,
    ):
        """cap: runs trained at once (more Starts get Busy). thread: False leaves the turns to the caller (turn(); the
        tests' deterministic mode). batched: train runs of one shape as one computation (None: runs on CUDA). pacer:
        how the worker gives way to learners' other requests between its turns (default: the server's foreground)."""
        self.cap = max(1, int(cap))
        self.slice_seconds, self.report_seconds = slice_seconds, report_seconds
        self.frames_per_second, self.abandon_seconds = frames_per_second, abandon_seconds
        self.frame_share = frame_share
        self.clock, self.timer = clock, timer  # timer: what a slice's length is measured with
        self.cond = threading.Condition()  # guards jobs, sessions and every seat's fields
        self.jobs: list[Job] = []  # the active jobs, in turn order
        self.sessions: dict[str, Seat] = {}  # each session's active seat (one run per session)
        self._presses: dict[str, int] = {}  # Starts of a session being built now (the newest one wins)
        # New runs are built one at a time. Building (two networks, seeded, then 200 fakes judged) is Python and holds
        # the GIL: sixteen Starts at once took as long as one after another (≈ 1 s), but held sixteen builds'
        # temporaries together. Measured: the server's RSS rose 553 MB at the peak and kept 351 MB (their weights, 197
        # MB, and the heap's fragments); one at a time, 203 and 197 MB. A class's live runs start within seconds.
        self._building = threading.RLock()
        self.report_cost: float | None = None  # seconds a frame's report takes (a running estimate)
        self._turns = itertools.count()
        self._batched = batched
        self._thread: threading.Thread | None = None
        self._use_thread = thread
        self.pacer = pacer or Pacer()
        # stopped runs (kept in their sessions for Continue): job id → (the job, weakly; since when it rests; whether
        # park_resting parked it)
        self.park_seconds = park_seconds
        self._resting: dict[int, tuple[weakref.ref, float, bool]] = {}
        self._park_dir: str | None = None
        self._parks_checked = 0.0
        self.closed = False

    # ---------------------------------------------------------------- what the learners' handlers call

    def active_runs(self) -> int:
        with self.cond:
            return len(self.jobs)

    def start(self, session: str, key, make_run, budget: float) -> Seat:
        """Start: a seat at the active run with this key (a twin of an identical request: its recent frames are
        replayed first), or at a new run made by make_run() with its starting point as frame 0. The session's earlier
        seat, if still active, is let go: one run per session however often Start is pressed (a press overtaken by a
        newer one of its session while its run was being built raises Superseded)."""
        with self.cond:
            self._let_go_of(session)
            ticket = self._presses[session] = self._presses.get(session, 0) + 1
            joined = self._joinable(key)
            if joined is None and len(self.jobs) >= self.cap:
                self._presses.pop(session, None)
                raise Busy(self.cap)
        run = first = None
        if joined is None:
            try:
                with self._building:  # outside the scheduler's lock: two networks built (≈ 50 ms), then judged once
                    run = make_run()
                    first = run.report()
            except BaseException:
                with self.cond:
                    if self._presses.get(session) == ticket:
                        del self._presses[session]
                raise
        now = self.clock()  # the budget counts from here: building the run is not the learner's training time
        with self.cond:
            if self._presses.get(session) != ticket:  # pressed again meanwhile: the newest press is the session's run
                raise Superseded(session)
            del self._presses[session]
            # an identical Start may have won the race: join it (ours is dropped); the run we were to join may have
            # ended meanwhile: it trains again, for this seat
            job = self._joinable(key) or joined
            if job is None:
                if len(self.jobs) >= self.cap:
                    raise Busy(self.cap)
                job = Job(run, key)
                self._add_frame(job, first, now, runs=len(self.jobs) + 1)
                self._activate(job)
            elif job not in self.jobs:
                self._activate(job)
            self._let_go_of(session)
            seat = Seat(session, job, now + budget, job.made - len(job.frames), now)
            job.seats.add(seat)
            self.sessions[session] = seat
            self.cond.notify_all()
        self._ensure_thread()
        return seat

    def resume(self, seat: Seat, budget: float) -> int:
        """Continue: the seat's run trains on for `budget` seconds (a run still shared with someone is copied first).
        Returns the seat's generation, which its new stream watches."""
        self._own(seat)
        now = self.clock()
        with self.cond:
            self._let_go_of(seat.session, keep=seat)
            job = seat.job
            if job not in self.jobs:
                if len(self.jobs) >= self.cap:
                    raise Busy(self.cap)
                self._activate(job)
            seat.generation += 1
            seat.active, seat.deadline, seat.last_look = True, now + budget, now
            seat.cursor = job.made  # only new frames: the stream shows the state it starts from itself
            job.seats.add(seat)
            self.sessions[seat.session] = seat
            self.cond.notify_all()
        self._ensure_thread()
        return seat.generation

    def frames_for(self, seat: Seat) -> list[Frame]:
        """The frames this seat has not been shown yet (oldest first); also says its stream is still there."""
        with self.cond:
            seat.last_look = self.clock()
            job = seat.job
            new = [f for f in job.frames if f.index >= seat.cursor]
            if new:
                seat.cursor = new[-1].index + 1
            return new

    def pause(self, seat: Seat):
        """Stop, or the budget spent: the seat stops watching; its run stops training unless others still watch it,
        in which case the seat is given a copy at this point. Returns the report of the seat's run now and its speed
        since the last frame (images/s of wall time)."""
        with self.cond:
            self._deactivate(seat)
        self._own(seat)
        job = seat.job
        with job.lock:
            rep = job.run.report()
        now = self.clock()
        t, seen = job.mark
        return rep, (rep.images_seen - seen) / (now - t) if now > t and rep.images_seen > seen else 0.0

    def leave(self, seat: Seat, generation: int | None = None) -> None:
        """The stream of this seat has ended (a closed tab, a cancelled request): stop training for it. A newer
        stream of the same seat (another press) keeps it."""
        with self.cond:
            if generation is None or generation == seat.generation:
                self._deactivate(seat)

    def step_in_detail(self, seat: Seat, show: int = 8):
        """One step of the chapter's loop on the seat's own run, between two of the worker's slices."""
        self._own(seat)
        job = seat.job
        with job.lock:
            detail = job.run.step_in_detail(show=show)
            job.key = None  # one step is not a training step of the recipe (its D updates once): no longer joinable
        return detail

    def adopt(self, session: str, run) -> Seat:
        """A seat at a new run that is not training (One step before any Start)."""
        job = Job(run, None)
        now = self.clock()
        seat = Seat(session, job, now, 0, now)
        seat.active = False
        job.seats.add(seat)
        with self.cond:
            self._resting[job.id] = (weakref.ref(job), now, False)
        return seat

    def close(self) -> None:
        with self.cond:
            self.closed = True
            self.cond.notify_all()
        if self._thread is not None:
            self._thread.join(5)

    # ---------------------------------------------------------------- the worker

    def turn(self) -> Job | None:
        """One slice of training for the next run in turn (and a frame if it is due). Returns the job trained, or
        None when no run wants training."""
        with self.cond:
            jobs = self._due_jobs()
        if not jobs:
            return None
        if len(jobs) > 1 and self._batched_for(jobs[0]):
            from gendemo.gan.batched import group_turn

            return group_turn(self, jobs)
        for job in jobs:
            if job.lock.acquire(blocking=False):  # a learner holds it (a report, One step): the next one
                try:
                    self._slice(job)
                finally:
                    job.lock.release()
                return job
        return None

    def _due_jobs(self) -> list[Job]:
        """The active jobs from the one whose turn it is, after dropping seats that are gone or out of time."""
        now = self.clock()
        for job in list(self.jobs):
            for s in job.watching():
                if now - s.last_look > self.abandon_seconds or now >= s.deadline + self.abandon_seconds:
                    self._deactivate(s)  # no stream has asked for it: a closed tab (or a stream stuck elsewhere)
        live = [j for j in self.jobs if any(s.deadline > now for s in j.watching()) and j.error is None]
        # the longest waiting first (a new run before all): round robin, also when a turn trains several runs at once
        return sorted(live, key=lambda j: j.turned)

    def _slice(self, job: Job) -> None:
        job.turned = next(self._turns)
        run = job.run
        t0 = self.timer()
        try:
            steps = 1 if job.per_step is None else min(MAX_STEPS, max(1, round(self.slice_seconds / job.per_step)))
            run.train(steps)
            dt = self.timer() - t0
            # a running estimate: the first slice of one step includes warm-up, later ones correct it
            job.per_step = dt / steps if job.per_step is None else 0.7 * job.per_step + 0.3 * dt / steps
            now = self.clock()
            if self.frame_due(job, now):
                rep = self.timed_report(run)
                with self.cond:
                    self._add_frame(job, rep, now, runs=len(self.jobs))
        except Exception as e:  # one run's failure ends that run, never the worker
            log.exception("live run %s failed", job.id)
            job.error = str(e) or type(e).__name__
        job.turn_seconds += self.timer() - t0

    def frame_due(self, job: Job, now: float) -> bool:
        """A new run's first trained frame comes REPORT_SECONDS after its start whatever the load (the learner sees it
        learn within seconds); later ones every frame_seconds()."""
        wait = self.report_seconds if job.made <= 1 else self.frame_seconds()
        return now - job.last_frame >= wait

    def timed_report(self, run):
        """run.report(), its cost kept (a running estimate) so that frames never take more than FRAME_SHARE."""
        t0 = self.timer()
        rep = run.report()
        dt = self.timer() - t0
        self.report_cost = dt if self.report_cost is None else 0.8 * self.report_cost + 0.2 * dt
        return rep

    def frame_seconds(self) -> float:
        """Time between two frames of one run: REPORT_SECONDS, longer once many runs share the server (at most
        FRAMES_PER_SECOND frames in all, judging at most FRAME_SHARE of the worker's time)."""
        n = len(self.jobs)
        return max(self.report_seconds, n / self.frames_per_second, n * (self.report_cost or 0.0) / self.frame_share)

    def _loop(self) -> None:
        lower_this_thread()  # background: the trainer takes the cores' spare time, a learner's request comes first
        while True:
            with self.cond:
                if self.closed:
                    return
            self.pacer.tick()  # live training is background: a learner's click computes first (issue 30)
            if self.clock() - self._parks_checked >= 1.0:
                self._parks_checked = self.clock()
                self.park_resting()
            job = self.turn()
            if job is None:
                with self.cond:
                    if not self.closed:
                        self.cond.wait(0.05 if self.jobs else 1.0)

    def park_resting(self) -> int:
        """Park the runs stopped for park_seconds with nobody watching (gendemo/core/parking.py): a session keeps its
        stopped run for Continue and One step, 36 MB each for as long as the session lives. A parked run that a learner
        uses again (One step, a report) is back in memory: it rests anew, and is parked again park_seconds later.
        Returns how many were parked now."""
        now = self.clock()
        with self.cond:
            resting = [(jid, *entry) for jid, entry in self._resting.items()]
        parked = 0
        for jid, ref, since, was_parked in resting:
            job = ref()
            if job is None or not hasattr(job.run, "park"):
                with self.cond:
                    self._resting.pop(jid, None)
                continue
            if job.run.parked:
                continue
            if was_parked or not job.lock.acquire(blocking=False):  # used since it was parked, or in use right now
                with self.cond:
                    if jid in self._resting:
                        self._resting[jid] = (ref, now, False)
                continue
            try:
                with self.cond:
                    due = jid in self._resting and job not in self.jobs and now - since >= self.park_seconds
                if due:
                    job.run.park(self._parking_folder())
                    parked += 1
                    with self.cond:
                        if jid in self._resting:
                            self._resting[jid] = (ref, since, True)
            finally:
                job.lock.release()
        return parked

    def _parking_folder(self) -> str:
        if self._park_dir is None:
            self._park_dir = parking.make_folder()
            weakref.finalize(self, shutil.rmtree, self._park_dir, ignore_errors=True)
        return self._park_dir

    def _ensure_thread(self) -> None:
        if not self._use_thread:
            return
        with self.cond:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._loop, name="gendemo-live-trainer", daemon=True)
                self._thread.start()

    def _batched_for(self, job: Job) -> bool:
        """Batch the turn that starts with this job? Where its run trains on CUDA (unless told otherwise): a CPU does
        the same arithmetic either way, and on ZeroGPU the live runs are on the Space's CPU."""
        if self._batched is not None:
            return self._batched
        device = getattr(job.run, "device", None)
        return getattr(device, "type", "cpu") == "cuda"

    # ---------------------------------------------------------------- bookkeeping (under self.cond)

    def _joinable(self, key) -> Job | None:
        if key is None:
            return None
        return next((j for j in self.jobs if j.key == key and j.error is None), None)

    def _let_go_of(self, session: str, keep: Seat | None = None) -> None:
        old = self.sessions.get(session)
        if old is not None and old is not keep:
            old.generation += 1  # its stream ends at its next look
            self._deactivate(old)

    def _activate(self, job: Job) -> None:
        self.jobs.append(job)
        self._resting.pop(job.id, None)

    def _forget(self, job: Job) -> None:
        if job in self.jobs:
            self.jobs.remove(job)

    def _deactivate(self, seat: Seat) -> None:
        seat.active = False
        job = seat.job
        if not job.watching() and job in self.jobs:
            self.jobs.remove(job)
            job.frames.clear()  # nobody can join a run that is not training: its replay would only hold memory
            self._resting[job.id] = (weakref.ref(job), self.clock(), False)  # parked if it is not used again soon
        if self.sessions.get(seat.session) is seat:
            del self.sessions[seat.session]

    def _add_frame(self, job: Job, report, now: float, runs: int) -> None:
        t, seen = job.mark
        rate = (report.images_seen - seen) / (now - t) if job.made and now > t else 0.0
        job.frames.append(Frame(job.made, report, max(1, runs), rate))
        job.made += 1
        job.last_frame, job.mark = now, (now, report.images_seen)

    def _own(self, seat: Seat) -> None:
        """Make the seat's run its own: a run that another seat still watches is copied (at a slice boundary)."""
        with self.cond:
            job = seat.job
            if not job.watching(but=seat):
                return
            self._deactivate(seat)
            job.seats.discard(seat)
        with job.lock:
            twin = Job(job.run.fork(), job.key, made=job.made)
            twin.frames.extend(job.frames)
            twin.per_step, twin.mark, twin.last_frame = job.per_step, job.mark, job.last_frame
        with self.cond:
            twin.seats.add(seat)
            seat.job = twin
            self._resting[twin.id] = (weakref.ref(twin), self.clock(), False)  # until Continue trains it
