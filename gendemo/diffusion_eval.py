"""Evaluation of the text-conditioned diffusion model (python -m gendemo.evaluate diffusion): over the held-out prompts in
eval_prompts.tsv, does the image show the asked digit (the classifier, on max-over-channels ink) and the asked colour
(mean colour of the brightest stroke pixels, nearest palette colour by direction)? Plus the Fréchet distance to real test
digits in the classifier's feature space (as for the GANs) and the sampling time per image."""
from __future__ import annotations

import time
from pathlib import Path

import torch

from .analysis import frechet_between
from .captions import EVAL_PROMPTS_PATH, PALETTE_NAMES, load_eval_prompts, name_colours
from .classifier import load_classifier, predict
from .diffusion import DEFAULT_GUIDANCE, DEFAULT_STEPS, embed_prompts, generate, load_diffusion
from .evaluate import evaluator
from .gan_eval import real_test_features


def _share(hits: torch.Tensor):
    return round(hits.float().mean().item(), 3) if hits.numel() else None  # None, not NaN: the output must stay valid JSON


@torch.no_grad()
def evaluate_diffusion_model(model, encoder, judge, prompts=None, n_per_prompt: int = 4, steps: int = DEFAULT_STEPS,
                             guidance: float = DEFAULT_GUIDANCE, seed: int = 0, sampler: str = "ddim", data_dir=None,
                             batch: int = 16, frechet: bool = True) -> dict:
    prompts = prompts or load_eval_prompts()
    texts = [p.prompt for p in prompts]
    emb, _ = embed_prompts(model, encoder, texts)  # encoded once, outside the timed sampling
    emb = emb.repeat_interleave(n_per_prompt, 0)
    want_d = torch.tensor([-1 if p.digit is None else p.digit for p in prompts]).repeat_interleave(n_per_prompt)
    want_c = torch.tensor([-1 if p.colour is None else p.colour for p in prompts]).repeat_interleave(n_per_prompt)
    imgs = []
    t0 = time.time()
    for i in range(0, emb.shape[0], batch):  # batches of 16, as the app's default grid
        imgs.append(generate(model, None, [""] * emb[i : i + batch].shape[0], n=1, steps=steps, guidance=guidance, seed=seed + i,
                             sampler=sampler, text_emb=emb[i : i + batch]).cpu())
    seconds = time.time() - t0
    imgs = torch.cat(imgs)
    probs, feats = predict(judge, imgs.to(next(judge.parameters()).device))
    got_d = probs.argmax(1).cpu()
    got_c = name_colours(imgs)
    md, mc = want_d >= 0, want_c >= 0
    out = {
        "n": int(imgs.shape[0]), "prompts": len(prompts), "sampler": sampler, "steps": steps, "guidance": guidance,
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


@evaluator("diffusion")
def _diffusion(args, device):
    from .text import get_encoder

    judge, _ = load_classifier(device=device)
    model, card = load_diffusion(args.checkpoint, device)
    prompts = load_eval_prompts(getattr(args, "prompts", None))
    n_per = max(1, (args.n or 4 * len(prompts)) // len(prompts))
    res = evaluate_diffusion_model(model, get_encoder(None, device), judge, prompts, n_per_prompt=n_per, seed=args.seed,
                                   data_dir=args.data_dir)
    prompt_file = Path(getattr(args, "prompts", None) or EVAL_PROMPTS_PATH).name
    return {"model": "diffusion", "schedule": card.get("schedule"), "prompt_file": prompt_file, **res}
