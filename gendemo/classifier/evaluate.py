"""Measuring with the judge: the classifier's own accuracy (python -m gendemo.evaluate classifier), and the features of
the real test digits that every generator's Fréchet distance is measured against."""

from __future__ import annotations

import time
import weakref

import torch

from gendemo.classifier.model import load_classifier, predict
from gendemo.core.data import load_mnist
from gendemo.core.metrics import frechet_between

# judge → {data folder → features}; weak, so a judge that is dropped takes its features with it (an id() key could be
# reused by a later judge and hand it the features of another network)
_REAL_FEATS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def real_test_features(judge, data_dir=None) -> torch.Tensor:
    """(10000, features) of the MNIST test digits, computed once per judge and data folder."""
    per_folder = _REAL_FEATS.setdefault(judge, {})
    if str(data_dir) not in per_folder:
        test = load_mnist("test", data_dir, next(judge.parameters()).device)
        per_folder[str(data_dir)] = predict(judge, test.images)[1]
    return per_folder[str(data_dir)]


@torch.no_grad()
def evaluate_classifier_model(model, data_dir=None, device=None) -> dict:
    device = device or next(model.parameters()).device
    t0 = time.time()
    test = load_mnist("test", data_dir, device)
    probs, _ = predict(model, test.images)
    acc = (probs.argmax(1) == test.labels).float().mean().item()
    return {"accuracy": round(acc, 5), "n": len(test), "seconds": round(time.time() - t0, 2)}


def evaluate_classifier(args, device) -> dict:
    model, _ = load_classifier(args.checkpoint, device)
    return {"model": "classifier", **evaluate_classifier_model(model, args.data_dir, device)}


def evaluate_real(args, device) -> dict:
    # A reference point for the Fréchet figures: MNIST training digits against the test digits.
    judge, _ = load_classifier(device=device)
    train = load_mnist("train", args.data_dir, device, limit=args.n or 10_000)
    feats = predict(judge, train.images)[1]
    fd = frechet_between(real_test_features(judge, args.data_dir), feats)
    return {"model": "real", "n": len(train), "frechet_distance": round(fd, 3)}
