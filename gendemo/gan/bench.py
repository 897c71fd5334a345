"""GAN sections of python -m gendemo.bench: sampling latency of the committed generators (batched against one image
per call) and the training throughput of the chapter's MLP GAN with CPU bf16 autocast against fp32."""

from __future__ import annotations

import statistics

import torch
import torch.nn.functional as F

from gendemo.classifier.model import load_classifier, predict
from gendemo.core.checkpoints import CheckpointError
from gendemo.core.timing import timeit, train_speed
from gendemo.gan.model import Discriminator, Generator, load_cgan, load_gan
from gendemo.gan.sampling import sample_cgan, sample_gan


def run_gan(quick: bool, row) -> None:
    try:
        g, _ = load_gan()
        judge, _ = load_classifier()
    except CheckpointError as e:
        print(f"[gan] skipped: {e}")
        return
    reps = 20 if quick else 100
    ts = timeit(lambda: sample_gan(g, 64, 0), reps, warmup=3)
    # the naive way: one image per forward pass
    ts1 = timeit(lambda: [sample_gan(g, 1, s) for s in range(64)], 3 if quick else 10)
    row(
        "gan",
        "64 samples (batched), median",
        statistics.median(ts) * 1000,
        "ms",
        statistics.median(ts1) * 1000,
        "64 single-image calls",
        target="≤ 20 ms",
    )
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

    train_speed("gan", make, 128, 5 if quick else 30, row)


def run_cgan(quick: bool, row) -> None:
    try:
        g, _ = load_cgan()
    except CheckpointError as e:
        print(f"[cgan] skipped: {e}")
        return
    digits = torch.arange(10).repeat_interleave(10)
    ts = timeit(lambda: sample_cgan(g, digits, 0), 10 if quick else 50, warmup=2)
    row("cgan", "10×10 grid (100 samples), median", statistics.median(ts) * 1000, "ms")


def run_live(quick: bool, row) -> None:
    """The live trainer's engine against the training CLI's own step, same recipe, same data, same run."""
    from types import SimpleNamespace

    from gendemo.core.data import DataMissingError, Digits
    from gendemo.core.device import resolve_precision
    from gendemo.gan.live import JUDGED, LiveRun, app_load_images
    from gendemo.gan.recipes import RECIPES
    from gendemo.gan.train import GANTask

    try:
        images = app_load_images("cpu")
        judge, _ = load_classifier()
    except (DataMissingError, CheckpointError) as e:
        print(f"[gan_live] skipped: {e}")
        return
    cpu = torch.device("cpu")
    precision = resolve_precision("auto", cpu)
    n = 20 if quick else 100
    run = LiveRun(images, judge, RECIPES["chapter"], seed=0, device=cpu, precision=precision)
    run.train(5)  # warm-up: first calls allocate
    t = timeit(lambda: run.train(n), 1 if quick else 3, warmup=0)
    live = n * 128 / statistics.median(t)

    # The CLI's step (gendemo/gan/train.py GANTask.train_step) on the same network (no dropout, as the chapter's
    # recipe), driven as the shared loop drives it; it differs in its optimiser (Adam without fusing).
    from gendemo.core.device import autocast
    from gendemo.core.training import TrainOptions

    trainer = SimpleNamespace(
        overrides={"d_dropout": "0.0"},
        lr=2e-4,
        options=TrainOptions(model="gan", seed=0),  # lr None: the recipe's own rates, as the CLI without --lr
        dist=SimpleNamespace(rank=0, main=False, world=1),
        device=cpu,
        wrap=lambda m: m,
        autocast=lambda: autocast(cpu, precision),
    )
    task = GANTask(trainer)
    x = images[: 128 * n].float().div_(255)
    task.setup(Digits(x, torch.zeros(len(x), dtype=torch.long)))

    def cli_steps():
        for i in range(n):
            task.train_step(x[i * 128 : (i + 1) * 128], None, i)

    cli_steps()
    t = timeit(cli_steps, 1 if quick else 3, warmup=0)
    cli = n * 128 / statistics.median(t)
    row("gan_live", f"training images/s, live engine ({precision})", live, "img/s", cli, "the training CLI's step",
        better="higher", target="≥ 10,000")  # fmt: skip
    tr = timeit(run.report, 5 if quick else 20, warmup=1)
    row("gan_live", f"one report: 64 fixed digits + {JUDGED} judged, median", statistics.median(tr) * 1000, "ms")
