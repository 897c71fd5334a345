"""The GAN's noise space: walks along one dimension, 2-D maps, lerp/slerp, and InterFaceGAN-style semantic directions.

Semantic directions follow Shen et al. 2019 ("Interpreting the Latent Space of GANs for Semantic Face Editing"):
sample many z, score each generated digit by an attribute, fit a linear boundary in z by logistic regression, and use
the boundary's unit normal n as the direction: z + α·n makes the attribute stronger as α grows.

Fitted by `python -m gendemo.latent fit` (gendemo/latent.py); read by the latent-space tab.
"""

from __future__ import annotations

import logging
import time
from pathlib import Path

import torch
import torch.nn.functional as F

from gendemo.classifier.model import predict
from gendemo.core.checkpoints import CheckpointError, load_checkpoint, read_card, save_checkpoint
from gendemo.core.paths import CHECKPOINT_DIR
from gendemo.gan.sampling import generate, noise

log = logging.getLogger("gendemo")

# The attributes a direction is fitted for: "is digit d" (classifier), stroke thickness, slant.
ATTRIBUTES = [f"digit{d}" for d in range(10)] + ["thickness", "slant"]
FIT_N = 20_000  # samples for the offline fit
QUICK_N = 4_000  # samples when the file is missing or stale and the app fits at first use


# ---- paths through z ----


def walk(z0: torch.Tensor, dim: int, k: int, lo: float = -3.0, hi: float = 3.0) -> torch.Tensor:
    """(D,) → (k, D): dimension `dim` set to k evenly spaced values from lo to hi, the others fixed."""
    z = z0.reshape(1, -1).repeat(k, 1)
    z[:, dim] = torch.linspace(lo, hi, k)
    return z


def grid(z0: torch.Tensor, dim_x: int, dim_y: int, k: int, lo: float = -3.0, hi: float = 3.0) -> torch.Tensor:
    """(D,) → (k·k, D), row-major: rows sweep dim_y from lo (top) to hi, columns sweep dim_x from lo to hi."""
    v = torch.linspace(lo, hi, k)
    z = z0.reshape(1, -1).repeat(k * k, 1)
    z[:, dim_y] = v.repeat_interleave(k)
    z[:, dim_x] = v.repeat(k)
    return z


def segment(z0: torch.Tensor, dim_x: int, dim_y: int, start, end, k: int) -> torch.Tensor:
    """(D,) → (k, D): the chapter's move in a two-dimensional map, from (x, y) = start to end in equal steps,
    the other dimensions fixed. Coordinates may lie beyond ±3, where the generator saw almost no noise."""
    t = torch.linspace(0, 1, k)
    z = z0.reshape(1, -1).repeat(k, 1)
    z[:, dim_x] = start[0] + t * (end[0] - start[0])
    z[:, dim_y] = start[1] + t * (end[1] - start[1])
    return z


def lerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    t = torch.as_tensor(t, dtype=a.dtype).reshape(-1, 1)
    return (1 - t) * a.reshape(1, -1) + t * b.reshape(1, -1)


def slerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    """Spherical interpolation: follows the great circle, so the norm stays near that of typical N(0, I) samples
    (a straight line between two samples passes closer to the origin, where the generator saw few inputs)."""
    t = torch.as_tensor(t, dtype=torch.float64).reshape(-1, 1)
    a64, b64 = a.reshape(1, -1).double(), b.reshape(1, -1).double()
    cos = (a64 * b64).sum() / (a64.norm() * b64.norm()).clamp_min(1e-12)
    omega = torch.arccos(cos.clamp(-1.0, 1.0))
    if omega.abs() < 1e-6:  # (anti)parallel to numerical precision: fall back to a straight line
        return lerp(a, b, t.to(a.dtype))
    so = torch.sin(omega)
    out = torch.sin((1 - t) * omega) / so * a64 + torch.sin(t * omega) / so * b64
    return out.to(a.dtype)


# ---- attributes of generated digits ----


def thickness(x: torch.Tensor, thr: float = 0.5) -> torch.Tensor:
    """Mean stroke width in pixels, ≈ 2·area / perimeter of the binarised digit (a stroke of width w and length L has
    area wL and perimeter ≈ 2L). x: (B, 1, 28, 28) in [0, 1] → (B,)."""
    b = (x.reshape(x.shape[0], 28, 28) > thr).float()
    area = b.sum((1, 2))
    p = F.pad(b, (1, 1, 1, 1))
    perim = (p[:, 1:, :] != p[:, :-1, :]).float().sum((1, 2)) + (p[:, :, 1:] != p[:, :, :-1]).float().sum((1, 2))
    return torch.where(perim > 0, 2 * area / perim.clamp_min(1), torch.zeros_like(area))


def slant(x: torch.Tensor) -> torch.Tensor:
    """Slant in degrees from the image moments (positive: the top leans right). x: (B, 1, 28, 28) → (B,)."""
    w = x.reshape(x.shape[0], 28, 28).double().clamp_min(0)
    rows = torch.arange(28, dtype=torch.float64).view(1, 28, 1)
    cols = torch.arange(28, dtype=torch.float64).view(1, 1, 28)
    m = w.sum((1, 2)).clamp_min(1e-9)
    ry = (w * rows).sum((1, 2)) / m
    cx = (w * cols).sum((1, 2)) / m
    mu11 = (w * (rows - ry.view(-1, 1, 1)) * (cols - cx.view(-1, 1, 1))).sum((1, 2))
    mu02 = (w * (rows - ry.view(-1, 1, 1)) ** 2).sum((1, 2)).clamp_min(1e-9)
    # x moves by mu11/mu02 pixels per row going down; a right-leaning digit moves left going down.
    return torch.rad2deg(torch.atan(-mu11 / mu02)).float()


@torch.no_grad()
def measure(imgs: torch.Tensor, judge) -> dict[str, torch.Tensor]:
    """Every attribute of (B, 1, 28, 28) digits in [0, 1]: probs (B, 10), pred, thickness, slant."""
    probs, _ = predict(judge, imgs)
    probs = probs.float().cpu()
    return {"probs": probs, "pred": probs.argmax(1), "thickness": thickness(imgs.cpu()), "slant": slant(imgs.cpu())}


# ---- fitting a boundary ----


def fit_logistic(
    z: torch.Tensor,
    y: torch.Tensor,
    l2: float = 1e-3,
    steps: int = 100,
    balance: bool = True,
    holdout: float = 0.2,
    seed: int = 0,
) -> dict:
    """Logistic regression y ~ σ(w·z + b) by L-BFGS (full batch). Returns the unit normal w/|w|, the offset b/|w| (so
    the boundary is n·z + offset = 0), and the held-out accuracy (how linearly the attribute is separable in z)."""
    z = z.double()
    y = y.double().reshape(-1)
    n = z.shape[0]
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed))
    n_test = int(n * holdout)
    te, tr = perm[:n_test], perm[n_test:]
    ztr, ytr = z[tr], y[tr]
    pos = ytr.mean().clamp(1e-6, 1 - 1e-6)
    wts = torch.where(ytr > 0.5, 0.5 / pos, 0.5 / (1 - pos)) if balance else torch.ones_like(ytr)
    w = torch.zeros(z.shape[1], dtype=torch.float64, requires_grad=True)
    b = torch.zeros((), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([w, b], lr=1, max_iter=steps, line_search_fn="strong_wolfe")

    def closure():
        opt.zero_grad()
        loss = (F.binary_cross_entropy_with_logits(ztr @ w + b, ytr, reduction="none") * wts).mean() + l2 * (
            w * w
        ).sum()
        loss.backward()
        return loss

    opt.step(closure)
    w, b = w.detach(), b.detach()
    norm = w.norm().clamp_min(1e-12)
    if n_test:
        pred = (z[te] @ w + b) > 0
        yt = y[te] > 0.5
        # balanced accuracy: the mean of the accuracy on each side (a rare class cannot hide behind the common one)
        accs = [(pred[yt == c] == c).double().mean().item() for c in (True, False) if (yt == c).any()]
        acc = sum(accs) / len(accs)
    else:
        acc = float("nan")
    return {"normal": (w / norm).float(), "offset": float(b / norm), "accuracy": float(acc)}


@torch.no_grad()
def fit_directions(g, judge, n: int = FIT_N, seed: int = 0) -> dict:
    """Sample n z, score their digits, fit one boundary per attribute. Returns tensors and per-attribute figures."""
    t0 = time.time()
    z = noise(n, g.cfg.noise_dim, seed)
    imgs = torch.cat([generate(g, z[i : i + 2000]).cpu() for i in range(0, n, 2000)])
    m = measure(imgs, judge)
    normals, offsets, accs, positives = [], [], [], []
    for name in ATTRIBUTES:
        if name.startswith("digit"):
            y = (m["pred"] == int(name[5:])).float()
        else:
            v = m[name]
            y = (v > v.median()).float()  # upper half against lower half
        with torch.enable_grad():
            r = fit_logistic(z, y, seed=seed)
        normals.append(r["normal"])
        offsets.append(r["offset"])
        accs.append(r["accuracy"])
        positives.append(float(y.mean()))
    return {
        "normals": torch.stack(normals),  # (A, D) unit vectors
        "offsets": torch.tensor(offsets),
        "accuracy": torch.tensor(accs),
        "attributes": list(ATTRIBUTES),
        "positive_share": positives,
        "thickness_median": float(m["thickness"].median()),
        "slant_median": float(m["slant"].median()),
        "n": n,
        "seed": seed,
        "seconds": round(time.time() - t0, 2),
    }


def save_directions(path, d: dict, gan_card: dict | None = None) -> dict:
    state = {"normals": d["normals"].contiguous(), "offsets": d["offsets"], "accuracy": d["accuracy"]}
    extra = {
        k: d[k] for k in ("attributes", "positive_share", "thickness_median", "slant_median", "n", "seed", "seconds")
    }
    extra["gan_sha256"] = (gan_card or {}).get("sha256")
    extra["method"] = (
        "InterFaceGAN-style: logistic regression (L-BFGS, balanced weights, L2 1e-3) of each attribute on z; "
        "digitD = classifier predicts D; thickness/slant = above the median. Normals are unit vectors."
    )
    return save_checkpoint(
        Path(path),
        state,
        kind="gan_directions",
        config={"noise_dim": int(d["normals"].shape[1])},
        metrics={a: round(float(acc), 4) for a, acc in zip(d["attributes"], d["accuracy"])},
        extra=extra,
    )


def load_directions(path=None) -> dict:
    path = Path(path or CHECKPOINT_DIR / "gan_directions.safetensors")
    state, card = load_checkpoint(path, "gan_directions")
    return {
        "normals": state["normals"].float(),
        "offsets": state["offsets"].float(),
        "accuracy": state["accuracy"].float(),
        "attributes": card["attributes"],
        "gan_sha256": card.get("gan_sha256"),
        "n": card.get("n"),
        "thickness_median": card.get("thickness_median"),
        "slant_median": card.get("slant_median"),
        "source": str(path),
    }


def directions_for_app(device="cpu", *, gan, classifier) -> dict:
    """The shipped directions when they belong to `gan` (the generator the app serves); otherwise a quick fit now, on
    that generator judged by `classifier` (a few seconds)."""
    gan_sha = None
    try:
        gan_sha = read_card(CHECKPOINT_DIR / "gan.safetensors").get("sha256")
    except CheckpointError:
        pass
    try:
        d = load_directions()
        if d["gan_sha256"] == gan_sha:
            return d
        log.warning("gan_directions.safetensors was fitted for another GAN; refitting with %d samples", QUICK_N)
    except CheckpointError:
        log.info("gan_directions.safetensors not found; fitting with %d samples", QUICK_N)
    d = fit_directions(gan, classifier, n=QUICK_N)
    d["source"] = "quick"  # fitted now, not read from the file
    return d
