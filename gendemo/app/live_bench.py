"""python -m gendemo.app.live_bench — the live scheduler's fair shares and first frames, in one process (issue 30).

    python -m gendemo.app.live_bench --runs 1,4,10,30 --seconds 30

For each N, N runs of the chapter's recipe (batch 128, seeds 0…N-1) train together under one Scheduler, as N learners'
runs would in the server: each run's images per second of wall time over the window, against a run alone measured in
the same process (before and after, so a machine that got busier shows). Then, with the largest N active, a new run's
first frame (its starting point) and its first trained frame. The stream's drawing (PIL, matplotlib) and Gradio are
not included: the app-level figures are the class benchmark's (python -m gendemo.bench --only class).
"""

from __future__ import annotations

import argparse
import json
import time

from gendemo.gan.live import KL_EVERY, POINT_EVERY, LiveRun
from gendemo.gan.recipes import RECIPES
from gendemo.gan.scheduler import Scheduler


def _maker():
    from gendemo.app.registry import REGISTRY
    from gendemo.app.ui.gan_common import fast_classifier
    from gendemo.classifier.fast import judge

    images, classifier = REGISTRY.get("mnist_train"), fast_classifier(None, REGISTRY)
    fast_judge = lambda x: judge(classifier, x)
    every = {"point_every": POINT_EVERY, "kl_every": KL_EVERY}  # as the app's runs
    return lambda seed: LiveRun(images, fast_judge, RECIPES["chapter"], seed=seed, **every)


def _look(sched: Scheduler, seats) -> None:
    for s in seats:
        sched.frames_for(s)  # what a stream does every 0.2 s: keeps its run from being taken for abandoned


def share(make, n: int, seconds: float, warm: float = 3.0) -> dict:
    """n runs at once: each run's images/s of wall time over `seconds` (after `warm` seconds of turns)."""
    sched = Scheduler(cap=max(n + 1, 2))
    try:
        seats = []
        for i in range(n):  # the streams already started keep looking while the next learners' runs are built
            seats.append(sched.start(f"learner{i}", ("bench", i), lambda i=i: make(i), budget=3600))
            _look(sched, seats)
        t_end = time.monotonic() + warm
        while time.monotonic() < t_end:
            _look(sched, seats)
            time.sleep(0.2)
        jobs = [s.job for s in seats]
        before = [(j.run.images_seen, j.run.seconds, j.turn_seconds, j.made) for j in jobs]
        t0 = time.monotonic()
        while time.monotonic() < t0 + seconds:
            _look(sched, seats)
            time.sleep(0.2)
        wall = time.monotonic() - t0
        after = [(j.run.images_seen, j.run.seconds, j.turn_seconds, j.made) for j in jobs]
        rates = [(a[0] - b[0]) / wall for a, b in zip(after, before)]
        # where the worker's time went: training (curve points' judging included), frames (judging and sampling)
        training = sum(a[1] - b[1] for a, b in zip(after, before)) / wall
        turns = sum(a[2] - b[2] for a, b in zip(after, before)) / wall
        frames = sum(a[3] - b[3] for a, b in zip(after, before))
        return {
            "runs": n,
            "per_run": rates,
            "frames": frames,
            "training_share": training,
            "frames_share": turns - training,
            "wall": wall,
            "sched": sched,
            "seats": seats,
        }
    except BaseException:
        sched.close()
        raise


def first_frames(make, out: dict) -> dict:
    """With out's runs active: a new learner's Start, to its starting point, then to its first trained frame."""
    sched, seats = out["sched"], out["seats"]
    t0 = time.monotonic()
    seat = sched.start("late", ("bench", "late"), lambda: make(10_000), budget=3600)
    first = list(sched.frames_for(seat))
    t_first = time.monotonic() - t0
    trained = None
    while time.monotonic() - t0 < 120:
        _look(sched, seats)
        if trained is None and seat.job.run.step > 0:
            trained = time.monotonic() - t0
        if any(f.report.step > 0 for f in sched.frames_for(seat)):
            break
        time.sleep(0.05)
    t_frame = time.monotonic() - t0
    return {
        "active": len(seats),
        "first_frame_s": t_first if first else None,
        "first_step_s": trained,
        "first_trained_frame_s": t_frame,
        "frame_every_s": sched.frame_seconds(),
    }


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--runs", default="1,4,10,30", help="numbers of runs at once, comma-separated")
    p.add_argument("--seconds", type=float, default=20.0, help="measured window per N (and for the run alone)")
    a = p.parse_args(argv)
    ns = [int(x) for x in a.runs.split(",") if x.strip()]
    make = _maker()
    rows, ttff = [], None
    for n in ns:
        # a run alone just before: on a machine whose load changes, the ratio compares neighbours
        o = share(make, 1, a.seconds)
        o["sched"].close()
        ref = o["per_run"][0]
        o = share(make, n, a.seconds if n < 20 else 2 * a.seconds)
        r = o["per_run"]
        row = {
            "runs": n,
            "alone": ref,
            "per_run_mean": sum(r) / n,
            "per_run_min": min(r),
            "per_run_max": max(r),
            "min_share_of_solo_over_n": min(r) * n / ref,  # the goal: 1 within 20 %, i.e. ≥ 0.8
            "total": sum(r),
            "frames_per_run_per_min": o["frames"] / n / (o["wall"] / 60),
            "worker_training_share": o["training_share"],
            "worker_frames_share": o["frames_share"],
        }
        rows.append(row)
        print(
            f"[live] {n} runs: alone {ref:,.0f} images/s just before; per run {row['per_run_mean']:,.0f} images/s "
            f"(min {row['per_run_min']:,.0f}, max {row['per_run_max']:,.0f}); min × N / alone = "
            f"{row['min_share_of_solo_over_n']:.2f}; all together {row['total']:,.0f} images/s; the worker trained "
            f"{100 * row['worker_training_share']:.0f} % of the time, made frames "
            f"{100 * row['worker_frames_share']:.0f} %",
            flush=True,
        )
        if n == max(ns):
            ttff = first_frames(make, o)
            print(
                f"[live] with {ttff['active']} runs active, a new Start: starting point after "
                f"{ttff['first_frame_s']:.2f} s, first step trained after {ttff['first_step_s']:.2f} s, first trained "
                f"frame after {ttff['first_trained_frame_s']:.1f} s (then a frame every {ttff['frame_every_s']:.1f} s)",
                flush=True,
            )
        o["sched"].close()
    print(json.dumps({"rows": rows, "first_frames": ttff}))


if __name__ == "__main__":
    main()
