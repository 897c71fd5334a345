"""The digit classifier: the judge for every generator in the app, and the feature space for the Fréchet distance."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn as nn
import torch.nn.functional as F

from gendemo.core.checkpoints import build_checked, load_checkpoint
from gendemo.core.config import Bound, config_from_card, floats, ints
from gendemo.core.paths import CHECKPOINT_DIR


@dataclass
class ClassifierConfig:
    channels: tuple[int, int] = (32, 64)  # conv widths of the two 28→14→7 stages
    features: int = 128  # penultimate width; these activations define the Fréchet distance
    dropout: float = 0.3  # before the last layer

    # What a card may ask for (checked before anything is built): ~10× the shipped widths at most.
    BOUNDS: ClassVar[dict[str, Bound]] = {
        "channels": ints(1, 512, items=(2, 2)),
        "features": ints(1, 4096),
        "dropout": floats(0.0, 0.99),
    }


class Classifier(nn.Module):
    def __init__(self, cfg: ClassifierConfig = ClassifierConfig()):
        super().__init__()
        self.cfg = cfg
        c1, c2 = cfg.channels

        def block(cin, cout):
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]

        self.body = nn.Sequential(
            *block(1, c1),
            *block(c1, c1),
            nn.MaxPool2d(2),  # 28 → 14
            *block(c1, c2),
            *block(c2, c2),
            nn.MaxPool2d(2),  # 14 → 7
            nn.Flatten(),
            nn.Linear(c2 * 7 * 7, cfg.features),
            nn.BatchNorm1d(cfg.features),
            nn.ReLU(inplace=True),
        )
        self.drop = nn.Dropout(cfg.dropout)
        self.head = nn.Linear(cfg.features, 10)

    def features(self, x: torch.Tensor) -> torch.Tensor:
        # x: (B, 1, 28, 28) in [0, 1], white digit on black → (B, features)
        return self.body(normalize(x))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.drop(self.features(x)))


MNIST_MEAN, MNIST_STD = 0.1307, 0.3081


def normalize(x: torch.Tensor) -> torch.Tensor:
    return (x - MNIST_MEAN) / MNIST_STD


def to_ink(x: torch.Tensor) -> torch.Tensor:
    """(B, C, H, W) in [0,1] → (B, 1, H, W) ink intensity. Colour → max over channels, so a blue 7 is as inky as a white
    one (luminance would make dark blue strokes faint)."""
    return x if x.shape[1] == 1 else x.amax(dim=1, keepdim=True)


def black_background(ink: torch.Tensor) -> torch.Tensor:
    """Stretch each image so its background (the median pixel: most of a digit image is background) is black.
    MNIST backgrounds are exactly 0 and the classifier never saw a grey one; a generated digit on a faint tint would
    otherwise be judged by its tint. Real MNIST digits pass unchanged (their median is 0)."""
    bg = ink.flatten(1).median(dim=1).values.view(-1, 1, 1, 1)
    return ((ink - bg) / (1 - bg).clamp_min(1e-3)).clamp(0, 1)


@torch.no_grad()
def predict(model: Classifier, x: torch.Tensor, batch_size: int = 1000) -> tuple[torch.Tensor, torch.Tensor]:
    """Class probabilities and penultimate features for images in [0, 1] (grey or colour)."""
    model.eval()
    probs, feats = [], []
    for i in range(0, x.shape[0], batch_size):
        xb = black_background(to_ink(x[i : i + batch_size]).float())
        f = model.features(xb)
        probs.append(F.softmax(model.head(f), dim=1))
        feats.append(f)
    return torch.cat(probs), torch.cat(feats)


def load_classifier(path=None, device="cpu") -> tuple[Classifier, dict]:
    path = path or CHECKPOINT_DIR / "classifier.safetensors"
    state, card = load_checkpoint(path, "classifier")
    cfg = config_from_card(ClassifierConfig, card["config"])
    model = build_checked(lambda: Classifier(cfg), state, path, "classifier")
    return model.to(device).eval(), card


def app_loader(device) -> Classifier:
    return load_classifier(device=device)[0]
