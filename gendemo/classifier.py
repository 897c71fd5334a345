"""The digit classifier: the judge for every generator in the app, and the feature space for the Fréchet distance."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

from .checkpoints import CHECKPOINT_DIR, load_checkpoint, load_into


@dataclass
class ClassifierConfig:
    channels: tuple[int, int] = (32, 64)  # conv widths of the two 28→14→7 stages
    features: int = 128  # penultimate width; these activations define the Fréchet distance
    dropout: float = 0.3  # before the last layer


class Classifier(nn.Module):
    def __init__(self, cfg: ClassifierConfig = ClassifierConfig()):
        super().__init__()
        self.cfg = cfg
        c1, c2 = cfg.channels

        def block(cin, cout):
            return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]

        self.body = nn.Sequential(
            *block(1, c1), *block(c1, c1), nn.MaxPool2d(2),  # 28 → 14
            *block(c1, c2), *block(c2, c2), nn.MaxPool2d(2),  # 14 → 7
            nn.Flatten(),
            nn.Linear(c2 * 7 * 7, cfg.features), nn.BatchNorm1d(cfg.features), nn.ReLU(inplace=True),
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
    """(B, C, H, W) in [0,1] → (B, 1, H, W) ink intensity. Colour → max over channels, so a blue 7 is as inky as a white one
    (luminance would make dark blue strokes faint)."""
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
    cfg = ClassifierConfig(**{k: tuple(v) if isinstance(v, list) else v for k, v in card["config"].items()})
    model = load_into(Classifier(cfg), state, path, "classifier")
    return model.to(device).eval(), card


def random_affine(x: torch.Tensor, generator: torch.Generator | None = None, max_rot=12.0, max_shift=2.5, scale=(0.9, 1.1)) -> torch.Tensor:
    """Small per-sample rotation/scale/shift, done on the device with one grid_sample (augmentation for training)."""
    b = x.shape[0]
    dev = x.device
    r = torch.rand(b, 4, generator=generator).to(dev)
    ang = (r[:, 0] * 2 - 1) * max_rot * np.pi / 180
    s = scale[0] + r[:, 1] * (scale[1] - scale[0])
    tx, ty = [(v * 2 - 1) * max_shift * 2 / x.shape[-1] for v in (r[:, 2], r[:, 3])]
    cos, sin = torch.cos(ang) / s, torch.sin(ang) / s
    theta = torch.stack([torch.stack([cos, -sin, tx], 1), torch.stack([sin, cos, ty], 1)], 1)
    grid = F.affine_grid(theta, list(x.shape), align_corners=False)
    return F.grid_sample(x, grid, align_corners=False, padding_mode="zeros")


# ---- a drawn or uploaded digit → the MNIST look ----

def mnist_preprocess(gray: np.ndarray) -> np.ndarray:
    """(H, W) float ink in [0,1] or raw grey → (28, 28) float in [0,1], prepared as MNIST was:
    white-on-black, cropped to the ink, longest side scaled to 20 px, centred by centre of mass in 28×28."""
    from PIL import Image

    g = np.asarray(gray, dtype=np.float32)
    if g.max() > 1.0:
        g = g / 255.0
    # Dark ink on a light page (paper, a white sketchpad): invert so the digit is the bright part, as in MNIST.
    border = np.concatenate([g[0], g[-1], g[:, 0], g[:, -1]])
    if np.median(border) > 0.5:
        g = 1.0 - g
    g = np.clip(g - np.median(border if np.median(border) <= 0.5 else 1.0 - border), 0, 1)
    mask = g > 0.1 * (g.max() if g.max() > 0 else 1)
    if not mask.any():
        return np.zeros((28, 28), np.float32)
    ys, xs = np.nonzero(mask)
    crop = g[ys.min() : ys.max() + 1, xs.min() : xs.max() + 1]
    h, w = crop.shape
    k = 20.0 / max(h, w)
    nh, nw = max(1, round(h * k)), max(1, round(w * k))
    small = np.asarray(Image.fromarray((crop * 255).astype(np.uint8)).resize((nw, nh), Image.LANCZOS), np.float32) / 255
    out = np.zeros((28, 28), np.float32)
    top, left = (28 - nh) // 2, (28 - nw) // 2
    out[top : top + nh, left : left + nw] = small
    # Shift so the centre of mass sits at the centre (MNIST's last step).
    total = out.sum()
    if total > 0:
        cy = (out.sum(1) * np.arange(28)).sum() / total
        cx = (out.sum(0) * np.arange(28)).sum() / total
        dy, dx = int(round(13.5 - cy)), int(round(13.5 - cx))
        out = np.roll(np.roll(out, dy, 0), dx, 1)
    return np.clip(out, 0, 1)
