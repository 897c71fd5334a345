"""Evaluation of the text-conditioned diffusion model (python -m gendemo.evaluate diffusion): over the held-out prompts
in eval_prompts.tsv, does the image show the asked digit (the classifier, on max-over-channels ink) and the asked colour
(mean colour of the brightest stroke pixels, nearest palette colour by direction)? Plus the Fréchet distance to real
test digits in the classifier's feature space (as for the GANs) and the sampling time per image and per batch of 16.
And the chapter's enhancement use of img2img: blurry, noisy, low-resolution test digits redrawn at strength 0.5 — is
the right digit still there? --solver and --steps choose the sampler for all of it (default: DDIM, 25 steps)."""

from __future__ import annotations

import statistics
import time
from pathlib import Path

import torch

from gendemo.classifier.evaluate import real_test_features
from gendemo.classifier.model import load_classifier, predict
from gendemo.core.metrics import frechet_between
from gendemo.diffusion.captions import EVAL_PROMPTS_PATH, PALETTE_NAMES, load_eval_prompts, name_colours
from gendemo.diffusion.model import load_diffusion
from gendemo.diffusion.sampling import DEFAULT_GUIDANCE, DEFAULT_STEPS, embed_prompts, generate


def _share(hits: torch.Tensor):
    return (
        round(hits.float().mean().item(), 3) if hits.numel() else None
    )  # None, not NaN: the output must stay valid JSON


@torch.no_grad()
def evaluate_diffusion_model(
    model,
    encoder,
    judge,
    prompts=None,
    n_per_prompt: int = 4,
    steps: int = DEFAULT_STEPS,
    guidance: float = DEFAULT_GUIDANCE,
    seed: int = 0,
    sampler: str = "ddim",
    data_dir=None,
    batch: int = 16,
    frechet: bool = True,
    precision: str = "auto",
) -> dict:
    prompts = prompts or load_eval_prompts()
    texts = [p.prompt for p in prompts]
    emb, _ = embed_prompts(model.net, encoder, texts)  # encoded once, outside the timed sampling
    emb = emb.repeat_interleave(n_per_prompt, 0)
    want_d = torch.tensor([-1 if p.digit is None else p.digit for p in prompts]).repeat_interleave(n_per_prompt)
    want_c = torch.tensor([-1 if p.colour is None else p.colour for p in prompts]).repeat_interleave(n_per_prompt)
    imgs, batch_seconds = [], []
    t0 = time.time()
    for i in range(0, emb.shape[0], batch):  # batches of 16, as the app's default grid
        tb = time.perf_counter()
        imgs.append(
            generate(
                model,
                None,
                [""] * emb[i : i + batch].shape[0],
                n=1,
                steps=steps,
                guidance=guidance,
                seed=seed + i,
                sampler=sampler,
                text_emb=emb[i : i + batch],
                precision=precision,
            ).cpu()
        )
        if imgs[-1].shape[0] == batch:  # a short last batch is not a batch of 16
            batch_seconds.append(time.perf_counter() - tb)
    seconds = time.time() - t0
    imgs = torch.cat(imgs)
    probs, feats = predict(judge, imgs.to(next(judge.parameters()).device))
    got_d = probs.argmax(1).cpu()
    got_c = name_colours(imgs)
    md, mc = want_d >= 0, want_c >= 0
    out = {
        "n": int(imgs.shape[0]),
        "prompts": len(prompts),
        "sampler": sampler,
        "steps": steps,
        "guidance": guidance,
        "digit_accuracy": round((got_d[md] == want_d[md]).float().mean().item(), 4),
        "colour_accuracy": round((got_c[mc] == want_c[mc]).float().mean().item(), 4),
        "both_accuracy": round(((got_d == want_d) & (got_c == want_c))[md & mc].float().mean().item(), 4),
        "per_digit_accuracy": [_share(got_d[want_d == d] == d) for d in range(10)],
        "per_colour_accuracy": {name: _share(got_c[want_c == c] == c) for c, name in enumerate(PALETTE_NAMES)},
        "seconds_per_image": round(seconds / imgs.shape[0], 4),
        # the speed goal is for one batch of 16; the median leaves out the first batch's warm-up
        "seconds_per_batch": round(statistics.median(batch_seconds), 4) if batch_seconds else None,
        "batch": batch,
    }
    if frechet:
        out["frechet_distance"] = round(frechet_between(real_test_features(judge, data_dir), feats), 3)
    return out


def degrade(gray: torch.Tensor, seed: int = 0, low: int = 10, size: int = 112, noise: float = 0.15) -> list:
    """(B, 1, 28, 28) digits → the chapter's "poor image" as (size, size, 3) arrays: shrunk to low×low pixels, blown up
    again (blurred) and overlaid with Gaussian noise of standard deviation `noise`."""
    import numpy as np
    from PIL import Image

    g = torch.Generator().manual_seed(seed)
    out = []
    for a in gray[:, 0].cpu().numpy():
        im = (
            Image.fromarray((a * 255).astype(np.uint8))
            .resize((low, low), Image.BILINEAR)
            .resize((size, size), Image.BILINEAR)
        )
        b = np.asarray(im, np.float32) / 255 + noise * torch.randn(size, size, generator=g).numpy()
        out.append(np.repeat(np.clip(b, 0, 1)[:, :, None], 3, axis=2))
    return out


def half_lit_share(images: torch.Tensor) -> float:
    """What a person sees as "grey and blurry", as a number: of the lit pixels (brightest channel above 0.1 of the
    image's brightest), the share lit less than half as bright as the brightest. A crisp stroke is saturated inside
    with a thin soft edge; a blurred one is mostly edge. (B, 3, H, W) in [0, 1] → mean over the batch."""
    v = images.float().amax(1)  # (B, H, W): the brightest channel, so a coloured stroke counts like a white one
    top = v.flatten(1).amax(1).clamp_min(1e-6)[:, None, None]
    lit = v > 0.1 * top
    half = lit & (v < 0.5 * top)
    return round((half.flatten(1).sum(1) / lit.flatten(1).sum(1).clamp_min(1)).mean().item(), 4)


# The two ways of redrawing a poor digit that the enhancement figure compares: (sampler, strength). DDIM at 0.5 is the
# img2img default; DDPM at 0.35 is the Prompts tab's "clean up" example — DDPM draws fresh noise at every step, so the
# model re-decides the fine strokes many times instead of following one deterministic path from the blurred start.
ENHANCE_METHODS = (("ddim", 0.5), ("ddpm", 0.35))


@torch.no_grad()
def evaluate_enhancement(
    model,
    encoder,
    judge,
    data_dir=None,
    n: int = 96,
    seed: int = 0,
    methods=ENHANCE_METHODS,
    steps: int = DEFAULT_STEPS,
) -> dict:
    """The chapter's enhancement use of img2img: the first n MNIST test digits, degraded (see degrade), prepared as the
    app prepares an upload, noised to strength·T and redrawn by each method. Does the classifier still read the right
    digit — redrawn with an empty prompt (the model alone), and with a prompt naming the digit (a white seven)? And do
    the results look crisp: half_lit_share of the inputs, of the redrawings and of the real test digits. DDIM and
    DPM-Solver++ take the step size of a full run of `steps`."""
    from gendemo.core.data import load_mnist
    from gendemo.diffusion.captions import DIGIT_WORDS
    from gendemo.diffusion.init_image import prepare_init_array
    from gendemo.diffusion.sampling import img2img

    test = load_mnist("test", data_dir, "cpu", limit=n)
    labels = test.labels
    inits = torch.stack([prepare_init_array(a) for a in degrade(test.images, seed)])
    dev = next(judge.parameters()).device
    acc = lambda x: round((predict(judge, x.to(dev))[0].argmax(1).cpu() == labels).float().mean().item(), 4)
    out = {
        "enhance_n": int(labels.numel()),
        "enhance_strength": methods[0][1],
        "enhance_input_accuracy": acc(inits),
        "enhance_half_lit_mnist": half_lit_share(test.images.expand(-1, 3, -1, -1)),
        "enhance_half_lit_input": half_lit_share(inits),
    }
    for i, (sampler, strength) in enumerate(methods):
        tag = "" if i == 0 else f"_{sampler}"  # the first method keeps the card's original keys
        if i:
            out[f"enhance_strength{tag}"] = strength
        for name, prompts in (
            ("empty_prompt", [""] * len(labels)),
            ("digit_prompt", [f"a white {DIGIT_WORDS[d]}" for d in labels.tolist()]),
        ):
            redrawn = img2img(
                model, encoder, inits, prompts, strength=strength, seed=seed, sampler=sampler, steps=steps
            )
            out[f"enhance_accuracy_{name}{tag}"] = acc(redrawn)
            if name == "digit_prompt":
                out[f"enhance_half_lit{tag or '_' + sampler}"] = half_lit_share(redrawn)
    return out


def evaluate_diffusion(args, device) -> dict:
    from gendemo.diffusion.text import get_encoder

    judge, _ = load_classifier(device=device)
    kind = getattr(args, "model", None) or "diffusion"  # the shipped model or a schedule twin (catalog rows)
    if getattr(args, "handover", False):  # the diffusion model for the noisy steps, its distilled copy after them
        from gendemo.diffusion.handover import load_handover

        model, cards = load_handover(device)
        kind, card = "handover", cards["diffusion"]
    else:
        model, card = load_diffusion(args.checkpoint, device, kind=kind)
    encoder = get_encoder(None, device)
    if getattr(args, "failures", False):
        return write_failures(model, card, encoder, judge, args)
    if getattr(args, "enhancement", False):
        return {"model": "diffusion", **evaluate_enhancement(model, encoder, judge, args.data_dir, seed=args.seed)}
    prompt_file = Path(args.prompts or EVAL_PROMPTS_PATH)
    prompts = load_eval_prompts(prompt_file)
    n_per = max(1, (args.n or 4 * len(prompts)) // len(prompts))
    sampler, steps = getattr(args, "solver", None) or "ddim", getattr(args, "steps", None) or DEFAULT_STEPS
    guidance = DEFAULT_GUIDANCE if getattr(args, "guidance", None) is None else args.guidance
    res = evaluate_diffusion_model(
        model,
        encoder,
        judge,
        prompts,
        n_per_prompt=n_per,
        seed=args.seed,
        data_dir=args.data_dir,
        sampler=sampler,
        steps=steps,
        guidance=guidance,
        precision=getattr(args, "precision", "auto"),
    )
    # with --solver, the enhancement uses that sampler alone (at the img2img default strength)
    methods = ((sampler, ENHANCE_METHODS[0][1]),) if getattr(args, "solver", None) else ENHANCE_METHODS
    enh = evaluate_enhancement(model, encoder, judge, args.data_dir, seed=args.seed, methods=methods, steps=steps)
    from gendemo.core.device import resolve_precision

    precision = resolve_precision(getattr(args, "precision", "auto"), device)
    out = {"model": kind, "schedule": card.get("schedule"), "prompt_file": prompt_file.name, "precision": precision}
    return {**out, **res, **enh}


def write_failures(model, card, encoder, judge, args) -> dict:
    """The failure gallery of the Diffusion tab: both held-out prompt files (or --prompts), 4 images each."""
    from gendemo.diffusion.judging import FAILURES_PATH, collect_failures, save_failures

    files = (
        [Path(args.prompts)]
        if args.prompts
        else [EVAL_PROMPTS_PATH, EVAL_PROMPTS_PATH.with_name("eval_prompts_fresh.tsv")]
    )
    prompts = [p for f in files for p in load_eval_prompts(f)]
    res = collect_failures(
        model,
        encoder,
        judge,
        prompts,
        n_per_prompt=max(1, (args.n or 4 * len(prompts)) // len(prompts)),
        seed=args.seed,
    )
    res = {"prompt_files": [f.name for f in files], **res}
    save_failures(res, card.get("sha256", ""))
    return {
        "model": "diffusion",
        "written": str(FAILURES_PATH.name),
        **{k: v for k, v in res.items() if k != "failures"},
    }
