"""Statistics the GAN and diffusion tabs report: class shares, KL to uniform, entropy, Fréchet distance."""

from __future__ import annotations

import numpy as np
import torch

# Table 6-1 of the chapter: the share of each digit among 1,000 samples of its MLP GAN, in percent.
CHAPTER_SHARES = [10.3, 21.4, 4.4, 7.6, 9.5, 6.0, 9.1, 14.4, 4.4, 12.9]


def class_shares(pred: torch.Tensor | np.ndarray, k: int = 10) -> np.ndarray:
    pred = torch.as_tensor(pred).long().cpu()
    counts = torch.bincount(pred, minlength=k).double()
    return (counts / counts.sum()).numpy()


def kl_to_uniform(p) -> float:
    """KL(p ‖ uniform) in nats; 0·log 0 counts as 0. All mass on one of 10 classes gives ln 10."""
    p = np.asarray(p, np.float64)
    p = p / p.sum()
    nz = p > 0
    return float(np.sum(p[nz] * np.log(p[nz] * len(p))))


def entropy_bits(p) -> float:
    p = np.asarray(p, np.float64)
    p = p / p.sum()
    nz = p > 0
    return float(-np.sum(p[nz] * np.log2(p[nz])))


def kl_per_epoch(shares) -> np.ndarray:
    """(E, 10) class shares per epoch → (E,) KL to uniform per epoch (an epoch with no samples gives NaN)."""
    shares = np.asarray(shares, np.float64)
    return np.array([kl_to_uniform(p) if p.sum() > 0 else np.nan for p in shares])


def moving_average(x, k: int = 5) -> np.ndarray:
    """Centred mean over k epochs (shorter windows at the ends): the 1,000-sample shares of one epoch are noisy."""
    x = np.asarray(x, np.float64)
    h = k // 2
    return np.array([np.nanmean(x[max(0, i - h) : i + h + 1]) for i in range(len(x))])


def crossings(x, level: float) -> list[tuple[int, str]]:
    """Where a curve passes `level`: [(index, "up" | "down"), …] — index is the first point on the new side."""
    x = np.asarray(x, np.float64)
    out = []
    for i in range(1, len(x)):
        if x[i - 1] < level <= x[i]:
            out.append((i, "up"))
        elif x[i - 1] >= level > x[i]:
            out.append((i, "down"))
    return out


def gaussian_stats(feats: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    f = feats.double().cpu()
    mu = f.mean(0)
    fc = f - mu
    return mu, fc.T @ fc / (f.shape[0] - 1)


def _sqrtm_psd(a: torch.Tensor) -> torch.Tensor:
    w, v = torch.linalg.eigh((a + a.T) / 2)
    return (v * w.clamp_min(0).sqrt()) @ v.T


def frechet_distance(mu1, s1, mu2, s2) -> float:
    """‖μ1−μ2‖² + tr(Σ1 + Σ2 − 2(Σ1^½ Σ2 Σ1^½)^½), computed with symmetric eigendecompositions (no scipy)."""
    r1 = _sqrtm_psd(s1)
    m = r1 @ s2 @ r1
    tr_sqrt = torch.linalg.eigvalsh((m + m.T) / 2).clamp_min(0).sqrt().sum()
    return float(((mu1 - mu2) ** 2).sum() + torch.trace(s1) + torch.trace(s2) - 2 * tr_sqrt)


def frechet_between(feats_a: torch.Tensor, feats_b: torch.Tensor) -> float:
    return frechet_distance(*gaussian_stats(feats_a), *gaussian_stats(feats_b))


def share_table(p) -> dict:
    p = np.asarray(p, np.float64)
    return {
        "shares_percent": [round(100 * float(v), 2) for v in p],
        "kl_to_uniform_nats": round(kl_to_uniform(p), 4),
        "entropy_bits": round(entropy_bits(p), 4),
        "min_share_percent": round(100 * float(p.min()), 2),
    }
