"""A class at once (issue 30): simulated learners, each in a gradio_client session of its own, walk one lesson through
every tab of an app this module launches in a process of its own (so the memory measured is the server's alone).

The lesson, with a few seconds of thinking between clicks: a GAN sample, the timeline at an epoch, mode collapse, the
discriminator on a picture, the conditional GAN, a latent walk and a typed noise vector, noising, one of the heavy
diffusion demonstrations (every few learners: the DDPM solver comparison, guidance side by side, the schedule twins),
a diffusion prompt of 8 images at 25 steps, noise prediction, one reverse step, the prompt experiment, the classifier,
and last a live GAN run asking for 20 s. As a class following its teacher does, half the learners keep the defaults
and half pick a seed of their own, so some requests repeat and some do not.

It reports per action p50/p95/max and failures, the wait for the first live frame, the live runs that had no frame or
had not finished when the lesson ended, the server's peak RSS, how busy the rest of the machine was, and for every
request of a long lane (diffusion, surveys) that waited the queue estimate the page was told against the real time it
took (issue 33: an estimate must not understate). A click sends what the page sends with its controls untouched.

    python -m gendemo.bench --only class --learners 30      # the issue's class
    python -m gendemo.bench --only class --short            # ≈ 6 learners, under a minute (CI's variant)
"""

from __future__ import annotations

import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from dataclasses import dataclass, field

from gendemo.app.endpoint import Example
from gendemo.app.endpoints import ENDPOINTS, TOLD_LANES
from gendemo.core.paths import ROOT
from gendemo.core.procstat import cpu_seconds, machine_busy_seconds, peak_rss_mb, rss_mb, wait_until_idle
from gendemo.core.timing import pct

PROMPTS = ("a red seven", "a blue three", "a green one", "a thick yellow eight")
HEAVY = ("solver_comparison", "diffusion_guidance", "schedule_twins")  # the demonstrations issue 30 names
# requests whose queue estimate is compared with their real wait: those of the lanes whose waits the app estimates
TOLD = frozenset(name for name, ep in ENDPOINTS.items() if ep.lane in TOLD_LANES)
POLL_S = 0.1  # how often a waiting request's status is read
# A browser shows an answer once its last message and the pictures in it have come, loading those pictures a few at a
# time (HTTP/1.1: six connections to one server). gradio_client would instead download every file of every streamed
# frame, one after another, before it reads the next message: that made a prompt take 1.4-1.8 s alone instead of
# 0.8-0.9 s, and 13 s in a class (run AG in docs/BENCHMARKS.md), most of it the learner's own downloads.
BROWSER_FETCHES = 6
CLIENT_NICE = 10  # the learners' clients' nice value over the benchmark's (the server keeps its own)


@dataclass
class Step:
    label: str  # the action as the report names it
    api: str  # endpoint name, without the slash
    values: dict = field(default_factory=dict)  # parameters other than the page's defaults


@dataclass
class Plan:
    learners: int = 30
    live_budget: int = 20  # seconds of training each live run asks for
    think: tuple[float, float] = (2.0, 6.0)  # seconds between two clicks of one learner (uniform)
    ramp_s: float = 30.0  # the learners start spread over this many seconds
    lesson_s: float = 600.0  # the lesson ends this long after the first learner started: what runs then is cut off
    short: bool = False  # CI's variant: fewer, cheaper steps, no heavy demonstrations


def short_plan(learners: int = 6) -> Plan:
    """CI's class: a few learners, a cheaper lesson (no heavy demonstration, 4 digits at 10 steps) and live runs of 5 s,
    quick clicks: under a minute after the app has warmed up."""
    return Plan(learners=learners, live_budget=5, think=(0.3, 1.0), ramp_s=3.0, lesson_s=120.0, short=True)


def lesson(k: int, plan: Plan) -> list[Step]:
    """Learner k's clicks, in order."""
    seed = 0 if k % 2 == 0 else k  # half keep the default seed, half pick their own
    steps = [
        Step("GAN sample", "gan_sample", {"n": 64, "seed": seed}),
        Step("GAN timeline", "gan_timeline", {"epoch": (1, 10, 60, 200)[k % 4]}),
    ]
    if not plan.short:
        steps.append(Step("mode collapse", "mode_collapse", {"seed": seed}))
    steps += [
        Step("discriminate", "discriminate", {}),
        Step("cGAN", "cgan_sample", {"seed": seed}),
        Step("latent walk", "latent_walk", {"seed": 410 if k % 2 == 0 else 400 + k}),
        Step("latent vector", "latent_vector", {}),
        Step("noising", "noising", {"image": None, "seed": seed}),
    ]
    if not plan.short and k % 10 in (0, 3, 6):  # three heavy demonstrations in every ten learners
        heavy = {0: "solver_comparison", 3: "diffusion_guidance", 6: "schedule_twins"}[k % 10]
        values = {"solvers": ["ddpm", "ddim", "dpmpp2m"], "n": 2, "seed": seed} if heavy == "solver_comparison" else {}
        steps.append(Step(heavy.replace("_", " "), heavy, values))
    prompt = PROMPTS[k % len(PROMPTS)]
    if plan.short:
        steps.append(Step("diffusion prompt", "diffusion_generate", {"prompt": prompt, "n": 4, "steps": 10}))
    else:
        steps.append(
            Step("diffusion prompt 8×25", "diffusion_generate", {"prompt": prompt, "n": 8, "steps": 25, "seed": seed})
        )
    steps += [
        Step("noise prediction", "noise_prediction", {"t": (250, 500, 750)[k % 3], "seed": seed}),
        Step("reverse step", "reverse_step", {"seed": seed}),
    ]
    if not plan.short:
        steps.append(Step("prompt experiment", "prompt_experiment", {"seed": seed}))
    steps += [
        Step("classify", "classify", {}),
        Step("live run", "gan_live", {"budget": plan.live_budget, "seed": seed}),
    ]
    return steps


def _arguments(step: Step) -> dict:
    """Every API parameter by name, as the page sends it when a learner clicks without touching a control (the declared
    default: the diffusion prompt's guidance-distilled network, say, not the API example's full one), a picture as the
    canonical call's example file (the digit the learner draws), and the step's own values over both."""
    ep = ENDPOINTS[step.api]
    canonical = dict(zip([p.name for p in ep.api_params], ep.canonical_call()))
    values = {}
    for p in ep.api_params:
        page = p.start()
        if isinstance(ep.call.get(p.name), Example):
            values[p.name] = canonical[p.name]
        else:
            values[p.name] = list(page) if isinstance(page, tuple) else page
    values.update(step.values)
    return values


@dataclass
class Record:
    learner: int
    label: str
    api: str
    start: float  # seconds since the lesson began
    seconds: float | None = None  # submit → final answer (None: failed or cut off)
    first_output: float | None = None  # submit → first streamed answer
    error: str = ""
    cut_off: bool = False  # still queued or running when the lesson ended
    eta_told: float | None = None  # the first queue estimate the request was told (seconds until its answer)
    eta_at: float | None = None  # when it was told, seconds after submit
    started: float | None = None  # submit → the client heard the server begin it (its wait in the queue)


class Server:
    """app.py in a process group of its own, on a free port, warmed up (models and opening results) before use."""

    def __init__(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/"
        self.log = tempfile.TemporaryFile()  # noqa: SIM115 — the server's output (read if it fails), closed by stop
        env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
        self.proc = subprocess.Popen(
            [sys.executable, "app.py", "--port", str(self.port), "--device", "cpu"],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        t0 = time.perf_counter()
        while True:
            try:
                urllib.request.urlopen(self.url, timeout=2).read()
                break
            except Exception:
                if self.proc.poll() is not None:
                    raise RuntimeError("app.py exited:\n" + self.tail()) from None
                if time.perf_counter() - t0 > 180:
                    self.stop()
                    raise RuntimeError("app.py did not serve within 180 s") from None
                time.sleep(0.2)
        self.start_s = time.perf_counter() - t0
        self.warm_s = wait_until_idle(self.proc.pid, limit_s=300)

    def tail(self, n: int = 3000) -> str:
        self.log.seek(0)
        return self.log.read().decode(errors="replace")[-n:]

    def stop(self):
        self.log.close()
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(15)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(15)


class Monitor(threading.Thread):
    """Samples the server's RSS twice a second; at the end says how much CPU the server, this process (the learners'
    clients) and everything else on the machine used."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.done = pid, threading.Event()
        self.t0 = time.perf_counter()
        self.cpu0 = (machine_busy_seconds(), cpu_seconds(pid), cpu_seconds(os.getpid()))
        self.load0 = os.getloadavg()[0]

    def run(self):
        self.lags = []  # how late each half-second wake-up came: the learners' clients' delay (one process, one GIL)
        self.trace = []  # (seconds since the lesson began, RSS MB): where in the lesson memory peaks
        while True:
            t = time.perf_counter()
            if self.done.wait(0.5):
                return
            self.lags.append(time.perf_counter() - t - 0.5)
            try:
                self.trace.append((time.perf_counter() - self.t0, rss_mb(self.pid)))
            except OSError:
                return

    def finish(self) -> dict:
        self.done.set()
        wall = time.perf_counter() - self.t0
        busy, server, clients = (
            a - b for a, b in zip((machine_busy_seconds(), cpu_seconds(self.pid), cpu_seconds(os.getpid())), self.cpu0)
        )
        return {
            "wall_s": wall,
            "peak_rss_mb": max(max((mb for _, mb in self.trace), default=0.0), peak_rss_mb(self.pid)),
            "server_cores": server / wall,
            "client_cores": clients / wall,
            "other_cores": max(0.0, busy - server - clients) / wall,
            "load_before": self.load0,
            "client_lag_p95": pct(self.lags, 95) if self.lags else 0.0,
            "client_lag_max": max(self.lags, default=0.0),
            # the RSS every 10 s (the most sampled in each), and when the sampled peak came
            "rss_every_10s": [
                round(max((mb for t, mb in self.trace if k <= t / 10 < k + 1), default=0.0))
                for k in range(int(wall // 10) + 1)
            ],
            "rss_peak_at_s": max(self.trace, key=lambda s: s[1])[0] if self.trace else None,
        }


def _urls(value) -> list[str]:
    """The files an answer names (Gradio's file data, a dict with a url), wherever they are inside it."""
    if isinstance(value, dict):
        if isinstance(value.get("url"), str) and "path" in value:
            return [value["url"]]
        return [u for v in value.values() for u in _urls(v)]
    if isinstance(value, (list, tuple)):
        return [u for v in value for u in _urls(v)]
    return []


def _fetch(url: str) -> int:
    with urllib.request.urlopen(url, timeout=120) as r:
        return len(r.read())


def _call(client, step: Step, k: int, t_lesson: float, end_at: float, watch_eta: bool, fetch=None) -> Record:
    from gradio_client.utils import Status

    rec = Record(k, step.label, step.api, time.perf_counter() - t_lesson)
    args = _arguments(step)  # before the clock: a page has its values at hand
    t0 = time.perf_counter()
    job = client.submit(api_name=f"/{step.api}", **args)
    while not job.done():
        now = time.perf_counter()
        if rec.first_output is None and job.outputs():
            rec.first_output = now - t0
        st = job.status()
        if watch_eta and rec.eta_told is None and st.code == Status.IN_QUEUE and st.eta is not None:
            rec.eta_told, rec.eta_at = float(st.eta), now - t0
        if rec.started is None and st.code in (Status.PROCESSING, Status.ITERATING, Status.PROGRESS, Status.FINISHED):
            rec.started = now - t0
        if now > end_at:
            rec.cut_off = True
            job.cancel()
            return rec
        time.sleep(POLL_S)
    if rec.started is None:  # done before it was seen running: it waited at most this long
        rec.started = time.perf_counter() - t0
    try:
        answer = job.result()
        if fetch is not None:  # the answer's pictures, as the page loads them
            list(fetch.map(_fetch, _urls(answer)))
    except Exception as e:  # noqa: BLE001 — a failure is a result of the benchmark
        rec.error = f"{type(e).__name__}: {e}"[:300]
        return rec
    rec.seconds = time.perf_counter() - t0
    if rec.first_output is None and job.outputs():
        rec.first_output = rec.seconds
    return rec


def _learner(k: int, plan: Plan, url: str, t_lesson: float, out: list, lock: threading.Lock):
    from concurrent.futures import ThreadPoolExecutor

    from gradio_client import Client

    from gendemo.core.priority import lower_this_thread

    # A class's browsers run on the learners' own machines; these clients share the server's cores (about half a core
    # for thirty). Made nicer (this thread and the client's threads it starts), they take the cores' spare time rather
    # than the server's.
    lower_this_thread(CLIENT_NICE)
    rng = random.Random(k)
    time.sleep(plan.ramp_s * k / max(1, plan.learners))
    end_at = t_lesson + plan.lesson_s
    try:
        client = Client(url, verbose=False, download_files=False)  # the page loads what it shows (BROWSER_FETCHES)
        fetch = ThreadPoolExecutor(BROWSER_FETCHES, thread_name_prefix=f"learner{k}-fetch")
    except Exception as e:  # noqa: BLE001
        with lock:
            out.append(Record(k, "open the page", "", time.perf_counter() - t_lesson, error=repr(e)[:300]))
        return
    for i, step in enumerate(lesson(k, plan)):
        if i:
            time.sleep(rng.uniform(*plan.think))
        if time.perf_counter() > end_at:
            rec = Record(k, step.label, step.api, time.perf_counter() - t_lesson, cut_off=True)
        else:
            try:
                rec = _call(client, step, k, t_lesson, end_at, step.api in TOLD, fetch)
            except Exception as e:  # noqa: BLE001
                rec = Record(k, step.label, step.api, time.perf_counter() - t_lesson, error=repr(e)[:300])
        with lock:
            out.append(rec)
    fetch.shutdown()
    try:
        client.close()
    except Exception:  # noqa: BLE001
        pass


def run_class(plan: Plan, log=print) -> dict:
    """Launches the app, runs the lesson for every learner at once, stops the app; returns the figures."""
    server = Server()
    log(f"[class] app served after {server.start_s:.1f} s, warmed up after {server.warm_s:.1f} s more")
    records: list[Record] = []
    lock = threading.Lock()
    try:
        for k in range(plan.learners):  # a lazy default's first read imports its tab (with it gradio: 3-4 s) here,
            for step in lesson(k, plan):  # not in a learner's clock while the others wait for the GIL
                _arguments(step)
        monitor = Monitor(server.proc.pid)
        monitor.start()
        t_lesson = time.perf_counter()
        threads = [
            threading.Thread(target=_learner, args=(k, plan, server.url, t_lesson, records, lock))
            for k in range(plan.learners)
        ]
        for th in threads:
            th.start()
        for th in threads:
            th.join(plan.lesson_s + plan.ramp_s + 120)
        machine = monitor.finish()
        if server.proc.poll() is not None:
            records.append(Record(-1, "server", "", 0.0, error="the server died:\n" + server.tail()))
    finally:
        server.stop()
    return summarise(records, plan, machine, server)


def summarise(records: list[Record], plan: Plan, machine: dict, server: Server) -> dict:
    actions: dict[str, dict] = {}
    for label in dict.fromkeys(r.label for r in records):
        rs = [r for r in records if r.label == label]
        ok = [r.seconds for r in rs if r.seconds is not None]
        queued = [r.started for r in rs if r.seconds is not None and r.started is not None]
        actions[label] = {
            "n": len(rs),
            "ok": len(ok),
            "failed": sum(bool(r.error) for r in rs),
            "cut_off": sum(r.cut_off for r in rs),
            **({"p50": pct(ok, 50), "p95": pct(ok, 95), "max": max(ok)} if ok else {}),
            **({"queued_p50": pct(queued, 50), "queued_p95": pct(queued, 95)} if queued else {}),
        }
    live = [r for r in records if r.api == "gan_live"]
    firsts = [r.first_output for r in live if r.first_output is not None]
    first = {"first_p50": pct(firsts, 50), "first_p95": pct(firsts, 95), "first_max": max(firsts)} if firsts else {}
    told = [r for r in records if r.eta_told is not None and r.seconds is not None]
    # what the request still took after it was told, against what it was told
    ratios = [(r.seconds - r.eta_at) / max(r.eta_told, 0.1) for r in told]
    failures = [f"learner {r.learner}, {r.label}: {r.error}" for r in records if r.error]
    return {
        "learners": plan.learners,
        "short": plan.short,
        "live_budget_s": plan.live_budget,
        "lesson_s": plan.lesson_s,
        "app_start_s": server.start_s,
        "app_warm_s": server.warm_s,
        "actions": actions,
        "live": {
            "runs": len(live),
            "with_frame": len(firsts),
            "finished": sum(r.seconds is not None for r in live),
            "cut_off": sum(r.cut_off for r in live),
            **first,
        },
        "queue_estimates": {
            "told": len(told),
            "understated": sum(x > 1.2 for x in ratios),  # took more than 1.2 × what it was told
            **({"real_over_told_p50": pct(ratios, 50), "real_over_told_max": max(ratios)} if ratios else {}),
            "pairs": [(r.label, round(r.eta_told, 1), round(r.seconds - r.eta_at, 1)) for r in told],
        },
        "failures": failures,
        "machine": machine,
        "in_flight_at_rss_peak": _in_flight(records, machine.get("rss_peak_at_s")),
    }


def _peak_when(s: dict) -> str:
    """When the sampled RSS peaked, and what the learners were waiting for then."""
    at, busy = s["machine"].get("rss_peak_at_s"), s.get("in_flight_at_rss_peak") or {}
    if at is None:
        return ""
    waiting = ", ".join(f"{n} {label}" for label, n in sorted(busy.items(), key=lambda kv: -kv[1]))
    return f" (sampled peak {at:.0f} s into the lesson; in flight then: {waiting or 'nothing'})"


def _in_flight(records: list[Record], at: float | None) -> dict[str, int]:
    """How many requests of each action were submitted and not yet answered at second `at` of the lesson."""
    if at is None:
        return {}
    out: dict[str, int] = {}
    for r in records:
        if r.start <= at and (r.seconds is None or at <= r.start + r.seconds):
            out[r.label] = out.get(r.label, 0) + 1
    return out


def report_lines(s: dict) -> list[str]:
    """The figures as Markdown (printed, and a section of docs/BENCHMARKS.md)."""
    m = s["machine"]
    lines = [
        f"{s['learners']} learners{' (short lesson)' if s['short'] else ''}, live runs of {s['live_budget_s']} s, "
        f"lesson cut off after {s['lesson_s']:.0f} s; the whole run took {m['wall_s']:.0f} s. The app served after "
        f"{s['app_start_s']:.1f} s and warmed up for {s['app_warm_s']:.1f} s before the first learner came.",
        "",
        "| action | n | p50 | p95 | max | of which queued, p50 / p95 | failed | cut off |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, a in s["actions"].items():
        times = [f"{a[q]:.2f} s" if q in a else "–" for q in ("p50", "p95", "max")]
        queued = f"{a['queued_p50']:.2f} / {a['queued_p95']:.2f} s" if "queued_p50" in a else "–"
        lines.append(f"| {label} | {a['n']} | {' | '.join(times)} | {queued} | {a['failed']} | {a['cut_off']} |")
    lv = s["live"]
    if lv["runs"]:
        first = (
            f"{lv['first_p50']:.2f} s / {lv['first_p95']:.2f} s / {lv['first_max']:.2f} s"
            if "first_p50" in lv
            else "none"
        )
        lines += [
            "",
            f"Live runs: {lv['runs']}; wait for the first frame p50 / p95 / max {first}; {lv['with_frame']} streamed "
            f"a frame, {lv['finished']} finished, {lv['cut_off']} still queued or running when the lesson ended.",
        ]
    q = s["queue_estimates"]
    if q["told"]:
        lines += [
            "",
            f"Queue estimates (long lanes): {q['told']} waiting requests were told an estimate; the real time "
            f"after it over the estimate was p50 ×{q['real_over_told_p50']:.2f}, max ×{q['real_over_told_max']:.2f}; "
            f"{q['understated']} took more than 1.2 × what they were told.",
        ]
    else:
        lines += ["", "Queue estimates (long lanes): no request waited with an estimate shown."]
    lines += [
        "",
        f"Failures: {len(s['failures'])}. Peak server RSS: {m['peak_rss_mb']:.0f} MB{_peak_when(s)}. "
        f"CPU over the run: the server "
        f"{m['server_cores']:.2f} cores, the learners' clients {m['client_cores']:.2f} (at nice {CLIENT_NICE}), "
        f"everything else on the machine {m['other_cores']:.2f} (1-minute load before the start: "
        f"{m['load_before']:.2f}). The clients' process woke up late by p95 {m.get('client_lag_p95', 0):.2f} s, "
        f"at most {m.get('client_lag_max', 0):.2f} s (a waiting learner notices an answer that much late).",
    ]
    lines += [f"- {f}" for f in s["failures"][:10]]
    return lines


# the light endpoints a passing visitor tries (uploads included); each session asks one of them once
VISITS = ("gan_sample", "latent_vector", "cgan_sample", "noising", "discriminate", "latent_walk", "gan_timeline")


def sessions_growth(n: int = 400, warm: int = 20, log=print) -> dict:
    """Issue 30, part 6: the server's RSS before and after `n` sessions that each make one request (a new visitor
    each: gradio_client's reset_session), after `warm` such sessions have paid for every first call. Seeds differ from
    session to session, so the answer cache fills as far as its bounds let it."""
    from gradio_client import Client

    server = Server()
    try:
        pid = server.proc.pid
        idle = rss_mb(pid)
        with tempfile.TemporaryDirectory(prefix="gendemo-sessions-") as folder:
            client = Client(server.url, verbose=False, download_files=folder)

            def visit(i: int):
                client.reset_session()
                step = Step("visit", VISITS[i % len(VISITS)])
                ep = ENDPOINTS[step.api]
                if any(p.name == "seed" for p in ep.api_params):
                    step.values["seed"] = 1000 + i
                if step.api == "gan_timeline":
                    step.values["epoch"] = 1 + i % 200
                if step.api == "noising":
                    step.values["image"] = None
                client.predict(api_name=f"/{step.api}", **_arguments(step))

            for i in range(warm):
                visit(i)
            time.sleep(2)
            before = rss_mb(pid)
            t0 = time.perf_counter()
            for i in range(warm, warm + n):
                visit(i)
            wall = time.perf_counter() - t0
            time.sleep(limits_sweep_s() + 1)
            after = rss_mb(pid)
        out = {
            "sessions": n,
            "idle_mb": idle,
            "before_mb": before,
            "after_mb": after,
            "growth_mb": after - before,
            "wall_s": wall,
            "peak_mb": peak_rss_mb(pid),
        }
        log(
            f"[sessions] RSS idle {idle:.0f} MB, after {warm} warm-up sessions {before:.0f} MB, after {n} more "
            f"{after:.0f} MB: +{after - before:.0f} MB ({wall:.0f} s; peak {out['peak_mb']:.0f} MB)"
        )
        return out
    finally:
        server.stop()


def limits_sweep_s() -> float:
    from gendemo.app.limits import SWEEP_EVERY_S

    return SWEEP_EVERY_S
