"""Evaluation of the GANs (python -m gendemo.evaluate gan|cgan): class shares, KL to uniform, entropy,
conditional accuracy, and the Fréchet distance to real test digits in the classifier's feature space."""

from __future__ import annotations

import time

import torch

from gendemo.classifier.evaluate import real_test_features
from gendemo.classifier.model import load_classifier, predict
from gendemo.core.metrics import class_shares, frechet_between, share_table
from gendemo.gan.model import load_cgan, load_gan
from gendemo.gan.recipes import artifact
from gendemo.gan.sampling import sample_cgan, sample_gan


@torch.no_grad()
def evaluate_gan_model(g, judge, n=10_000, seed=0, data_dir=None) -> dict:
    t0 = time.time()
    imgs = sample_gan(g, n, seed)
    probs, feats = predict(judge, imgs)
    st = share_table(class_shares(probs.argmax(1)))
    fd = frechet_between(real_test_features(judge, data_dir), feats)
    return {
        "n": n,
        **st,
        "mean_confidence": round(probs.max(1).values.mean().item(), 4),
        "frechet_distance": round(fd, 3),
        "seconds": round(time.time() - t0, 2),
    }


@torch.no_grad()
def evaluate_cgan_model(g, judge, n=10_000, seed=0, data_dir=None) -> dict:
    t0 = time.time()
    digits = torch.arange(10).repeat_interleave(max(1, n // 10))
    imgs = sample_cgan(g, digits, seed)
    probs, feats = predict(judge, imgs)
    pred = probs.argmax(1).cpu()
    per_digit = [round((pred[digits == d] == d).float().mean().item(), 4) for d in range(10)]
    st = share_table(class_shares(pred))
    fd = frechet_between(real_test_features(judge, data_dir), feats)
    return {
        "n": len(digits),
        "class_accuracy": round((pred == digits).float().mean().item(), 4),
        "per_digit_accuracy": per_digit,
        **st,
        "frechet_distance": round(fd, 3),
        "seconds": round(time.time() - t0, 2),
    }


def evaluate_gan(args, device) -> dict:
    name = artifact(getattr(args, "recipe", None))  # gan (remedy) or gan_chapter
    judge, _ = load_classifier(device=device)
    g, _ = load_gan(args.checkpoint, device, name=name)
    return {"model": name, **evaluate_gan_model(g, judge, args.n or 10_000, args.seed, args.data_dir)}


def evaluate_cgan(args, device) -> dict:
    judge, _ = load_classifier(device=device)
    g, _ = load_cgan(args.checkpoint, device)
    return {"model": "cgan", **evaluate_cgan_model(g, judge, args.n or 10_000, args.seed, args.data_dir)}
