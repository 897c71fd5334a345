"""Evaluation of the text-conditioned diffusion model (python -m gendemo.evaluate diffusion): over the held-out prompts
in eval_prompts.tsv, does the image show the asked digit (the classifier, on max-over-channels ink) and the asked colour
(mean colour of the brightest stroke pixels, nearest palette colour by direction)? Plus the Fréchet distance to real
test digits in the classifier's feature space (as for the GANs) and the sampling time per image. And the chapter's
enhancement use of img2img: blurry, noisy, low-resolution test digits redrawn at strength 0.5 — is the right digit still
there?"""

from __future__ import annotations

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
) -> dict:
    prompts = prompts or load_eval_prompts()
    texts = [p.prompt for p in prompts]
    emb, _ = embed_prompts(model.net, encoder, texts)  # encoded once, outside the timed sampling
    emb = emb.repeat_interleave(n_per_prompt, 0)
    want_d = torch.tensor([-1 if p.digit is None else p.digit for p in prompts]).repeat_interleave(n_per_prompt)
    want_c = torch.tensor([-1 if p.colour is None else p.colour for p in prompts]).repeat_interleave(n_per_prompt)
    imgs = []
    t0 = time.time()
    for i in range(0, emb.shape[0], batch):  # batches of 16, as the app's default grid
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
            ).cpu()
        )
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


@torch.no_grad()
def evaluate_enhancement(
    model, encoder, judge, data_dir=None, n: int = 96, strength: float = 0.5, seed: int = 0
) -> dict:
    """The chapter's enhancement use of img2img: the first n MNIST test digits, degraded (see degrade), prepared as the
    app prepares an upload, noised to strength·T and redrawn. Does the classifier still read the right digit — redrawn
    with an empty prompt (the model alone), and with a prompt naming the digit (a white seven)?"""
    from gendemo.core.data import load_mnist
    from gendemo.diffusion.captions import DIGIT_WORDS
    from gendemo.diffusion.init_image import prepare_init_array
    from gendemo.diffusion.sampling import img2img

    test = load_mnist("test", data_dir, "cpu", limit=n)
    labels = test.labels
    inits = torch.stack([prepare_init_array(a) for a in degrade(test.images, seed)])
    dev = next(judge.parameters()).device
    acc = lambda x: round((predict(judge, x.to(dev))[0].argmax(1).cpu() == labels).float().mean().item(), 4)
    out = {"enhance_n": int(labels.numel()), "enhance_strength": strength, "enhance_input_accuracy": acc(inits)}
    for name, prompts in (
        ("empty_prompt", [""] * len(labels)),
        ("digit_prompt", [f"a white {DIGIT_WORDS[d]}" for d in labels.tolist()]),
    ):
        redrawn = img2img(model, encoder, inits, prompts, strength=strength, seed=seed)
        out[f"enhance_accuracy_{name}"] = acc(redrawn)
    return out


def evaluate_diffusion(args, device) -> dict:
    from gendemo.diffusion.text import get_encoder

    judge, _ = load_classifier(device=device)
    kind = getattr(args, "model", None) or "diffusion"  # the shipped model or a schedule twin (catalog rows)
    model, card = load_diffusion(args.checkpoint, device, kind=kind)
    encoder = get_encoder(None, device)
    if getattr(args, "failures", False):
        return write_failures(model, card, encoder, judge, args)
    prompt_file = Path(args.prompts or EVAL_PROMPTS_PATH)
    prompts = load_eval_prompts(prompt_file)
    n_per = max(1, (args.n or 4 * len(prompts)) // len(prompts))
    res = evaluate_diffusion_model(
        model, encoder, judge, prompts, n_per_prompt=n_per, seed=args.seed, data_dir=args.data_dir
    )
    enh = evaluate_enhancement(model, encoder, judge, args.data_dir, seed=args.seed)
    return {"model": kind, "schedule": card.get("schedule"), "prompt_file": prompt_file.name, **res, **enh}


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
