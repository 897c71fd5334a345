"""What each public endpoint does, what each parameter means and what comes back: the API page, `view_api()` and the
MCP tools (python app.py --mcp) all read it from here.

Gradio takes an endpoint's description from `api_description` and, for MCP, each parameter's from an "Args:" section
in the handler's docstring. The handlers live in the tab modules; keeping their documentation in one table, applied
once the Blocks are built, means a tab module never has to change for its API text, and one test can check that every
public endpoint is documented with exactly its parameters.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import gradio as gr

from gendemo.app.i18n import tr

SEED = "Seed of the random noise; the same seed and settings give the same pictures."
IMAGE_OUT = "a PNG file"


@dataclass(frozen=True)
class Doc:
    does: str  # what the endpoint does, in a sentence or two
    params: dict[str, str]  # API parameter name → meaning and range
    returns: tuple[tuple[str, str], ...]  # (name, what it is) for each output the API returns, in order

    def description(self) -> str:
        outs = "; ".join(f"{name}: {what}" for name, what in self.returns)
        return f"{self.does} Returns {len(self.returns)} value(s) — {outs}."

    def docstring(self) -> str:
        # the layout Gradio's MCP server parses: description, "Args:" with one "name: text" line each, "Returns:"
        args = "\n".join(f"    {k}: {v}" for k, v in self.params.items())
        outs = "\n".join(f"    {name}: {what}" for name, what in self.returns)
        return f"{self.does}\n\nArgs:\n{args}\n\nReturns:\n{outs}"


LIVE_KNOBS = {
    "recipe": "'chapter' (the chapter's loop: real label 1, no dropout) or 'remedy' (real label 0.9, dropout in D); "
    "the knobs below override it.",
    "lr_g": "Generator learning rate, 5e-05 to 0.002.",
    "lr_d": "Discriminator learning rate, 5e-05 to 0.002.",
    "beta1": "Adam's β1 for both networks, 0 to 0.95.",
    "batch_size": "Minibatch size: 32, 64, 128 or 256.",
    "noise_dim": "Length of the noise vector: 2, 10 or 100.",
    "real_label": "Target for real digits in D's loss, 0.7 to 1 (below 1 is one-sided label smoothing).",
    "d_steps": "Discriminator updates per generator update, 1 to 5.",
    "seed": "Seed of the initial weights, the minibatch order and every noise vector.",
}

DOCS: dict[str, Doc] = {
    "/gan_sample": Doc(
        "Draws digits with the chapter's fully connected GAN (10 noise numbers → a 28×28 digit).",
        {
            "n": "How many digits, 1 to 256.",
            "seed": SEED,
            "recipe": "Which trained GAN: 'remedy' (the shipped one) or 'chapter' (trained with the chapter's loop).",
        },
        (("digits", f"{IMAGE_OUT}, a grid of the n digits"),),
    ),
    "/gan_timeline": Doc(
        "Shows the GAN's recorded training run at one epoch: its digits for 64 fixed noise vectors, and the losses, "
        "the discriminator's verdicts over all epochs (the chosen epoch marked as one more series), and the digit "
        "shares.",
        {
            "epoch": "Epoch to show, 1 to the last epoch of the run (200).",
            "recipe": "Which run: 'remedy' or 'chapter'.",
        },
        (
            ("digits", f"{IMAGE_OUT}: the 64 fixed noise vectors' digits after that epoch"),
            ("losses", "line plot data: the discriminator's and the generator's loss per epoch"),
            ("verdicts", "line plot data: D's mean probability 'real' for real and for generated digits per epoch"),
            (
                "shares",
                f"{IMAGE_OUT}: the share of each digit among 1,000 samples, every epoch as a heat map with the chosen "
                "epoch marked, and that epoch's ten shares as bars",
            ),
            ("summary", "Markdown: that epoch in words (losses, verdicts, most and least common digit, KL)"),
        ),
    ),
    "/gan_live": Doc(
        "Trains the chapter's GAN from scratch on MNIST in the server and streams its progress; returns the state at "
        "the end of the time budget.",
        {**LIVE_KNOBS, "budget": "Seconds of training, 1 to the server's limit (300 unless the host set another)."},
        (
            ("digits", f"{IMAGE_OUT}: the generator's digits for 64 fixed noise vectors"),
            ("status", "Markdown: step, epoch, images seen, speed, the most common digit and KL to an even mix"),
            ("curves", f"{IMAGE_OUT}: digit shares now, KL over the run, both losses and D's verdicts"),
        ),
    ),
    "/gan_live_step": Doc(
        "Runs one minibatch of the chapter's training loop on a fresh GAN and shows every step of it.",
        dict(LIVE_KNOBS),
        (
            ("step", f"{IMAGE_OUT}: real digits, the fakes D learns from, and fakes from fresh noise"),
            ("explanation", "Markdown: D's verdicts before and after its update, both losses, G's effect"),
        ),
    ),
    "/mode_collapse": Doc(
        "Generates N digits with a GAN (final or an early snapshot), lets the classifier count them, and compares the "
        "digit shares with an even mix, the chapter's table 6-1 and the conditional GAN.",
        {
            "source": "'final', or an epoch of the run as text ('1', '10', '60', …): snapshots are sampled, other "
            "epochs use the shares recorded during training.",
            "n": "Number of samples N, 100 to 10,000.",
            "seed": SEED,
            "recipe": "Which run: 'remedy' or 'chapter'.",
        },
        (
            ("shares_chart", f"{IMAGE_OUT}: the share of each digit, beside the chapter's and the cGAN's"),
            ("table", "table: shares in percent, KL to an even mix and entropy for each generator"),
            ("verdict", "Markdown: the result in words"),
            ("samples_by_digit", f"{IMAGE_OUT}: samples sorted by the digit the classifier sees, one row per digit"),
            ("unsure", "gallery: the samples the classifier is least sure about, with its guess"),
            ("history", f"{IMAGE_OUT}: KL after every epoch and the shares per epoch"),
            ("note", "Markdown: how to read the history"),
        ),
    ),
    "/discriminate": Doc(
        "Asks a trained discriminator whether a picture looks like a real MNIST digit.",
        {
            "image": "The picture: any image file; it is prepared like an MNIST digit (28×28, white on black).",
            "which": "Which discriminator: 'chapter' (the chapter's GAN as printed), 'remedy' (the remedy recipe's) "
            "or 'cgan' (the conditional one).",
            "label": "The digit label shown to the conditional discriminator with the picture, 0 to 9 (ignored by the "
            "others).",
        },
        (
            ("d_of_x", "number: D(x), the probability the discriminator gives to 'real'"),
            ("verdict", "Markdown: the verdict in words"),
            ("per_label", "label scores: the conditional discriminator's D(x) under each label (empty for the others)"),
            ("seen", f"{IMAGE_OUT}: the 28×28 picture the discriminator judged"),
        ),
    ),
    "/discriminate_lineup": Doc(
        "Shows a discriminator a line-up of real test digits, generated digits and pure noise (for the conditional "
        "one also real digits under a wrong label) and reports its verdict on each.",
        {
            "which": "Which discriminator: 'chapter', 'remedy' or 'cgan'.",
            "label": "The digit the conditional GAN draws and the label its discriminator is shown, 0 to 9 (ignored "
            "by the others).",
            "epoch": "Which generator makes the fakes: the one after epoch '1', '10' or '60', or 'final' (the "
            "conditional GAN always uses its final one).",
            "seed": SEED,
        },
        (
            ("lineup", "gallery: each picture with D's verdict"),
            ("summary", "Markdown: the mean verdict on real and on generated pictures"),
        ),
    ),
    "/cgan_sample": Doc(
        "Asks the conditional GAN for a chosen digit, or for every digit as a grid (the chapter's figure 6-5).",
        {
            "digit": "'all' for one row per digit, or a single digit '0' to '9'.",
            "n": "Samples, 1 to 256 (with 'all': samples per row, at most 25).",
            "seed": SEED,
        },
        (
            ("digits", f"{IMAGE_OUT}, the grid of generated digits"),
            ("reading", "Markdown: what the classifier reads in them"),
        ),
    ),
    "/latent_walk": Doc(
        "Walks one of the GAN's ten noise numbers from −3 to +3 while the other nine stay fixed.",
        {
            "seed": "Seed of the starting noise vector.",
            "dim": "Which noise number to move, 0 to 9.",
            "k": "Steps from −3 to +3, 2 to 25.",
        },
        (
            ("walk", f"{IMAGE_OUT}: one digit per step, left to right"),
            ("reading", "Markdown: the digit the classifier reads at each step"),
        ),
    ),
    "/latent_grid": Doc(
        "Maps two of the GAN's noise numbers at once: a grid of digits with one number across and one down.",
        {
            "seed": "Seed of the starting noise vector (the other eight numbers).",
            "dim_x": "Noise number that changes across, 0 to 9.",
            "dim_y": "Noise number that changes down, 0 to 9.",
            "k": "Steps per side, 2 to 15.",
            "span": "The map runs from −span to +span on both axes, 1 to 10.",
        },
        (("map", f"{IMAGE_OUT}, the k×k grid of digits"),),
    ),
    "/latent_path": Doc(
        "Walks a straight line between two points of the map of two noise numbers.",
        {
            "seed": "Seed of the starting noise vector (the other eight numbers).",
            "dim_x": "Noise number of the first coordinate, 0 to 9.",
            "dim_y": "Noise number of the second coordinate, 0 to 9.",
            "start": "Starting point as text '(across, down)', each between −10 and 10, e.g. '(2, 5)'.",
            "end": "End point in the same form, e.g. '(6, 1)'.",
            "k": "Steps, 2 to 25.",
        },
        (
            ("path", f"{IMAGE_OUT}: one digit per step from start (left) to end (right)"),
            ("reading", "Markdown: the digit the classifier reads at each step"),
        ),
    ),
    "/latent_vector": Doc(
        "Draws the digit for a noise vector typed in by hand: the GAN's ten noise numbers.",
        {f"z{i}": f"Noise number z[{i}], −3 to 3." for i in range(10)},
        (
            ("digit", f"{IMAGE_OUT}: the digit these ten numbers give"),
            ("numbers", f"{IMAGE_OUT}: the ten numbers against the standard normal curve"),
            ("reading", "Markdown: what the classifier reads, and how likely such a vector is"),
        ),
    ),
    "/latent_interpolate": Doc(
        "Moves between the noise vectors of two seeds, along a straight line and along the sphere (slerp).",
        {"seed_a": "Seed of the left end.", "seed_b": "Seed of the right end.", "k": "Steps, 2 to 25."},
        (
            ("paths", f"{IMAGE_OUT}: top row linear, bottom row spherical"),
            ("norms", "Markdown: the length of the noise vector along each path"),
        ),
    ),
    "/latent_direction": Doc(
        "Moves a noise vector along a fitted semantic direction (thicker strokes, more slant, or towards a digit).",
        {
            "attribute": "Direction: 'thickness', 'slant' or 'digit0' to 'digit9'.",
            "seed": "Seed of the starting noise vector.",
            "alpha": "Distance along the direction, −5 to 5.",
            "keep": "An attribute to hold fixed by projecting its direction out, or 'none'.",
        },
        (
            ("digit", f"{IMAGE_OUT}: the digit at that distance"),
            ("strip", f"{IMAGE_OUT}: digits from −5 (left) to +5 (right) along the direction"),
            ("changes", "table: thickness, slant and the classifier's reading along the way"),
            ("summary", "Markdown: what changed"),
        ),
    ),
    "/noising": Doc(
        "Pushes an image towards pure noise with the forward process, under the linear, a constant-β and the cosine "
        "schedule (the chapter's figure 6-8).",
        {
            "image": "Any image file (default: a photo of Grace Hopper); it is shrunk to at most 128 pixels a side.",
            "steps": "Columns, i.e. moments t from 0 to T, 2 to 16.",
            "seed": SEED,
        },
        (
            ("rows", f"{IMAGE_OUT}: top row linear schedule, middle row constant β, bottom row cosine schedule"),
            ("caption", "Markdown: the moments shown and the signal kept halfway"),
            ("signal", "line plot data: ᾱ_t, the signal kept, for the three schedules"),
            ("snr", "line plot data: log₁₀ of the signal-to-noise ratio for the three schedules"),
            ("noise_per_step", "line plot data: log₁₀ β_t, the noise added at each step, for the three schedules"),
        ),
    ),
    "/schedule_twins": Doc(
        "Which noise schedule trains better? Draws one prompt with both schedule twins (two small U-Nets trained "
        "alike except for the schedule: DDPM's linear β and cosine) from the same starting noise, and returns their "
        "measured digit and colour accuracy and Fréchet distance against training steps, read from the twins' "
        "checkpoint cards, with what the measurement says about the chapter's claim that the cosine schedule helps "
        "the model learn.",
        {
            "prompt": "What both twins draw, in English (Chinese digit and colour words are translated), e.g. 'a red "
            "seven'; at most 300 characters; empty draws without a prompt.",
            "seed": SEED,
        },
        (
            (
                "samples",
                f"{IMAGE_OUT}: top row the linear-β twin, bottom row the cosine twin; 8 digits each, column k "
                "of both rows from the same starting noise",
            ),
            ("rows", "Markdown: how many digits of each row the judge finds matching the prompt"),
            ("verdict", "Markdown: the final figures of both twins and what they say about the chapter's claim"),
            ("digit_accuracy", "line plot data: judged digit accuracy on held-out prompts against training step"),
            ("colour_accuracy", "line plot data: judged colour accuracy on held-out prompts against training step"),
            ("frechet", "line plot data: Fréchet distance to real test digits against training step"),
        ),
    ),
    "/diffusion_generate": Doc(
        "Writes coloured digits from a prompt with the text-conditioned diffusion model (streamed; the API returns "
        "the final state).",
        {
            "prompt": "What to draw, in English (Chinese digit and colour words are translated), e.g. 'a thick green "
            "three'; at most 300 characters; empty draws without a prompt.",
            "sampler": "'ddim' (deterministic, 10 to 100 steps), 'dpmpp2m' (DPM-Solver++ 2M: deterministic, second "
            "order, 10 to 100 steps) or 'ddpm' (the chapter's reverse algorithm, all 1,000 steps).",
            "steps": "DDIM or DPM-Solver++ steps, 10 to 100 (DDPM ignores it).",
            "guidance": "Classifier-free guidance scale, 0 to 10: 0 ignores the prompt, 1 uses it plainly.",
            "seed": SEED,
            "n": "Number of images, 1 to 16.",
            "network": "'diffusion' (the diffusion model: guidance costs two network passes a step), "
            "'diffusion_distilled' (the default: its guidance-distilled copy, one pass a step with the scale as an "
            "input) or 'handover' (the diffusion model for the steps t ≥ 440, where the digit's shape is decided, "
            "the copy after them).",
        },
        (
            ("process", f"{IMAGE_OUT}: the noisy x_t (left) and the predicted clean image (right) at the last step"),
            ("result", f"{IMAGE_OUT}: the generated digits"),
            (
                "status",
                "Markdown: sampler, steps, guidance, seed, the prompt as encoded (everyday colour words mapped to the "
                "palette, e.g. crimson → red) and how many digits the judge finds matching the prompt",
            ),
            (
                "judged",
                "gallery: each digit with the judge's reading as its caption: the classifier's digit and confidence, "
                "the stroke colour and its closeness to that palette colour (cosine), ✓/✗ against the prompt",
            ),
        ),
    ),
    "/diffusion_guidance": Doc(
        "Draws the same prompt from the same seed at guidance 0, 1, 3 and 7 (DDIM, 25 steps, 4 digits each), so the "
        "guidance scale is the only difference, and judges each group against the prompt.",
        {
            "prompt": "What to draw, in English (Chinese digit and colour words are translated), e.g. 'a red seven'; "
            "at most 300 characters; empty draws without a prompt.",
            "seed": SEED,
        },
        (
            (
                "gallery",
                "gallery: one 2×2 group of digits per guidance scale, captioned with the scale and how many the judge "
                "finds matching the prompt",
            ),
            ("text", "Markdown: what changes with the guidance scale, with the judged counts"),
        ),
    ),
    "/solver_comparison": Doc(
        "Draws one prompt from one seed, so from the same starting noise, with the chapter's DDPM (all 1,000 steps), "
        "with DDIM and DPM-Solver++ 2M at 10 to 25 steps (guidance 4), and with DPM-Solver++ 2M driving the "
        "guidance-distilled network (one network pass a step instead of two); times each and judges every digit "
        "against the prompt (streamed: the few-step solvers first; the API returns the final state).",
        {
            "prompt": "What to draw, in English (Chinese digit and colour words are translated), e.g. 'a red seven'; "
            "it must name a digit or a colour (the judge checks them); at most 300 characters.",
            "solvers": "Which to compare, at least two of 'ddpm', 'ddim', 'dpmpp2m' (DPM-Solver++ 2M) and "
            "'dpmpp2m_distilled' (DPM-Solver++ 2M with the guidance-distilled network).",
            "steps": "Steps for DDIM and DPM-Solver++ 2M, 10 to 25 (DDPM always takes all 1,000).",
            "seed": SEED,
            "n": "Digits per solver, 1 to 4.",
        },
        (
            (
                "gallery",
                "gallery: one picture per solver (its digits), captioned with its steps, wall time in seconds and how "
                "many digits the judge finds matching the prompt",
            ),
            (
                "table",
                "Markdown table: per solver its wall time, the judge's reading of each digit (digit and confidence, "
                "stroke colour and closeness, ✓/✗ against the prompt) and how many match",
            ),
            ("text", "Markdown: one sentence on what the comparison shows (speed ratio and judged matches)"),
        ),
    ),
    "/noise_prediction": Doc(
        "Shows what the diffusion network is trained to do (the forward algorithm's steps 3 to 6 on one digit): the "
        "noise ε added to reach step t, the network's estimate ε̂ and the loss ‖ε̂ − ε‖², beside the trained model's "
        "average loss against t over 64 test digits.",
        {
            "source": "'test' (an MNIST test digit, painted in the caption's colour) or 'image' (the given picture).",
            "index": "Which MNIST test digit, 0 to 9999.",
            "image": "A picture of a digit (any size or format), used when source is 'image'; prepared like the "
            "training images.",
            "caption": "The caption the network is given, in English (Chinese digit and colour words are translated); "
            "empty gives the unconditional estimate. At most 300 characters.",
            "t": "The step of the forward process, 1 to 1000 (1: almost clean, 1000: pure noise).",
            "seed": "Seed of the noise ε; the same seed and settings give the same noise.",
            "guidance": "Classifier-free guidance scale for ε̂, 0 to 10 (1: the conditional estimate training asks "
            "for).",
        },
        (
            ("panels", "gallery: x0, ε, x_t, ε̂ and ε̂ − ε, each captioned (noise drawn grey for 0, ±2 black/white)"),
            ("summary", "Markdown: the loss for this digit and the average loss over the test digits at this t"),
            ("curve", "line plot data: mean loss per number against t, without caption, with it, and guided (3)"),
        ),
    ),
    "/reverse_step": Doc(
        "Takes one step x_t → x_{t−1} of the chapter's reverse algorithm (DDPM) for one digit, taken apart: x_t, the "
        "scaled noise estimate subtracted, the fresh noise σ_t·z added, x_{t−1} and the clean image ε̂ implies, with "
        "the coefficients. The path from pure noise to step t is fixed by the seed, so any t can be asked for directly "
        "(the app walks there first).",
        {
            "prompt": "What to draw, in English, e.g. 'a red seven'; at most 300 characters; empty draws without one.",
            "seed": "Seed of x_T and of every fresh noise z; the same seed gives the same path.",
            "guidance": "Classifier-free guidance scale, 0 to 10.",
            "t": "The step to take, 1 to 1000 (from x_t to x_{t−1}).",
        },
        (
            ("panels", "gallery: x_t, the subtracted term, the added noise (both magnified), x_{t−1} and x̂0"),
            ("explanation", "Markdown: t, β_t, α_t, ᾱ_t, 1/√α_t, β_t/√(1−ᾱ_t), σ_t and the sizes of both parts"),
            ("next_t", "the next step to take (t − 1; after the last step 1000 again)"),
        ),
    ),
    "/prompt_experiment": Doc(
        "Reruns the chapter's fixed-seed prompt experiment: the same noise under variants of one prompt (word order, "
        "or colour words swapped), with the cosine similarity of their embeddings.",
        {
            "prompt": "The prompt to vary, in English, e.g. 'ornate red seven'.",
            "mode": "'permute' (reorder its words) or 'colour' (swap its colour word).",
            "seed": SEED,
            "guidance": "Classifier-free guidance scale, 0 to 10.",
            "sampler": "'ddim' (default), 'dpmpp2m' (DPM-Solver++ 2M), both 25 steps, or 'ddpm' (all 1,000 steps, the "
            "same fresh noise for every variant).",
        },
        (
            (
                "gallery",
                "gallery: one image per prompt variant, captioned with its cosine similarity to the first and the "
                "judge's reading (digit and confidence, colour and closeness, ✓/✗ against that variant)",
            ),
            ("table", "Markdown: the variants, their similarities and the judge's readings, and how many match"),
        ),
    ),
    "/img2img": Doc(
        "Redraws an image with the diffusion model (img2img): noises it part of the way, then runs the reverse "
        "process guided by a prompt. Give an uploaded image or a drawing.",
        {
            "image": "An image file to start from (any size or format), or leave empty and give a drawing.",
            "drawing": "A sketchpad drawing to start from, used when no image is given.",
            "prompt": "What the redrawing should show, in English, e.g. 'a white four'; may be empty.",
            "strength": "Share of the noise schedule applied, 0 to 1: 0 keeps the image, 1 ignores it.",
            "seed": SEED,
            "n": "Variations, 1 to 8.",
            "sampler": "'ddim' (default), 'dpmpp2m' (DPM-Solver++ 2M) or 'ddpm' (the chapter's reverse algorithm: "
            "every step from t = strength·1000 down, with fresh noise).",
        },
        (
            ("seen", f"{IMAGE_OUT}: the image as the model takes it (28×28)"),
            ("start", f"{IMAGE_OUT}: after adding noise, where the reverse process starts"),
            ("redrawn", f"{IMAGE_OUT}: the redrawn variations"),
            (
                "status",
                "Markdown: the strength as a step of the schedule, the sampler, the share of the image kept and how "
                "many redrawings the judge finds matching the prompt",
            ),
            ("judged", "gallery: each redrawing with the judge's reading as its caption (as /diffusion_generate)"),
        ),
    ),
    "/classify": Doc(
        "Reads a handwritten digit with the project's classifier (the judge every other tab uses). Give a drawing or "
        "an uploaded image.",
        {
            "drawing": "A sketchpad drawing of one digit, used when no upload is given.",
            "upload": "An image file of one digit (any size or format); it is prepared like an MNIST digit.",
        },
        (
            ("label", "label scores: the probability of each digit 0 to 9"),
            ("seen", f"{IMAGE_OUT}: the 28×28 picture the network read"),
        ),
    ),
}


def endpoint_docs(demo: gr.Blocks) -> dict[str, Doc]:
    """Each public endpoint's Doc, by its API name. A Doc is found by that name or by its handler's: Gradio numbers an
    endpoint whose name another event of the same handler already took (/latent_vector_10)."""
    out = {}
    for dep in demo.fns.values():
        if dep.api_visibility == "public" and dep.fn is not None:
            doc = DOCS.get(f"/{dep.api_name}") or DOCS.get(f"/{getattr(dep.fn, '__name__', '')}")
            if doc is not None:
                out[f"/{dep.api_name}"] = doc
    return out


def document(demo: gr.Blocks) -> None:
    """Give every documented public endpoint its description and its handler the docstring MCP reads."""
    docs = endpoint_docs(demo)
    for dep in demo.fns.values():
        doc = docs.get(f"/{dep.api_name}") if dep.api_visibility == "public" else None
        if doc is not None:
            dep.api_description = doc.description()
            dep.fn.__doc__ = doc.docstring()


def english(label) -> str:
    """A component label as the API shows it: translated labels arrive as '__i18n__{…"key": …}'."""
    s = str(label)
    if s.startswith("__i18n__"):
        try:
            return tr(json.loads(s[len("__i18n__") :])["key"], "en")
        except (ValueError, KeyError, TypeError):
            return s
    return s


def annotate(info: dict, docs: dict[str, Doc]) -> dict:
    """Parameter and return descriptions, and English labels, in Gradio's API info (view_api, the API page, MCP)."""
    for name, ep in info.get("named_endpoints", {}).items():
        doc = docs.get(name)
        for p in ep.get("parameters", []):
            p["label"] = english(p.get("label", ""))
            text = doc.params.get(p.get("parameter_name")) if doc else None
            if text:
                p.setdefault("python_type", {})["description"] = text
                if isinstance(p.get("type"), dict):  # a copy: the schema dict belongs to the component's config
                    p["type"] = {**p["type"], "description": text}
        returns = ep.get("returns", [])
        for i, r in enumerate(returns):
            r["label"] = english(r.get("label", ""))
            if doc and len(doc.returns) == len(returns):
                r["label"] = doc.returns[i][0]
                r.setdefault("python_type", {})["description"] = doc.returns[i][1]
    return info


class DocumentedBlocks(gr.Blocks):
    """gr.Blocks whose API info carries the descriptions above (Gradio supports overriding get_api_info)."""

    def get_api_info(self, all_endpoints: bool = False, page: str | None = None):
        return annotate(super().get_api_info(all_endpoints=all_endpoints, page=page), endpoint_docs(self))
