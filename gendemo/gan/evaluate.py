"""Evaluation of the GANs (python -m gendemo.evaluate gan|cgan): class shares, KL to uniform, entropy,
conditional accuracy, and the Fréchet distance to real test digits in the classifier's feature space."""

from __future__ import annotations

import time
from pathlib import Path

import torch

from gendemo.classifier.evaluate import real_test_features
from gendemo.classifier.model import load_classifier, predict
from gendemo.core.metrics import class_shares, frechet_between, share_table
from gendemo.core.paths import CHECKPOINT_DIR
from gendemo.gan.model import load_cgan, load_discriminator, load_gan
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


@torch.no_grad()
def evaluate_label_matching(d, images: torch.Tensor, labels: torch.Tensor) -> dict:
    """The conditional D on real test digits shown under each of the ten labels: does it know which label belongs?
    images (N, 1, 28, 28) in [0, 1], labels (N,). A D that ignores the label scores all ten alike."""
    from gendemo.gan.discriminate import real_probability

    n = len(labels)
    every = torch.stack([real_probability(d, images, torch.full((n,), k)) for k in range(10)], 1)  # (N, 10)
    true = every.gather(1, labels.view(-1, 1)).squeeze(1)
    wrong = (every.sum(1) - true) / 9
    return {
        "n_real": n,
        "d_under_true_label": round(true.mean().item(), 4),
        "d_under_wrong_labels": round(wrong.mean().item(), 4),
        "true_label_scored_highest": round((every.argmax(1) == labels).float().mean().item(), 4),
    }


def evaluate_gan(args, device) -> dict:
    name = artifact(getattr(args, "recipe", None))  # gan (remedy) or gan_chapter
    judge, _ = load_classifier(device=device)
    g, _ = load_gan(args.checkpoint, device, name=name)
    return {"model": name, **evaluate_gan_model(g, judge, args.n or 10_000, args.seed, args.data_dir)}


def evaluate_cgan(args, device) -> dict:
    judge, _ = load_classifier(device=device)
    g, _ = load_cgan(args.checkpoint, device)
    out = {"model": "cgan", **evaluate_cgan_model(g, judge, args.n or 10_000, args.seed, args.data_dir)}
    d_path = Path(args.checkpoint or CHECKPOINT_DIR / "cgan.safetensors")
    d_path = d_path.with_name(d_path.stem + "_discriminator.safetensors")
    if d_path.exists():  # its opponent, kept beside it: does it know which label belongs to a real digit?
        from gendemo.core.data import load_mnist

        d, _ = load_discriminator("cgan_discriminator", path=d_path, device=device)
        test = load_mnist("test", args.data_dir, limit=1000)
        out["discriminator_label_matching"] = evaluate_label_matching(d, test.images, test.labels.cpu())
    return out
