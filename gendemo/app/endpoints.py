"""Every public endpoint of the app, declared once (the class is gendemo/app/endpoint.py).

A row says what the endpoint takes (kind, range, default, label key, API text), what it returns, how much GPU a call
may take on ZeroGPU, which lane it queues in, and the values of its canonical call. The tab module keeps the layout,
the strings and a handler decorated with `@ENDPOINTS["name"].handler`; the API page, the MCP tools, the ZeroGPU
wrapper, the bench, the load test and lesson links read this table.
"""

from __future__ import annotations

import os

from gendemo.app.endpoint import Endpoint, Example, Lane, Lazy, Param
from gendemo.diffusion.sampling import DEFAULT_GUIDANCE, GUIDANCE_SIDE_BY_SIDE

# ---------------------------------------------------------------- lanes: who may wait for whom
DIFFUSION = Lane("diffusion", limit=1, priority=1)  # the diffusion views, one at a time; quick requests go first
# The heavy demonstrations (DDPM's 1,000 steps beside the fast solvers, guidance side by side, the schedule twins) take
# tens of seconds: in the diffusion lane one learner's comparison held every other learner's prompt behind it (issue
# 30). So they have their own lane, one at a time, and they are background work: between steps they give way to the
# other lanes' requests (gendemo/core/priority.py), so a prompt beside them has the cores. Paced so, a DDPM comparison
# takes two minutes in a busy class, and a request behind it in this lane is told so (gendemo/app/queue_eta.py).
HEAVY = Lane("diffusion_heavy", limit=1, priority=2)
# Noise prediction and the reverse step are a network pass or a short walk of them (hundredths of a second alone):
# behind a class's prompts in the diffusion lane they waited 9-17 s (class benchmark, p95). A lane of their own.
DIFFUSION_STEP = Lane("diffusion_step", limit=1, priority=1)
# Surveys: mode collapse draws and judges thousands of digits; the prompt experiment draws one digit per variant of a
# prompt with the guided model. Seconds each under load: in the default lane's two places, two learners' mode collapse
# held every quick GAN request behind them (class benchmark: its p95 12 s), and in the diffusion lane the experiments
# (≈ 1.9 s each) held the prompts. A lane of their own, one at a time; a class meets them at different times.
SURVEY = Lane("survey", limit=1, priority=1)
# The lanes of long requests, one at a time: their waits are estimated from what their requests take under load, not
# by Gradio's average (gendemo/app/queue_eta.py).
TOLD_LANES = (DIFFUSION, DIFFUSION_STEP, SURVEY, HEAVY)
CLASSIFY = Lane("classify", limit=1)  # readings run in the order they were asked (a click and an upload may race)
# Live training: Start, Continue and One step never wait for another learner's run (issue 30). One scheduler in the
# server (gendemo/gan/scheduler.py) trains up to GENDEMO_LIVE_RUNS runs in turn; the lane only has to let their streams
# (which wait without holding a thread) and the presses beside them through; each ends a minute after its budget.
LIVE = Lane(
    "live",
    limit=Lazy("gendemo.app.endpoints:live_lane_limit"),
    time_limit=Lazy("gendemo.app.endpoints:live_time_limit"),
)


def live_runs_cap() -> int:
    """Live runs the scheduler trains at once (each gets about 1/N of the machine); a Start beyond that is told to try
    again shortly. The host may set another with GENDEMO_LIVE_RUNS."""
    return max(1, int(os.environ.get("GENDEMO_LIVE_RUNS", "32")))


def live_lane_limit() -> int:
    return 2 * live_runs_cap() + 8  # every run's stream, a Continue or One step beside each, and the refused ones


def live_max_seconds() -> int:
    """The longest budget a live run may ask for (the host may set another with GENDEMO_LIVE_MAX_SECONDS)."""
    return max(10, int(os.environ.get("GENDEMO_LIVE_MAX_SECONDS", "300")))


def live_default_seconds() -> int:
    return min(120, live_max_seconds())


def live_time_limit() -> int:
    return live_max_seconds() + 60


# ---------------------------------------------------------------- choices the handlers and the tabs share
RECIPES = ("remedy", "chapter")  # the two trained GANs (gendemo/gan/recipes.py)
JUDGES = ("chapter", "remedy", "cgan")  # the three discriminators
SAMPLERS = ("ddim", "dpmpp2m", "ddpm")
NETWORKS = ("diffusion", "diffusion_distilled", "handover")
TRAINING_STEP_RATES = ("0.001", "0.01", "0.1", "1")  # /training_step: from a nudge to a leap
SOLVERS = ("ddpm", "ddim", "dpmpp2m", "dpmpp2m_distilled")  # the chapter's algorithm first
ATTRIBUTES = ("thickness", "slant", *(f"digit{d}" for d in range(10)))
SEED = "Seed of the random noise; the same seed and settings give the same pictures."
IMAGE_OUT = "a PNG file"
PROMPT = (
    "What to draw, in English (Chinese digit and colour words are translated), e.g. 'a red seven'; at most 300 "
    "characters; empty draws without a prompt."
)
SCALES = ", ".join(f"{g:g}" for g in GUIDANCE_SIDE_BY_SIDE[:-1]) + f" and {GUIDANCE_SIDE_BY_SIDE[-1]:g}"


def _learning_rate(name: str, whose: str) -> Param:
    """A live run's learning rate (lr_g, lr_d), starting at the chapter recipe's."""
    return Param(
        name,
        "float",
        Lazy(f"gendemo.gan.recipes:CHAPTER.{name}"),
        label=f"live.{name}",
        api=f"{whose} learning rate, 5e-05 to 0.002.",
        lo=5e-5,
        hi=2e-3,
        step=5e-5,
    )


SEED_PARAM = Param("seed", "seed", 0, label="common.seed", api=SEED)


def guidance(label="gen.guidance", default=DEFAULT_GUIDANCE, api="Classifier-free guidance scale, 0 to 10.") -> Param:
    """The classifier-free guidance scale, as every diffusion view takes it."""
    return Param("guidance", "float", default, label=label, api=api, lo=0.0, hi=10.0, step=0.5)


QUICK = 20  # GPU seconds: one forward pass of a small network, plus starting the GPU worker and moving the weights


# ---------------------------------------------------------------- GPU seconds that depend on the arguments
def _is_ddpm(value) -> bool:
    return str(value).strip().lower() == "ddpm"


def _diffusion_seconds(a: dict) -> int:
    return 90 if _is_ddpm(a["sampler"]) else 40  # DDPM runs all 1,000 steps, DDIM at most 100


def _experiment_seconds(a: dict) -> int:
    return 120 if _is_ddpm(a["sampler"]) else 40  # up to 8 prompt variants × 25 guided steps, or 1,000 with DDPM


def _img2img_seconds(a: dict) -> int:
    return 90 if _is_ddpm(a["sampler"]) else 40  # DDPM walks up to all 1,000 steps for up to 8 images


def _comparison_seconds(a: dict) -> int:
    # DDPM's 1,000 steps for up to 4 digits, plus two runs of at most 25 steps
    s = a["solvers"]
    names = [s] if isinstance(s, str) else s if isinstance(s, (list, tuple)) else []
    return 90 if any(_is_ddpm(n) for n in names) else 40


# The live trainer's knobs, taken by Start and by One step alike; they start at the chapter's recipe.
LIVE_KNOBS = (
    Param(
        "recipe",
        "choice",
        "chapter",
        label="live.recipe",
        api=(
            "'chapter' (the chapter's loop: real label 1, no dropout) or 'remedy' (real label 0.9, dropout "
            "in D, and D also reads how varied each group of four pictures is: minibatch standard deviation); the "
            "knobs below override it."
        ),
        choices=("chapter", "remedy"),
    ),
    _learning_rate("lr_g", "Generator"),
    _learning_rate("lr_d", "Discriminator"),
    Param(
        "beta1",
        "float",
        Lazy("gendemo.gan.recipes:CHAPTER.beta1"),
        label="live.beta1",
        api="Adam's β1 for both networks, 0 to 0.95.",
        lo=0.0,
        hi=0.95,
        step=0.05,
    ),
    Param(
        "batch_size",
        "choice",
        Lazy("gendemo.gan.recipes:CHAPTER.batch_size"),
        label="live.batch",
        api="Minibatch size: 32, 64, 128 or 256.",
        choices=(32, 64, 128, 256),
    ),
    Param(
        "noise_dim",
        "choice",
        Lazy("gendemo.gan.recipes:CHAPTER.noise_dim"),
        label="live.noise",
        api="Length of the noise vector: 2, 10 or 100.",
        choices=(2, 10, 100),
    ),
    Param(
        "real_label",
        "float",
        Lazy("gendemo.gan.recipes:CHAPTER.real_label"),
        label="live.real_label",
        api="Target for real digits in D's loss, 0.7 to 1 (below 1 is one-sided label smoothing).",
        lo=0.7,
        hi=1.0,
        step=0.05,
    ),
    Param(
        "d_steps",
        "int",
        Lazy("gendemo.gan.recipes:CHAPTER.d_steps"),
        label="live.d_steps",
        api="Discriminator updates per generator update, 1 to 5.",
        lo=1,
        hi=5,
    ),
    Param(
        "seed",
        "seed",
        0,
        label="common.seed",
        api="Seed of the initial weights, the minibatch order and every noise vector.",
    ),
)

# The forward algorithm's inputs (steps 1–4: a digit, its caption, a step t, the noise's seed), as /noise_prediction
# and /training_step take them.
FORWARD_INPUTS = (
    Param(
        "source",
        "choice",
        "test",
        label="ins.source",
        api="'test' (an MNIST test digit, painted in the caption's colour) or 'image' (the given picture).",
        choices=("test", "image"),
    ),
    Param(
        "index",
        "int",
        0,
        label="ins.index",
        api="Which MNIST test digit, 0 to 9999.",
        lo=0,
        hi=9999,
        widget="number",
    ),
    Param(
        "image",
        "file",
        None,
        label="ins.image",
        api=(
            "A picture of a digit (any size or format), used when source is 'image'; prepared like the training images."
        ),
    ),
    Param(
        "caption",
        "prompt",
        "a red seven",
        label="ins.caption",
        api=(
            "The caption the network is given, in English (Chinese digit and colour words are translated); "
            "empty gives the unconditional estimate. At most 300 characters."
        ),
    ),
    Param(
        "t",
        "int",
        500,
        label="ins.t",
        api="The step of the forward process, 1 to 1000 (1: almost clean, 1000: pure noise).",
        lo=1,
        hi=1000,
    ),
    Param(
        "seed",
        "seed",
        0,
        label="common.seed",
        api="Seed of the noise ε; the same seed and settings give the same noise.",
    ),
)


_ROWS = (
    Endpoint(
        "gan_sample",
        "Draws digits with the chapter's fully connected GAN (10 noise numbers → a 28×28 digit).",
        params=(
            Param("n", "int", 64, label="gan.n", api="How many digits, 1 to 256.", lo=1, hi=256),
            SEED_PARAM,
            Param(
                "recipe",
                "choice",
                "remedy",
                label="gan.recipe",
                api="Which trained GAN: 'remedy' (the shipped one) or 'chapter' (trained with the chapter's loop).",
                choices=RECIPES,
                blank=True,
            ),
        ),
        returns=(("digits", IMAGE_OUT + ", a grid of the n digits"),),
        cache=True,
    ),
    Endpoint(
        "gan_timeline",
        (
            "Shows the GAN's recorded training run at one epoch: its digits for 64 fixed noise vectors, and "
            "the losses, the discriminator's verdicts over all epochs (the chosen epoch marked as one more "
            "series), and the digit shares."
        ),
        params=(
            Param(
                "epoch",
                "int",
                Lazy("gendemo.app.ui.gan_common:card_epochs"),
                label="gan.epoch",
                api="Epoch to show, 1 to the last epoch of the run (200).",
                lo=1,
                hi=Lazy("gendemo.app.ui.gan_common:card_epochs"),
                blank=True,
            ),
            Param(
                "recipe",
                "choice",
                "remedy",
                label="gan.recipe",
                api="Which run: 'remedy' or 'chapter'.",
                choices=RECIPES,
                blank=True,
            ),
        ),
        returns=(
            ("digits", IMAGE_OUT + ": the 64 fixed noise vectors' digits after that epoch"),
            ("losses", "line plot data: the discriminator's and the generator's loss per epoch"),
            ("verdicts", "line plot data: D's mean probability 'real' for real and for generated digits per epoch"),
            (
                "shares",
                (
                    IMAGE_OUT + ": the share of each digit among 1,000 samples, every epoch as a heat map with the "
                    "chosen epoch marked, and that epoch's ten shares as bars"
                ),
            ),
            ("summary", "Markdown: that epoch in words (losses, verdicts, most and least common digit, KL)"),
        ),
        gpu=None,
        call={"epoch": 60},
        cache=True,
    ),
    Endpoint(
        "gan_live",
        (
            "Trains the chapter's GAN from scratch on MNIST in the server and streams its progress; returns "
            "the state at the end of the time budget."
        ),
        params=(
            *LIVE_KNOBS,
            Param(
                "budget",
                "int",
                Lazy("gendemo.app.endpoints:live_default_seconds"),
                label="live.budget",
                api="Seconds of training, 1 to the server's limit (300 unless the host set another).",
                lo=1,
                hi=Lazy("gendemo.app.endpoints:live_max_seconds"),
            ),
            Param(
                "from_epoch",
                "choice",
                0,
                label="live.from",
                api=(
                    "0: start from random weights. An epoch of the recorded chapter-recipe run (1, 10, 20, 60, 100, "
                    "150 or 200): fork it there, from its G and D as they were then (8-bit copies) with a fresh Adam "
                    "optimiser, and train on with the knobs above; the noise size must stay 10."
                ),
                choices=Lazy("gendemo.gan.artifacts:FORK_CHOICES"),
            ),
            Param("control", "state", None),
        ),
        returns=(
            ("digits", IMAGE_OUT + ": the generator's digits for 64 fixed noise vectors"),
            ("status", "Markdown: step, epoch, images seen, speed, the most common digit and KL to an even mix"),
            ("curves", IMAGE_OUT + ": digit shares now, KL over the run, both losses and D's verdicts"),
        ),
        gpu=None,
        lane=LIVE,
        load=False,
    ),
    Endpoint(
        "gan_live_step",
        "Runs one minibatch of the chapter's training loop on a fresh GAN and shows every step of it.",
        params=(
            *LIVE_KNOBS,
            Param("run", "state", None),
        ),
        returns=(
            ("step", IMAGE_OUT + ": real digits, the fakes D learns from, and fakes from fresh noise"),
            ("explanation", "Markdown: D's verdicts before and after its update, both losses, G's effect"),
        ),
        gpu=None,
        lane=LIVE,
        load=False,
    ),
    Endpoint(
        "mode_collapse",
        (
            "Generates N digits with a GAN (final or an early snapshot), lets the classifier count them, and "
            "compares the digit shares with an even mix, the chapter's table 6-1 and the conditional GAN."
        ),
        params=(
            Param(
                "source",
                "text",
                "final",
                label="mc.source",
                api=(
                    "'final', or an epoch of the run as text ('1', '10', '60', …): snapshots are sampled, other "
                    "epochs use the shares recorded during training."
                ),
                widget="dropdown",
            ),
            Param(
                "n", "int", 1_000, label="mc.n", api="Number of samples N, 100 to 10,000.", lo=100, hi=10_000, step=100
            ),
            SEED_PARAM,
            Param(
                "recipe",
                "choice",
                "remedy",
                label="mc.recipe",
                api="Which run: 'remedy' or 'chapter'.",
                choices=RECIPES,
                blank=True,
            ),
        ),
        returns=(
            ("shares_chart", IMAGE_OUT + ": the share of each digit, beside the chapter's and the cGAN's"),
            ("table", "table: shares in percent, KL to an even mix and entropy for each generator"),
            ("verdict", "Markdown: the result in words"),
            ("samples_by_digit", IMAGE_OUT + ": samples sorted by the digit the classifier sees, one row per digit"),
            ("unsure", "gallery: the samples the classifier is least sure about, with its guess"),
            ("history", IMAGE_OUT + ": KL after every epoch and the shares per epoch"),
            ("note", "Markdown: how to read the history"),
        ),
        gpu=40,
        lane=SURVEY,
        cache=True,
    ),
    Endpoint(
        "discriminate",
        "Asks a trained discriminator whether a picture looks like a real MNIST digit.",
        params=(
            Param(
                "image",
                "file",
                None,
                label="disc.upload",
                api="The picture: any image file; it is prepared like an MNIST digit (28×28, white on black).",
            ),
            Param(
                "which",
                "choice",
                "chapter",
                label="disc.which",
                api=(
                    "Which discriminator: 'chapter' (the chapter's GAN as printed), 'remedy' (the remedy recipe's) "
                    "or 'cgan' (the conditional one)."
                ),
                choices=JUDGES,
            ),
            Param(
                "label",
                "int",
                3,
                label="disc.label",
                api=(
                    "The digit label shown to the conditional discriminator with the picture, 0 to 9 (ignored by the "
                    "others)."
                ),
                lo=0,
                hi=9,
            ),
        ),
        returns=(
            ("d_of_x", "number: D(x), the probability the discriminator gives to 'real'"),
            ("verdict", "Markdown: the verdict in words, beside the average D of real test digits and final fakes"),
            ("per_label", "label scores: the conditional discriminator's D(x) under each label (empty for the others)"),
            ("seen", IMAGE_OUT + ": the 28×28 picture the discriminator judged"),
        ),
        call={"image": Example("digit_7.png"), "label": 7},
        cache=True,
    ),
    Endpoint(
        "discriminate_lineup",
        (
            "Shows a discriminator a line-up of real test digits, generated digits and pure noise (for the "
            "conditional one also real digits under a wrong label) and reports its verdict on each."
        ),
        params=(
            Param(
                "which",
                "choice",
                "chapter",
                label="disc.which",
                api="Which discriminator: 'chapter', 'remedy' or 'cgan'.",
                choices=JUDGES,
            ),
            Param(
                "label",
                "int",
                3,
                label="disc.label",
                api=(
                    "The digit the conditional GAN draws and the label its discriminator is shown, 0 to 9 (ignored "
                    "by the others)."
                ),
                lo=0,
                hi=9,
            ),
            Param(
                "epoch",
                "text",
                "1",
                label="disc.epoch",
                api=(
                    "Which generator makes the fakes: the one after epoch '1', '10' or '60', or 'final' (the "
                    "conditional GAN always uses its final one)."
                ),
                widget="radio",
            ),
            SEED_PARAM,
        ),
        returns=(
            ("lineup", "gallery: each picture with D's verdict"),
            ("summary", "Markdown: the mean verdict on real and on generated pictures"),
        ),
        cache=True,
    ),
    Endpoint(
        "cgan_sample",
        ("Asks the conditional GAN for a chosen digit, or for every digit as a grid (the chapter's figure 6-5)."),
        params=(
            Param(
                "digit",
                "choice",
                "all",
                label="cgan.digit",
                api="'all' for one row per digit, or a single digit '0' to '9'.",
                choices=("all", *map(str, range(10))),
                widget="dropdown",
                blank=True,
            ),
            Param(
                "n",
                "int",
                10,
                label="cgan.n",
                api="Samples, 1 to 256 (with 'all': samples per row, at most 25).",
                lo=1,
                hi=256,
            ),
            SEED_PARAM,
        ),
        returns=(
            ("digits", IMAGE_OUT + ", the grid of generated digits"),
            ("reading", "Markdown: what the classifier reads in them"),
        ),
        cache=True,
    ),
    Endpoint(
        "latent_walk",
        "Walks one of the GAN's ten noise numbers from −3 to +3 while the other nine stay fixed.",
        params=(
            # With the shipped GAN, dimension 8 turns seed 410's 3 into a 9 and then a 4, as the chapter's third
            # dimension did (found by searching seeds 0-1,499 over all ten dimensions: only dimension 8 did it, for 54
            # seeds; this one morphs most smoothly and stays 3 → 9 → 4 at 17 steps too).
            Param("seed", "seed", 410, label="latent.seed", api="Seed of the starting noise vector."),
            Param("dim", "int", 8, label="latent.dim", api="Which noise number to move, 0 to 9.", lo=0, hi=9),
            Param("k", "int", 9, label="latent.k", api="Steps from −3 to +3, 2 to 25.", lo=2, hi=25),
        ),
        returns=(
            ("walk", IMAGE_OUT + ": one digit per step, left to right"),
            ("reading", "Markdown: the digit the classifier reads at each step"),
        ),
        call={"seed": 800, "dim": 2},
        cache=True,
    ),
    Endpoint(
        "latent_grid",
        ("Maps two of the GAN's noise numbers at once: a grid of digits with one number across and one down."),
        params=(
            Param(
                "seed",
                "seed",
                0,
                label="latent.seed",
                api="Seed of the starting noise vector (the other eight numbers).",
            ),
            Param("dim_x", "int", 0, label="latent.dim_x", api="Noise number that changes across, 0 to 9.", lo=0, hi=9),
            Param("dim_y", "int", 2, label="latent.dim_y", api="Noise number that changes down, 0 to 9.", lo=0, hi=9),
            Param("k", "int", 9, label="latent.k_grid", api="Steps per side, 2 to 15.", lo=2, hi=15),
            Param(
                "span",
                "float",
                3.0,
                label="latent.span",
                api="The map runs from −span to +span on both axes, 0.5 to 10.",
                lo=0.5,
                hi=10.0,
                step=0.5,
                blank=True,
            ),
        ),
        returns=(("map", IMAGE_OUT + ", the k×k grid of digits"),),
        cache=True,
    ),
    Endpoint(
        "latent_path",
        "Walks a straight line between two points of the map of two noise numbers.",
        params=(
            Param(
                "seed",
                "seed",
                0,
                label="latent.seed",
                api="Seed of the starting noise vector (the other eight numbers).",
            ),
            Param(
                "dim_x", "int", 0, label="latent.dim_x", api="Noise number of the first coordinate, 0 to 9.", lo=0, hi=9
            ),
            Param(
                "dim_y",
                "int",
                2,
                label="latent.dim_y",
                api="Noise number of the second coordinate, 0 to 9.",
                lo=0,
                hi=9,
            ),
            Param(
                "start",
                "text",
                "(2, 5)",
                label="latent.from",
                api="Starting point as text '(across, down)', each between −10 and 10, e.g. '(2, 5)'.",
                max_chars=100,
            ),
            Param(
                "end",
                "text",
                "(6, 1)",
                label="latent.to",
                api="End point in the same form, e.g. '(6, 1)'.",
                max_chars=100,
            ),
            Param("k", "int", 9, label="latent.k_path", api="Steps, 2 to 25.", lo=2, hi=25),
        ),
        returns=(
            ("path", IMAGE_OUT + ": one digit per step from start (left) to end (right)"),
            ("reading", "Markdown: the digit the classifier reads at each step"),
        ),
        cache=True,
    ),
    Endpoint(
        "latent_vector",
        "Draws the digit for a noise vector typed in by hand: the GAN's ten noise numbers.",
        params=(
            Param("z0", "float", 0.0, label="latent.z0", api="Noise number z[0], −3 to 3.", lo=-3.0, hi=3.0, step=0.01),
            Param("z1", "float", 0.0, label="latent.z1", api="Noise number z[1], −3 to 3.", lo=-3.0, hi=3.0, step=0.01),
            Param("z2", "float", 0.0, label="latent.z2", api="Noise number z[2], −3 to 3.", lo=-3.0, hi=3.0, step=0.01),
            Param("z3", "float", 0.0, label="latent.z3", api="Noise number z[3], −3 to 3.", lo=-3.0, hi=3.0, step=0.01),
            Param("z4", "float", 0.0, label="latent.z4", api="Noise number z[4], −3 to 3.", lo=-3.0, hi=3.0, step=0.01),
            Param("z5", "float", 0.0, label="latent.z5", api="Noise number z[5], −3 to 3.", lo=-3.0, hi=3.0, step=0.01),
            Param("z6", "float", 0.0, label="latent.z6", api="Noise number z[6], −3 to 3.", lo=-3.0, hi=3.0, step=0.01),
            Param("z7", "float", 0.0, label="latent.z7", api="Noise number z[7], −3 to 3.", lo=-3.0, hi=3.0, step=0.01),
            Param("z8", "float", 0.0, label="latent.z8", api="Noise number z[8], −3 to 3.", lo=-3.0, hi=3.0, step=0.01),
            Param("z9", "float", 0.0, label="latent.z9", api="Noise number z[9], −3 to 3.", lo=-3.0, hi=3.0, step=0.01),
        ),
        returns=(
            ("digit", IMAGE_OUT + ": the digit these ten numbers give"),
            ("numbers", IMAGE_OUT + ": the ten numbers against the standard normal curve"),
            ("reading", "Markdown: what the classifier reads, and how likely such a vector is"),
        ),
        call={
            "z0": 1.54,
            "z1": -0.29,
            "z2": -2.18,
            "z3": 0.57,
            "z4": -1.08,
            "z5": -1.4,
            "z6": 0.4,
            "z7": 0.84,
            "z8": -0.72,
            "z9": -0.4,
        },
        cache=True,
    ),
    Endpoint(
        "latent_interpolate",
        ("Moves between the noise vectors of two seeds, along a straight line and along the sphere (slerp)."),
        params=(
            Param("seed_a", "seed", 1, label="latent.seed_a", api="Seed of the left end."),
            Param("seed_b", "seed", 2, label="latent.seed_b", api="Seed of the right end."),
            Param("k", "int", 9, label="latent.k_interp", api="Steps, 2 to 25.", lo=2, hi=25),
        ),
        returns=(
            ("paths", IMAGE_OUT + ": top row linear, bottom row spherical"),
            ("norms", "Markdown: the length of the noise vector along each path"),
        ),
        cache=True,
    ),
    Endpoint(
        "latent_direction",
        ("Moves a noise vector along a fitted semantic direction (thicker strokes, more slant, or towards a digit)."),
        params=(
            Param(
                "attribute",
                "choice",
                "thickness",
                label="latent.attr",
                api="Direction: 'thickness', 'slant' or 'digit0' to 'digit9'.",
                choices=ATTRIBUTES,
                widget="dropdown",
                blank=True,
            ),
            Param("seed", "seed", 0, label="latent.seed", api="Seed of the starting noise vector."),
            Param(
                "alpha",
                "float",
                0.0,
                label="latent.alpha",
                api="Distance along the direction, −5 to 5.",
                lo=-5.0,
                hi=5.0,
                step=0.25,
            ),
            Param(
                "keep",
                "choice",
                "none",
                label="latent.keep",
                api="An attribute to hold fixed by projecting its direction out, or 'none'.",
                choices=("none", *ATTRIBUTES),
                widget="dropdown",
                blank=True,
            ),
        ),
        returns=(
            ("digit", IMAGE_OUT + ": the digit at that distance"),
            ("strip", IMAGE_OUT + ": digits from −5 (left) to +5 (right) along the direction"),
            ("changes", "table: thickness, slant and the classifier's reading along the way"),
            ("summary", "Markdown: what changed"),
        ),
        cache=True,
    ),
    Endpoint(
        "noising",
        (
            "Pushes an image towards pure noise with the forward process, under the linear, a constant-β and "
            "the cosine schedule (the chapter's figure 6-8)."
        ),
        params=(
            Param(
                "image",
                "file",
                None,
                label="noise.image",
                api="Any image file (default: a photo of Grace Hopper); it is shrunk to at most 128 pixels a side.",
            ),
            Param(
                "steps", "int", 9, label="noise.steps", api="Columns, i.e. moments t from 0 to T, 2 to 16.", lo=2, hi=16
            ),
            SEED_PARAM,
        ),
        returns=(
            ("rows", IMAGE_OUT + ": top row linear schedule, middle row constant β, bottom row cosine schedule"),
            ("caption", "Markdown: the moments shown and the signal kept halfway"),
            ("signal", "line plot data: ᾱ_t, the signal kept, for the three schedules"),
            ("snr", "line plot data: log₁₀ of the signal-to-noise ratio for the three schedules"),
            ("noise_per_step", "line plot data: log₁₀ β_t, the noise added at each step, for the three schedules"),
        ),
        gpu=None,
        call={"image": Example("digit_7.png")},
        cache=True,
    ),
    Endpoint(
        "schedule_twins",
        (
            "Which noise schedule trains better? Draws one prompt with both schedule twins (two small U-Nets "
            "trained alike except for the schedule: DDPM's linear β and cosine) from the same starting "
            "noise, and returns their measured digit and colour accuracy and Fréchet distance against "
            "training steps, read from the twins' checkpoint cards, with what the measurement says about the "
            "chapter's claim that the cosine schedule helps the model learn."
        ),
        params=(
            Param(
                "prompt",
                "prompt",
                "a red seven",
                label="twin.prompt",
                api=(
                    "What both twins draw, in English (Chinese digit and colour words are translated), e.g. 'a red "
                    "seven'; at most 300 characters; empty draws without a prompt."
                ),
            ),
            SEED_PARAM,
        ),
        returns=(
            (
                "samples",
                (
                    IMAGE_OUT + ": top row the linear-β twin, bottom row the cosine twin; 8 digits each, column k of "
                    "both rows from the same starting noise"
                ),
            ),
            ("rows", "Markdown: how many digits of each row the judge finds matching the prompt"),
            ("verdict", "Markdown: the final figures of both twins and what they say about the chapter's claim"),
            ("digit_accuracy", "line plot data: judged digit accuracy on held-out prompts against training step"),
            ("colour_accuracy", "line plot data: judged colour accuracy on held-out prompts against training step"),
            ("frechet", "line plot data: Fréchet distance to real test digits against training step"),
        ),
        gpu=30,
        lane=HEAVY,
        cache=True,
    ),
    Endpoint(
        "diffusion_generate",
        (
            "Writes coloured digits from a prompt with the text-conditioned diffusion model (streamed; the "
            "API returns the final state)."
        ),
        params=(
            Param(
                "prompt",
                "prompt",
                "a red seven",
                label="gen.prompt",
                api=(
                    "What to draw, in English (Chinese digit and colour words are translated), e.g. 'a thick green "
                    "three'; at most 300 characters; empty draws without a prompt."
                ),
            ),
            Param(
                "sampler",
                "choice",
                "ddim",
                label="gen.sampler",
                api=(
                    "'ddim' (deterministic, 10 to 100 steps), 'dpmpp2m' (DPM-Solver++ 2M: deterministic, second "
                    "order, 10 to 100 steps) or 'ddpm' (the chapter's reverse algorithm, all 1,000 steps)."
                ),
                choices=SAMPLERS,
            ),
            Param(
                "steps",
                "int",
                25,
                label="gen.steps",
                api="DDIM or DPM-Solver++ steps, 10 to 100 (DDPM ignores it).",
                lo=10,
                hi=100,
            ),
            guidance(api="Classifier-free guidance scale, 0 to 10: 0 ignores the prompt, 1 uses it plainly."),
            SEED_PARAM,
            Param("n", "int", 8, label="gen.n", api="Number of images, 1 to 16.", lo=1, hi=16),
            Param(
                "network",
                "choice",
                "diffusion_distilled",
                label="gen.network",
                api=(
                    "'diffusion' (the diffusion model: guidance costs two network passes a step), "
                    "'diffusion_distilled' (the default: its guidance-distilled copy, one pass a step with the scale "
                    "as an input) or 'handover' (the diffusion model for the steps t ≥ 440, where the digit's shape "
                    "is decided, the copy after them)."
                ),
                choices=NETWORKS,
            ),
        ),
        returns=(
            ("process", IMAGE_OUT + ": the noisy x_t (left) and the predicted clean image (right) at the last step"),
            ("result", IMAGE_OUT + ": the generated digits"),
            (
                "status",
                (
                    "Markdown: sampler, steps, guidance, seed, the prompt as encoded (everyday colour words mapped "
                    "to the palette, e.g. crimson → red) and how many digits the judge finds matching the prompt"
                ),
            ),
            (
                "judged",
                (
                    "gallery: each digit with the judge's reading as its caption: the classifier's digit and "
                    "confidence, the stroke colour and its closeness to that palette colour (cosine), ✓/✗ against "
                    "the prompt"
                ),
            ),
        ),
        gpu=_diffusion_seconds,
        lane=DIFFUSION,
        call={"guidance": 3.0, "n": 16, "network": "diffusion"},
        cache=True,
        cache_mb=16,  # ~1.2 MB an answer (its run keeps every step for the replay): a class's dozen distinct prompts
    ),
    Endpoint(
        "diffusion_guidance",
        (
            f"Draws the same prompt from the same seed at guidance {SCALES} (DDIM, 25 steps, 4 digits "
            "each), so the guidance scale is the only difference, and judges each group against the prompt."
        ),
        params=(
            Param("prompt", "prompt", "a red seven", label="gen.prompt", api=PROMPT),
            SEED_PARAM,
        ),
        returns=(
            (
                "gallery",
                (
                    "gallery: one 2×2 group of digits per guidance scale, captioned with the scale and how many the "
                    "judge finds matching the prompt"
                ),
            ),
            ("text", "Markdown: what changes with the guidance scale, with the judged counts"),
        ),
        gpu=40,
        lane=HEAVY,
        cache=True,
    ),
    Endpoint(
        "solver_comparison",
        (
            "Draws one prompt from one seed, so from the same starting noise, with the chapter's DDPM (all "
            f"1,000 steps), with DDIM and DPM-Solver++ 2M at 10 to 25 steps (guidance {DEFAULT_GUIDANCE:g}), and with "
            "DPM-Solver++ 2M driving the guidance-distilled network (one network pass a step instead of "
            "two); times each and judges every digit against the prompt (streamed: the few-step solvers "
            "first; the API returns the final state)."
        ),
        params=(
            Param(
                "prompt",
                "prompt",
                "a red seven",
                label="gen.prompt",
                api=(
                    "What to draw, in English (Chinese digit and colour words are translated), e.g. 'a red seven'; "
                    "it must name a digit or a colour (the judge checks them); at most 300 characters."
                ),
            ),
            Param(
                "solvers",
                "choices",
                tuple(SOLVERS),
                label="cmp.solvers",
                api=(
                    "Which to compare, at least two of 'ddpm', 'ddim', 'dpmpp2m' (DPM-Solver++ 2M) and "
                    "'dpmpp2m_distilled' (DPM-Solver++ 2M with the guidance-distilled network)."
                ),
                choices=SOLVERS,
            ),
            Param(
                "steps",
                "int",
                10,
                label="cmp.steps",
                api="Steps for DDIM and DPM-Solver++ 2M, 10 to 25 (DDPM always takes all 1,000).",
                lo=10,
                hi=25,
            ),
            SEED_PARAM,
            Param("n", "int", 2, label="cmp.n", api="Digits per solver, 1 to 4.", lo=1, hi=4),
        ),
        returns=(
            (
                "gallery",
                (
                    "gallery: one picture per solver (its digits), captioned with its steps, wall time in seconds "
                    "and how many digits the judge finds matching the prompt"
                ),
            ),
            (
                "table",
                (
                    "Markdown table: per solver its wall time, the judge's reading of each digit (digit and "
                    "confidence, stroke colour and closeness, ✓/✗ against the prompt) and how many match"
                ),
            ),
            ("text", "Markdown: one sentence on what the comparison shows (speed ratio and judged matches)"),
        ),
        gpu=_comparison_seconds,
        lane=HEAVY,
        call={"solvers": ("ddim", "dpmpp2m"), "n": 4},
        cache=True,
    ),
    Endpoint(
        "noise_prediction",
        (
            "Shows what the diffusion network is trained to do (the forward algorithm's steps 3 to 5 on one "
            "digit): the noise ε added to reach step t, the network's estimate ε̂ and the loss ‖ε̂ − ε‖², "
            "beside the trained model's average loss against t over 64 test digits."
        ),
        params=(
            *FORWARD_INPUTS,
            guidance(
                label="ins.guidance",
                default=1.0,
                api="Classifier-free guidance scale for ε̂, 0 to 10 (1: the conditional estimate training asks for).",
            ),
        ),
        returns=(
            ("panels", "gallery: x0, ε, x_t, ε̂ and ε̂ − ε, each captioned (noise drawn grey for 0, ±2 black/white)"),
            (
                "summary",
                "Markdown with LaTeX: the loss for this digit and the average loss over the test digits at this t",
            ),
            (
                "curve",
                "line plot data: mean loss per number against t, without caption, with it, and guided "
                f"({DEFAULT_GUIDANCE:g}), and the chosen t as a fourth series (two points: a vertical line)",
            ),
        ),
        gpu=30,
        lane=DIFFUSION_STEP,
        call={"t": 500},
        cache=True,
    ),
    Endpoint(
        "training_step",
        (
            "Takes step 6 of the chapter's forward algorithm for real, once: backpropagates the loss ‖ε̂ − ε‖² of "
            "one digit at step t and moves every weight of a copy of the diffusion network against its gradient "
            "(w ← w − lr·∇L), then shows ε̂ and the loss before and after, and the loss of 16 other test digits "
            "before and after. The app's own network is never changed."
        ),
        params=(
            *FORWARD_INPUTS,
            Param(
                "lr",
                "choice",
                "0.01",
                label="ins.lr",
                api="The learning rate of the one gradient-descent step: '0.001', '0.01', '0.1' or '1'.",
                choices=TRAINING_STEP_RATES,
                widget="radio",
            ),
        ),
        returns=(
            ("panels", "gallery: x_t, ε, ε̂ before the update, ε̂ after it, and the change of ε̂ (magnified)"),
            (
                "summary",
                "Markdown: the loss before and after, the gradient's size, how far the weights moved, and "
                "the other digits' loss before and after",
            ),
        ),
        gpu=30,
        lane=DIFFUSION,
        call={"t": 500},
        cache=True,
    ),
    Endpoint(
        "reverse_step",
        (
            "Takes one step x_t → x_{t−1} of the chapter's reverse algorithm (DDPM) for one digit, taken "
            "apart: x_t, the scaled noise estimate subtracted, the fresh noise σ_t·z added, x_{t−1} and the "
            "clean image ε̂ implies, with the coefficients. The path from pure noise to step t is fixed by "
            "the seed, so any t can be asked for directly (the app walks there first)."
        ),
        params=(
            Param(
                "prompt",
                "prompt",
                "a red seven",
                label="ins.prompt",
                api="What to draw, in English, e.g. 'a red seven'; at most 300 characters; empty draws without one.",
            ),
            Param(
                "seed",
                "seed",
                0,
                label="common.seed",
                api="Seed of x_T and of every fresh noise z; the same seed gives the same path.",
            ),
            guidance(label="ins.step_guidance"),
            Param(
                "t",
                "int",
                1000,
                label="ins.step_t",
                api="The step to take, 1 to 1000 (from x_t to x_{t−1}).",
                lo=1,
                hi=1000,
            ),
            Param("state", "state", None),
        ),
        returns=(
            (
                "panels",
                (
                    "gallery: x_t, the subtracted term, the added noise (both magnified), x_{t−1}, the whole change "
                    "x_{t−1} − x_t (magnified) and x̂0"
                ),
            ),
            (
                "explanation",
                (
                    "Markdown with LaTeX: t, β_t, α_t, ᾱ_t, 1/√α_t, β_t/√(1−ᾱ_t), σ_t, the sizes of both parts and "
                    "of the whole change"
                ),
            ),
            ("next_t", "the next step to take (t − 1; after the last step 1000 again)"),
        ),
        gpu=60,
        lane=DIFFUSION_STEP,
        call={"guidance": 3.0},
        cache=True,
    ),
    Endpoint(
        "prompt_experiment",
        (
            "Reruns the chapter's fixed-seed prompt experiment: the same noise under variants of one prompt "
            "(word order, or colour words swapped), with the cosine similarity of their embeddings."
        ),
        params=(
            Param(
                "prompt",
                "prompt",
                "ornate green seven",
                label="pr.prompt",
                api="The prompt to vary, in English, e.g. 'ornate green seven' (the chapter's 'ornate green vase').",
            ),
            Param(
                "mode",
                "choice",
                "permute",
                label="pr.mode",
                api="'permute' (reorder its words) or 'colour' (swap its colour word).",
                choices=("permute", "colour"),
            ),
            # seed 91: the orders of "ornate green seven" diverge as figure 6-11's did (the grammatical one draws a 2,
            # the other five a 7); at seed 0 all six draw the same 7, which hid the chapter's lesson
            Param("seed", "seed", 91, label="common.seed", api=SEED),
            guidance(),
            Param(
                "sampler",
                "choice",
                "ddim",
                label="pr.exp_sampler",
                api=(
                    "'ddim' (default), 'dpmpp2m' (DPM-Solver++ 2M), both 25 steps, or 'ddpm' (all 1,000 steps, the "
                    "same fresh noise for every variant)."
                ),
                choices=SAMPLERS,
            ),
        ),
        returns=(
            (
                "gallery",
                (
                    "gallery: one image per prompt variant, captioned with its cosine similarity to the first and "
                    "the judge's reading (digit and confidence, colour and closeness, ✓/✗ against that variant)"
                ),
            ),
            ("table", "Markdown: the variants, their similarities and the judge's readings, and how many match"),
        ),
        gpu=_experiment_seconds,
        lane=SURVEY,
        call={"prompt": "ornate green seven", "mode": "colour", "guidance": 3.0},
        cache=True,
    ),
    Endpoint(
        "img2img",
        (
            "Redraws an image with the diffusion model (img2img): noises it part of the way, then runs the "
            "reverse process guided by a prompt. Give an uploaded image or a drawing."
        ),
        params=(
            Param(
                "image",
                "file",
                None,
                label="pr.upload",
                api="An image file to start from (any size or format), or leave empty and give a drawing.",
            ),
            Param(
                "drawing",
                "file",
                None,
                label="pr.draw",
                api="A sketchpad drawing to start from, used when no image is given.",
            ),
            Param(
                "prompt",
                "prompt",
                "a white four",
                label="pr.i2i_prompt",
                api="What the redrawing should show, in English, e.g. 'a white four'; may be empty.",
            ),
            Param(
                "strength",
                "float",
                0.5,
                label="pr.strength",
                api=(
                    "Share of the noise schedule applied, 0 to 1: 0 keeps the image, 1 ignores it. The chapter's "
                    "noise percentages (33 %, 25 %, about 12 %) read as this strength (0.33, 0.25, 0.12)."
                ),
                lo=0.0,
                hi=1.0,
                step=0.05,
            ),
            SEED_PARAM,
            Param("n", "int", 4, label="pr.n", api="Variations, 1 to 8.", lo=1, hi=8),
            Param(
                "sampler",
                "choice",
                "ddim",
                label="pr.sampler",
                api=(
                    "'ddim' (default), 'dpmpp2m' (DPM-Solver++ 2M) or 'ddpm' (the chapter's reverse algorithm: every "
                    "step from t = strength·1000 down, with fresh noise)."
                ),
                choices=SAMPLERS,
            ),
        ),
        returns=(
            ("seen", IMAGE_OUT + ": the image as the model takes it (28×28)"),
            ("start", IMAGE_OUT + ": after adding noise, where the reverse process starts"),
            ("redrawn", IMAGE_OUT + ": the redrawn variations"),
            (
                "status",
                (
                    "Markdown: the strength as a step of the schedule, the sampler, the share of the image kept and "
                    "how many redrawings the judge finds matching the prompt"
                ),
            ),
            ("judged", "gallery: each redrawing with the judge's reading as its caption (as /diffusion_generate)"),
        ),
        gpu=_img2img_seconds,
        lane=DIFFUSION,
        call={"image": Example("blurry_4.png"), "strength": 0.4, "n": 4},
        cache=True,
    ),
    Endpoint(
        "classify",
        (
            "Reads a handwritten digit with the project's classifier (the judge every other tab uses). Give "
            "a drawing or an uploaded image."
        ),
        params=(
            Param(
                "drawing",
                "file",
                None,
                label="classify.draw",
                api="A sketchpad drawing of one digit, used when no upload is given.",
            ),
            Param(
                "upload",
                "file",
                None,
                label="classify.upload",
                api="An image file of one digit (any size or format); it is prepared like an MNIST digit.",
            ),
        ),
        returns=(
            ("label", "label scores: the probability of each digit 0 to 9"),
            ("seen", IMAGE_OUT + ": the 28×28 picture the network read"),
        ),
        lane=CLASSIFY,
        call={"upload": Example("digit_7.png")},
    ),
)
ENDPOINTS: dict[str, Endpoint] = {ep.name: ep for ep in _ROWS}

# The main call of each endpoint, as the benchmark and the load test make it (arguments for gradio_client.predict).
ENDPOINT_CALLS = {f"/{ep.name}": ep.canonical_call for ep in ENDPOINTS.values() if ep.load}

# Latency goals (p95, through the client) the benchmark prints beside its figures.
TARGETS_MS = {"/discriminate": 50, "/latent_vector": 100}
