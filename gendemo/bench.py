"""python -m gendemo.bench — speed on this machine, each figure beside a naive baseline measured in the same run.

Writes docs/BENCHMARKS.md (and prints the same tables). Sections whose model is missing are reported as skipped.
    --quick      fewer repetitions (a smoke run)
    --only NAME  run one section (data, classifier, gan, cgan, mnist_train (the live engine), diffusion, live, app,
                 class: a class of simulated learners at once, gendemo/app/class_bench.py)
    --learners N the class's size (30); --short: CI's class (6 learners, a short lesson); --sessions N: instead, the
                 server's RSS growth over N sessions of one request each
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

import torch

from gendemo.catalog import entry, names_with, resolve
from gendemo.core.paths import DOCS, ROOT
from gendemo.core.procstat import peak_rss_mb, wait_until_idle
from gendemo.core.timing import pct, timeit

ROWS: list[dict] = []


def row(section, what, value, unit, baseline=None, baseline_what="", better="lower", target=None):
    r = {
        "section": section,
        "what": what,
        "value": value,
        "unit": unit,
        "baseline": baseline,
        "baseline_what": baseline_what,
        "target": target,
    }
    if baseline is not None and value:
        r["ratio"] = (baseline / value) if better == "lower" else (value / baseline)
    ROWS.append(r)
    ratio = f"  ×{r['ratio']:.2f} vs {baseline_what}" if "ratio" in r else ""
    print(f"[{section}] {what}: {value:.4g} {unit}{ratio}", flush=True)


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except Exception:
        pass
    from gendemo.core.device import cpu_has_bf16

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    # kernels held below what the CPU has (ATEN_CPU_CAPABILITY, ONEDNN_MAX_CPU_ISA): a stand-in for an older host
    isa = torch.backends.cpu.get_cpu_capability()
    held = [f"{k}={os.environ[k]}" for k in ("ATEN_CPU_CAPABILITY", "ONEDNN_MAX_CPU_ISA") if os.environ.get(k)]
    return (
        f"{cpu}, {os.cpu_count()} cores{mem}, {gpu}; native CPU bf16: {cpu_has_bf16()}; ATen kernels {isa}"
        f"{' (' + ', '.join(held) + ')' if held else ''}; "
        f"Python {platform.python_version()}, torch {torch.__version__}, {platform.system()} {platform.release()}"
    )


# ---------------------------------------------------------------- sections


def bench_data(quick):
    """The training input path: one on-device tensor sliced by index vs a per-sample DataLoader over torchvision."""
    from torch.utils.data import DataLoader
    from torchvision import transforms
    from torchvision.datasets import MNIST

    from gendemo.core.data import data_root, load_mnist, minibatches

    n_batches = 20 if quick else 100
    d = load_mnist("train")
    g = torch.Generator().manual_seed(0)

    def tensor_loop():
        for i, idx in enumerate(minibatches(len(d), 128, g, "cpu")):
            _ = d.images[idx], d.labels[idx]  # the slicing a training step does
            if i + 1 >= n_batches:
                break

    ds = MNIST(str(data_root()), train=True, download=False, transform=transforms.ToTensor())

    def loader_loop():
        for i, (_x, _y) in enumerate(DataLoader(ds, batch_size=128, shuffle=True, num_workers=0)):
            if i + 1 >= n_batches:
                break

    t_fast = min(timeit(tensor_loop, 3))
    t_slow = min(timeit(loader_loop, 1 if quick else 2))
    row(
        "data",
        "minibatches/s, on-device tensor loop",
        n_batches / t_fast,
        "batch/s",
        n_batches / t_slow,
        "per-sample DataLoader",
        better="higher",
    )


APP_ENDPOINTS: set[str] | None = None  # --endpoints: time only these (the app section), e.g. the latency goals


def bench_app(quick):
    """Cold start of `python app.py` to a served page, endpoint latencies through gradio_client,
    and the app's peak RSS."""
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "app.py", "--port", str(port), "--device", "cpu"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=1).read()
                break
            except Exception:
                if proc.poll() is not None:
                    raise RuntimeError("app.py exited: " + proc.stderr.read()[-2000:]) from None
                if time.perf_counter() - t0 > 120:
                    raise RuntimeError("app.py did not serve within 120 s") from None
                time.sleep(0.05)
        cold = time.perf_counter() - t0
        row("app", "cold start: python app.py → page served", cold, "s", target="≤ 10 s")
        row(
            "app",
            "then the app warms up on its own (models, tabs' opening results) for",
            wait_until_idle(proc.pid),
            "s",
        )
        from gradio_client import Client

        from gendemo.app.endpoints import ENDPOINT_CALLS, TARGETS_MS
        from gendemo.app.rest_client import RestClient

        client, rest = Client(url, verbose=False), RestClient(url)
        names = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
        reps = 5 if quick else 20
        for api, args in ENDPOINT_CALLS.items():
            if api not in names or (APP_ENDPOINTS and api not in APP_ENDPOINTS):
                continue
            n = 2 if api == "/diffusion_generate" and quick else reps
            # as a page calls it: start the event, read its result, fetch its pictures (uploads included)
            ts = timeit(lambda args=args, api=api: rest.call(api, *args()), n)
            row("app", f"{api} p50", pct(ts, 50) * 1000, "ms")
            goal = f"≤ {TARGETS_MS[api]} ms" if api in TARGETS_MS else None
            row("app", f"{api} p95", pct(ts, 95) * 1000, "ms", target=goal)
            if api in TARGETS_MS:  # the same call through gradio_client, for comparison: its own overhead included
                tc = timeit(lambda args=args, api=api: client.predict(*args(), api_name=api), n)
                row("app", f"{api} p95 through gradio_client", pct(tc, 95) * 1000, "ms",
                    baseline=pct(ts, 95) * 1000, baseline_what="plain HTTP")  # fmt: skip
        if "/gan_live" in names and not APP_ENDPOINTS:  # a live training run going on: do the quick tabs stay quick?
            job = client.submit(*LIVE_CALL, 20 if quick else 60, api_name="/gan_live")
            t_submit = time.perf_counter()
            while not job.outputs() and time.perf_counter() - t_submit < 60:
                time.sleep(0.05)
            row("app", "/gan_live first streamed update after Start", time.perf_counter() - t_submit, "s",
                target="≤ 2 s")  # fmt: skip
            ts = timeit(lambda: client.predict(64, 0, api_name="/gan_sample"), reps)
            row("app", "/gan_sample p95 while a live GAN run trains", pct(ts, 95) * 1000, "ms", target="≤ 1000 ms")
            job.cancel()
        rss = peak_rss_mb(proc.pid)
        row("app", "peak RSS of the app after every endpoint ran", rss, "MB", target="≤ 2048 MB")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


# /gan_live's knobs for the chapter's recipe: recipe, lr_g, lr_d, beta1, batch, noise, real label, D steps, seed.
LIVE_CALL = ("chapter", 2e-4, 2e-4, 0.5, 128, 10, 1.0, 1, 0)


def bench_live(quick):
    """The live tab's stream in-process: how soon the first picture comes, and what share of the wall time is not
    training (judging, drawing the pictures and curves)."""
    from gendemo.app.registry import REGISTRY
    from gendemo.app.ui.gan_live_tab import gan_live

    if REGISTRY.status("mnist_train") or REGISTRY.status("classifier"):
        print("[live] skipped: MNIST or the classifier is missing")
        return
    budget = 15 if quick else 40

    async def watch():  # the handler is an async stream (it waits for the scheduler's frames without a thread)
        first, run = None, None
        async for frame in gan_live(*LIVE_CALL, budget):
            if first is None and isinstance(frame[1], str):  # the first picture, not the "getting ready" words
                first = time.perf_counter() - t0
            run = frame[0] if not isinstance(frame[0], dict) else run
        return first, run

    import asyncio

    t0 = time.perf_counter()
    first, run = asyncio.run(watch())
    wall = time.perf_counter() - t0 - first
    row("live", "first streamed update after Start (models warm)", first, "s", target="≤ 2 s")
    row("live", "share of a run's time not spent training (judging + drawing)", 100 * (1 - run.seconds / wall), "%",
        target="≤ 10 %")  # fmt: skip
    row("live", "training images/s inside the stream", run.step * 128 / run.seconds, "img/s")


CLASS = {"learners": 30, "short": False, "out": None}  # the class section's options (--learners, --short)
CLASS_START, CLASS_END = "<!-- class-bench -->", "<!-- /class-bench -->"


def bench_class(quick):
    """Thirty learners at once (issue 30): per-action latencies, the first live frame, failures, peak server RSS."""
    from gendemo.app.class_bench import Plan, report_lines, run_class, short_plan

    short = CLASS["short"] or quick
    learners = CLASS["learners"] if CLASS["learners"] else (6 if short else 30)
    plan = short_plan(learners) if short else Plan(learners=learners)
    if CLASS.get("sessions"):
        from gendemo.app.class_bench import sessions_growth

        g = sessions_growth(CLASS["sessions"])
        print(json.dumps(g))
        return
    s = run_class(plan)
    lines = report_lines(s)
    print("\n".join(lines), flush=True)
    print(json.dumps({k: v for k, v in s.items() if k != "queue_estimates"} | {"queue": s["queue_estimates"]}))
    CLASS["summary"] = s
    command = f"python -m gendemo.bench --only class --learners {learners}" + (" --short" if short else "")
    section = [
        CLASS_START,
        "## A class at once",
        "",
        f"Measured by `{command}` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        f"Machine: {machine()}",
        "",
        *lines,
        CLASS_END,
    ]
    write_class_section(Path(CLASS["out"] or DOCS / "BENCHMARKS.md"), section)


def write_class_section(path: Path, section: list[str]) -> None:
    """Replaces the class section of the file (or adds it at the end), leaving the rest as it was."""
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    block = "\n".join(section)
    if CLASS_START in text and CLASS_END in text:
        head, rest = text.split(CLASS_START, 1)
        text = head + block + rest.split(CLASS_END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def sections() -> dict:
    """data first, then every model with a `bench` column in the catalog, then the app as a whole."""

    def model_section(name):
        return lambda quick: resolve(entry(name).bench)(quick, row)

    return {
        "data": bench_data,
        **{n: model_section(n) for n in names_with("bench")},
        "live": bench_live,
        "app": bench_app,
        "class": bench_class,
    }


def write_markdown(path: Path, quick: bool):
    lines = [
        "# Benchmarks",
        "",
        f"Measured by `python -m gendemo.bench{' --quick' if quick else ''}` on "
        f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        f"Machine: {machine()}",
        "",
        "Each figure sits beside a naive baseline measured in the same run; the ratio says how many times better "
        "the project's way is (higher is better).",
        "",
        "| section | measurement | value | baseline | ratio | target |",
        "|---|---|---|---|---|---|",
    ]
    for r in ROWS:
        base = f"{r['baseline']:.4g} {r['unit']} ({r['baseline_what']})" if r["baseline"] is not None else ""
        ratio = f"×{r['ratio']:.2f}" if "ratio" in r else ""
        lines.append(
            f"| {r['section']} | {r['what']} | {r['value']:.4g} {r['unit']} | {base} | {ratio} | {r['target'] or ''} |"
        )
    old = path.read_text() if path.exists() else ""
    if CLASS_START in old and CLASS_END in old:  # the class section is kept: only --only class rewrites it
        lines += ["", CLASS_START + old.split(CLASS_START, 1)[1].split(CLASS_END, 1)[0] + CLASS_END]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m gendemo.bench")
    p.add_argument("--quick", action="store_true")
    secs = sections()
    p.add_argument("--only", action="append", choices=list(secs))
    p.add_argument("--out", default=str(DOCS / "BENCHMARKS.md"))
    p.add_argument(
        "--endpoints", default=None, help="app section: only these endpoints, e.g. /discriminate,/latent_vector"
    )
    p.add_argument("--learners", type=int, default=0, help="class section: how many learners (30; --short: 6)")
    p.add_argument("--short", action="store_true", help="class section: CI's short lesson (6 learners, under a minute)")
    p.add_argument("--sessions", type=int, default=0, help="class section: RSS growth over N one-request sessions")
    a = p.parse_args(argv)
    CLASS.update(learners=a.learners, short=a.short, out=a.out, sessions=a.sessions)
    global APP_ENDPOINTS
    APP_ENDPOINTS = {e.strip() for e in a.endpoints.split(",") if e.strip()} if a.endpoints else None
    print(machine())
    chosen = a.only or [name for name in secs if name != "class"]  # the class runs only when asked for
    for name in chosen:
        secs[name](a.quick)
    if chosen != ["class"]:  # the class section writes its own part of the file
        write_markdown(Path(a.out), a.quick)
    print(json.dumps({r["what"]: round(r["value"], 4) for r in ROWS}))


if __name__ == "__main__":
    main()
