"""python -m gendemo.bench — speed on this machine, each figure beside a naive baseline measured in the same run.

Writes docs/BENCHMARKS.md (and prints the same tables). Sections whose model is missing are reported as skipped.
    --quick      fewer repetitions (a smoke run)
    --only NAME  run one section (data, classifier, gan, cgan, diffusion, app)
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
ROWS: list[dict] = []


def timeit(fn, repeat: int, warmup: int = 1) -> list[float]:
    for _ in range(warmup):
        fn()
    out = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def pct(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]


def row(section, what, value, unit, baseline=None, baseline_what="", better="lower", target=None):
    r = {"section": section, "what": what, "value": value, "unit": unit, "baseline": baseline, "baseline_what": baseline_what,
         "target": target}
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
    from .device import cpu_has_bf16

    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return (f"{cpu}, {os.cpu_count()} cores{mem}, {gpu}; native CPU bf16: {cpu_has_bf16()}; "
            f"Python {platform.python_version()}, torch {torch.__version__}, {platform.system()} {platform.release()}")


# ---------------------------------------------------------------- sections

def bench_data(quick):
    """The training input path: one on-device tensor sliced by index vs a per-sample DataLoader over torchvision."""
    from torch.utils.data import DataLoader
    from torchvision import transforms
    from torchvision.datasets import MNIST

    from .data import data_root, load_mnist, minibatches

    n_batches = 20 if quick else 100
    d = load_mnist("train")
    g = torch.Generator().manual_seed(0)

    def tensor_loop():
        for i, idx in enumerate(minibatches(len(d), 128, g, "cpu")):
            x, y = d.images[idx], d.labels[idx]
            if i + 1 >= n_batches:
                break

    ds = MNIST(str(data_root()), train=True, download=False, transform=transforms.ToTensor())

    def loader_loop():
        for i, (x, y) in enumerate(DataLoader(ds, batch_size=128, shuffle=True, num_workers=0)):
            if i + 1 >= n_batches:
                break

    t_fast = min(timeit(tensor_loop, 3))
    t_slow = min(timeit(loader_loop, 1 if quick else 2))
    row("data", "minibatches/s, on-device tensor loop", n_batches / t_fast, "batch/s", n_batches / t_slow,
        "per-sample DataLoader", better="higher")


def _train_speed(section, make_step, batch, steps):
    out = {}
    for prec in ("fp32", "bf16"):
        ctx = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if prec == "bf16" else (lambda: torch.autocast("cpu", enabled=False))
        step = make_step(ctx)
        ts = timeit(step, steps, warmup=3)
        out[prec] = batch / statistics.median(ts)
    row(section, "training images/s, CPU bf16 autocast", out["bf16"], "img/s", out["fp32"], "fp32", better="higher")
    return out


def bench_classifier(quick):
    import torch.nn.functional as F

    from .classifier import Classifier

    m = Classifier()
    opt = torch.optim.AdamW(m.parameters(), 1e-3)
    x, y = torch.rand(128, 1, 28, 28), torch.randint(0, 10, (128,))

    def make(ctx):
        def step():
            with ctx():
                loss = F.cross_entropy(m(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()

        return step

    _train_speed("classifier", make, 128, 5 if quick else 20)


def bench_gan(quick):
    from .registry import REGISTRY, ModelUnavailable

    try:
        g = REGISTRY.get("gan")
        judge = REGISTRY.get("classifier")
    except ModelUnavailable as e:
        print(f"[gan] skipped: {e}")
        return
    import torch.nn.functional as F

    from .classifier import predict
    from .gan import Discriminator, Generator, sample_gan

    reps = 20 if quick else 100
    ts = timeit(lambda: sample_gan(g, 64, 0), reps, warmup=3)
    # the naive way: one image per forward pass
    ts1 = timeit(lambda: [sample_gan(g, 1, s) for s in range(64)], 3 if quick else 10)
    row("gan", "64 samples (batched), median", statistics.median(ts) * 1000, "ms", statistics.median(ts1) * 1000,
        "64 single-image calls", target="≤ 20 ms")
    t = timeit(lambda: predict(judge, sample_gan(g, 1000, 0)), 3 if quick else 10)
    row("gan", "1,000 samples generated + classified, median", statistics.median(t) * 1000, "ms", target="< 1000 ms")
    G, D = Generator(), Discriminator()
    og, od = torch.optim.Adam(G.parameters(), 2e-4), torch.optim.Adam(D.parameters(), 2e-4)
    real = torch.rand(128, 1, 28, 28) * 2 - 1

    def make(ctx):
        def step():
            with ctx():
                loss_d = F.softplus(-D(real)).mean() + F.softplus(D(G(torch.randn(128, 10)).detach())).mean()
            od.zero_grad()
            loss_d.backward()
            od.step()
            with ctx():
                loss_g = F.softplus(-D(G(torch.randn(128, 10)))).mean()
            og.zero_grad()
            loss_g.backward()
            og.step()

        return step

    _train_speed("gan", make, 128, 5 if quick else 30)


def bench_cgan(quick):
    from .registry import REGISTRY, ModelUnavailable

    try:
        g = REGISTRY.get("cgan")
    except ModelUnavailable as e:
        print(f"[cgan] skipped: {e}")
        return
    from .gan import sample_cgan

    digits = torch.arange(10).repeat_interleave(10)
    ts = timeit(lambda: sample_cgan(g, digits, 0), 10 if quick else 50, warmup=2)
    row("cgan", "10×10 grid (100 samples), median", statistics.median(ts) * 1000, "ms")


def bench_diffusion(quick):
    try:
        from .diffusion_bench import run as run_diffusion
    except ModuleNotFoundError:
        print("[diffusion] skipped: the diffusion model is not part of this build yet")
        return
    run_diffusion(quick, row, timeit)


def bench_app(quick):
    """Cold start of `python app.py` to a served page, endpoint latencies through gradio_client, and the app's peak RSS."""
    import socket
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "GRADIO_ANALYTICS_ENABLED": "False"}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--device", "cpu"], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    url = f"http://127.0.0.1:{port}/"
    try:
        while True:
            try:
                urllib.request.urlopen(url, timeout=1).read()
                break
            except Exception:
                if proc.poll() is not None:
                    raise RuntimeError("app.py exited: " + proc.stderr.read()[-2000:])
                if time.perf_counter() - t0 > 120:
                    raise RuntimeError("app.py did not serve within 120 s")
                time.sleep(0.05)
        cold = time.perf_counter() - t0
        row("app", "cold start: python app.py → page served", cold, "s", target="≤ 10 s")
        from gradio_client import Client

        from .bench_calls import ENDPOINT_CALLS

        client = Client(url, verbose=False)
        names = set(client.view_api(print_info=False, return_format="dict")["named_endpoints"])
        reps = 5 if quick else 20
        for api, args in ENDPOINT_CALLS.items():
            if api not in names:
                continue
            ts = timeit(lambda: client.predict(*args(), api_name=api), 2 if api == "/diffusion_generate" and quick else reps)
            row("app", f"{api} p50", pct(ts, 50) * 1000, "ms")
            row("app", f"{api} p95", pct(ts, 95) * 1000, "ms")
        rss = peak_rss_mb(proc.pid)
        row("app", "peak RSS of the app after every endpoint ran", rss, "MB", target="≤ 2048 MB")
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


SECTIONS = {"data": bench_data, "classifier": bench_classifier, "gan": bench_gan, "cgan": bench_cgan,
            "diffusion": bench_diffusion, "app": bench_app}


def write_markdown(path: Path, quick: bool):
    lines = ["# Benchmarks", "", f"Measured by `python -m gendemo.bench{' --quick' if quick else ''}` on "
             f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", "", f"Machine: {machine()}", "",
             "Each figure sits beside a naive baseline measured in the same run; the ratio says how many times better "
             "the project's way is (higher is better).", "",
             "| section | measurement | value | baseline | ratio | target |", "|---|---|---|---|---|---|"]
    for r in ROWS:
        base = f"{r['baseline']:.4g} {r['unit']} ({r['baseline_what']})" if r["baseline"] is not None else ""
        ratio = f"×{r['ratio']:.2f}" if "ratio" in r else ""
        lines.append(f"| {r['section']} | {r['what']} | {r['value']:.4g} {r['unit']} | {base} | {ratio} | {r['target'] or ''} |")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m gendemo.bench")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--only", action="append", choices=sorted(SECTIONS))
    p.add_argument("--out", default=str(ROOT / "docs" / "BENCHMARKS.md"))
    a = p.parse_args(argv)
    print(machine())
    for name in a.only or SECTIONS:
        SECTIONS[name](a.quick)
    write_markdown(Path(a.out), a.quick)
    print(json.dumps({r["what"]: round(r["value"], 4) for r in ROWS}))


if __name__ == "__main__":
    main()
