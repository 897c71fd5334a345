"""Who computes first on a small server: the request a learner is waiting for (issue 30).

On a two-core server the live trainer (thirty runs in turn) and the heavy diffusion demonstrations (DDPM's 1,000 steps,
guidance and schedules side by side) run for tens of seconds, and while they ran every quick request beside them took
two to three times longer: the class benchmark's light actions missed their 2 s and the prompts their 8 s. So work has
a level: 0 quick requests (a GAN sample, the classifier), 1 long ones (a diffusion prompt, mode collapse), 2
background work (the live trainer, the heavy demonstrations). Two ways to give way:

- nice values (Linux): work of level 1 and 2 computes in threads made nicer (NICE, `lower_this_thread`), so the kernel
  gives the cores to quick requests first and the rest every gap they leave;
- pauses: work of level k calls `Pacer.tick()` between its steps; when a request of a lower level is running and the
  work has run RUN_S since it last gave way, it waits until that request is done, at most YIELD_S. It still gets at
  least RUN_S / (RUN_S + YIELD_S) of the time however busy the server is: slowed, never starved (a request that never
  says it ended costs the same bound). Background work pauses as well as being nicer; long requests pause only where
  nice values do not work (gendemo/app/endpoint.py).

    with FOREGROUND.request(level):  # a learner's request, around its computation
        ...
    pacer = Pacer(level=2)           # one per job of a level above 0
    for step in steps:
        pacer.tick()                 # may wait while requests of a lower level run
        ...
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time

RUN_S = 0.1  # background work between two chances to give way (about one slice of the live trainer)
YIELD_S = 0.3  # the longest one wait: background keeps ≥ 25 % of the time while the foreground is busy throughout
LEVELS = 2  # foreground levels; background work is level LEVELS: it gives way to every foreground request
BACKGROUND_NICE = 10  # how much nicer than the server a background thread is made (CFS: a ~1 % share against nice 0)


class Foreground:
    """How many foreground requests are computing now, by level: 0 quick (a GAN sample, the classifier), 1 long (a
    diffusion prompt, mode collapse), which itself gives way to the quick ones between its steps."""

    def __init__(self):
        self._fresh()
        # a forked process (ZeroGPU runs each GPU call in one) computes none of its parent's requests, and a lock held
        # by one of the parent's threads at the fork would stay held in the child forever
        os.register_at_fork(after_in_child=self._fresh)

    def _fresh(self) -> None:
        self._cond = threading.Condition()
        self._running = [0] * LEVELS

    @contextlib.contextmanager
    def request(self, level: int = 0):
        if not 0 <= level < LEVELS:
            raise ValueError(f"unknown foreground level {level!r}")
        with self._cond:
            self._running[level] += 1
        try:
            yield
        finally:
            with self._cond:
                self._running[level] -= 1
                self._cond.notify_all()

    @property
    def running(self) -> int:
        return self.above(LEVELS)

    def above(self, level: int) -> int:
        """Requests running that work of this level gives way to (those of a lower level number)."""
        return sum(self._running[:level])

    def wait_idle(self, timeout: float, level: int = LEVELS) -> float:
        """Wait until no request above `level` runs (default: none at all), at most `timeout` seconds; returns the
        seconds waited."""
        t0 = time.monotonic()
        with self._cond:
            end = t0 + timeout
            while self.above(level) > 0:
                left = end - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
        return time.monotonic() - t0


FOREGROUND = Foreground()  # the server's: the app's handlers count themselves in it, its background work paces on it


class Pacer:
    """A background job's turns: tick() between steps gives way to the foreground after each RUN_S of work."""

    def __init__(
        self, foreground: Foreground = FOREGROUND, run_s: float = RUN_S, yield_s: float = YIELD_S, level: int = LEVELS
    ):
        self.foreground, self.run_s, self.yield_s, self.level = foreground, run_s, yield_s, level
        self.since = time.monotonic()  # when the job last gave way (or started)
        self.paused = 0.0  # seconds it has waited for the foreground in all

    def tick(self) -> float:
        """Give way if it is time to and someone is in the foreground; returns the seconds waited now."""
        now = time.monotonic()
        if now - self.since < self.run_s:
            return 0.0
        waited = self.foreground.wait_idle(self.yield_s, self.level) if self.foreground.above(self.level) else 0.0
        self.paused += waited
        self.since = time.monotonic()
        return waited


def lower_this_thread(nice: int = BACKGROUND_NICE) -> bool:
    """Make the calling thread (and the compute threads it starts from now on: OpenMP's team inherits it) `nice` steps
    nicer for the kernel's scheduler. Pacing leaves the cores idle while background work waits for a request that does
    not fill them (Python, PNG, a one-thread op); a nice thread instead runs in every gap and gets almost nothing while
    a learner's request wants the core. Linux only (there a thread has its own nice value; elsewhere the call would
    renice the whole server). Returns whether it took."""
    if not sys.platform.startswith("linux") or nice <= 0:
        return False
    tid = threading.get_native_id()
    try:
        os.setpriority(os.PRIO_PROCESS, tid, min(19, os.getpriority(os.PRIO_PROCESS, tid) + nice))
    except OSError:
        return False
    return True


# The nice value of the threads that compute each level's requests (level 0 computes in Gradio's own threads, nice 0).
# With niceness the kernel, not a pause, puts a learner's quick request first: a long request runs in every gap the
# quick ones leave (Python, PNG, a one-thread op), where a pause left the core idle (the class benchmark's server used
# 1.1 of its 2 cores while prompts waited 20 s).
NICE = {1: 5, 2: BACKGROUND_NICE}


class NiceThreads:
    """Threads of their own, at a nice value, that compute one lane's requests: `run(fn, ...)` calls fn in one of them
    (with the caller's context: Gradio's request, event and progress) and returns what it returns, or raises what it
    raises. The calling thread waits without computing. One per lane, as many threads as the lane's places."""

    def __init__(self, nice: int, threads: int = 1, name: str = "gendemo-nice"):
        from concurrent.futures import ThreadPoolExecutor

        self.pool = ThreadPoolExecutor(
            max_workers=max(1, int(threads)), thread_name_prefix=name, initializer=lower_this_thread, initargs=(nice,)
        )

    def run(self, fn, /, *args, **kwargs):
        import contextvars

        return self.pool.submit(contextvars.copy_context().run, fn, *args, **kwargs).result()


def nice_threads_work() -> bool:
    """Whether a thread's nice value is its own here (Linux), and requests are computed in this process (not on
    ZeroGPU, which forks a process for each GPU call)."""
    from gendemo.core.device import on_zero_gpu

    return sys.platform.startswith("linux") and not on_zero_gpu() and os.environ.get("GENDEMO_NICE_LANES", "1") != "0"


def give_way(foreground: Foreground = FOREGROUND, yield_s: float = YIELD_S) -> float:
    """Before a piece of background work that is not a loop (a live run's charts, ≈ 0.5 s of matplotlib): wait while a
    foreground request runs, at most yield_s. Returns the seconds waited."""
    return foreground.wait_idle(yield_s) if foreground.running else 0.0


class PacedProgress:
    """A request's progress bar (gr.Progress) that also gives way each time it is moved: a background demonstration
    reports every step, so its steps are where it yields."""

    def __init__(self, progress, pacer: Pacer | None = None):
        self._progress, self.pacer = progress, pacer or Pacer()

    def __call__(self, *args, **kwargs):
        self.pacer.tick()
        return self._progress(*args, **kwargs)

    @property
    def paused(self) -> float:
        return self.pacer.paused

    def __getattr__(self, name):
        return getattr(self._progress, name)
