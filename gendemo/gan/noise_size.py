"""Does a bigger noise vector untangle the GAN's features? The chapter's claim, tested rather than repeated.

The chapter: smaller noise vectors tend to be more *entangled*, and a larger one ("100 elements instead of our 10")
raises the chance that an interesting feature gets a single direction. Two generators trained alike but for the noise
size (the remedy recipe, seed 0, the same number of epochs) are measured the same way, on the same number of samples:

- separability: for every attribute (is digit d, thick strokes, slant) the held-out balanced accuracy of the
  InterFaceGAN boundary fitted in z (gendemo/gan/latent.py). 0.5: no straight-line notion of it in the noise space;
  1.0: one direction splits it perfectly;
- the judged digit shares of the very same samples, and their KL to an even mix;
- how tangled the fitted directions are with each other: the mean |cosine| between different attributes' normals,
  beside what random directions in that many dimensions give (about sqrt(2 / (π·D))), since unrelated directions in
  100 dimensions are closer to orthogonal than in 10 whatever the generator learnt.

    python -m gendemo.gan.noise_size ship runs/gan_z100/gan_z100.safetensors   # → checkpoints/gan_z100.*
    python -m gendemo.gan.noise_size ship runs/gan_z100 --epoch 10             # the weights kept after epoch 10
    python -m gendemo.gan.noise_size compare [--n 10000]                        # → gendemo/gan/noise_size.json

The 10-number generator it compares with is the shipped remedy GAN after the same number of epochs (its snapshot in
gan_snapshots.safetensors), so both had the same training time.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import torch

from gendemo.core.checkpoints import load_checkpoint, save_checkpoint
from gendemo.core.metrics import kl_to_uniform
from gendemo.core.paths import CHECKPOINT_DIR
from gendemo.gan.latent import ATTRIBUTES, fit_directions

RESULTS = Path(__file__).with_name("noise_size.json")
NAME = "gan_z100"  # the catalog row of the 100-number generator


def ship(src: str | Path, out: Path = CHECKPOINT_DIR / f"{NAME}.safetensors") -> dict:
    """The trainer's export (kind 'gan', as every remedy run is named) re-sealed as its own catalog row."""
    state, card = load_checkpoint(Path(src), "gan")
    if int(card["config"]["noise_dim"]) != 100:
        raise SystemExit(f"{src}: noise_dim is {card['config']['noise_dim']}, not 100")
    return save_checkpoint(
        out,
        state,
        kind=NAME,
        config=card["config"],
        training={**card.get("training", {}), "noise_dim": 100},
        metrics=card.get("metrics", {}),
    )


def ship_snapshot(run_dir: str | Path, epoch: int, out: Path = CHECKPOINT_DIR / f"{NAME}.safetensors") -> dict:
    """The shipped generator (the average of G's weights) as the run kept it after `epoch` (one of SNAPSHOT_EPOCHS),
    taken from the resumable state of a run still under way: the same weights the 10-number run kept then."""
    from gendemo.core.checkpoints import load_resume_state
    from gendemo.gan.model import Generator
    from gendemo.gan.recipes import RECIPES

    st = load_resume_state(Path(run_dir))
    if st is None:
        raise SystemExit(f"no resume state in {run_dir}")
    prefix = f"epoch{epoch}."
    sub = {k[len(prefix) :]: v.float() for k, v in st["task"]["snapshots"].items() if k.startswith(prefix)}
    if not sub:
        raise SystemExit(f"{run_dir}: no weights kept after epoch {epoch}")
    cfg = RECIPES["remedy"].with_changes(noise_dim=100).gan_config()
    g = Generator(cfg)
    g.load_state_dict(sub)  # strict: the snapshot must be a whole 100-number generator
    r = RECIPES["remedy"]
    # stored as the float16 the run kept (exactly those values: the file is half the size, the samples the same)
    return save_checkpoint(
        out,
        {k: v.half() for k, v in g.state_dict().items()},
        kind=NAME,
        config=cfg,
        training={
            "epochs_completed": epoch,
            "steps": epoch * 468,
            "batch_size": r.batch_size,
            "seed": 0,
            "recipe": "remedy",
            "noise_dim": 100,
            "real_label": r.real_label,
            "d_dropout": r.d_dropout,
            "d_mbstd": r.d_mbstd,
            "generator_weights": f"moving average, decay {r.g_ema} (as kept after epoch {epoch}, float16)",
            "source": f"{run_dir}/state.safetensors, snapshot epoch{epoch}",
        },
    )


def separation(g, judge, n: int, seed: int = 0) -> dict:
    """One generator measured: every attribute's separability, the shares of its digits, the directions' overlap."""
    d = fit_directions(g, judge, n=n, seed=seed)
    normals = d["normals"]
    cos = normals @ normals.T
    off = ~torch.eye(len(normals), dtype=torch.bool)
    dim = int(normals.shape[1])
    # the shares of the same n samples, judged by the classifier (fit_directions' positive shares of digit0…9)
    shares = torch.tensor([d["positive_share"][i] for i in range(10)])
    return {
        "noise_dim": dim,
        "separability": {a: round(float(v), 4) for a, v in zip(ATTRIBUTES, d["accuracy"])},
        "shares_percent": [round(100 * float(s), 2) for s in shares],
        "kl_to_uniform_nats": round(kl_to_uniform(shares.numpy()), 4),
        "mean_abs_cos_between_directions": round(float(cos[off].abs().mean()), 4),
        "random_directions_mean_abs_cos": round(math.sqrt(2 / (math.pi * dim)), 4),
        "n": n,
        "seed": seed,
        "seconds": d["seconds"],
    }


def compare(n: int = 10_000, seed: int = 0, z100: Path | None = None) -> dict:
    from gendemo.classifier.model import load_classifier
    from gendemo.gan.artifacts import load_snapshots
    from gendemo.gan.model import load_gan

    judge, _ = load_classifier()
    g100, card100 = load_gan(z100 or CHECKPOINT_DIR / f"{NAME}.safetensors", name=NAME)
    epochs = int(card100["training"]["epochs_completed"])
    snaps = load_snapshots()
    if epochs not in snaps:
        raise SystemExit(f"the 10-number GAN kept no weights after epoch {epochs} (it has {sorted(snaps)})")
    t0 = time.time()
    out = {
        "claim": "smaller noise vectors tend to be more entangled; about 100 elements instead of 10 can help",
        "epochs": epochs,
        "recipe": card100["training"].get("recipe", "remedy"),
        "z10": separation(snaps[epochs], judge, n, seed) | {"weights": f"gan_snapshots.safetensors, epoch {epochs}"},
        "z100": separation(g100, judge, n, seed) | {"weights": f"{NAME}.safetensors", "sha256": card100["sha256"]},
    }
    out["seconds"] = round(time.time() - t0, 1)
    out["rebuild"] = f"python -m gendemo.gan.noise_size compare --n {n}"
    return out


def later_points(run_dir: Path, n: int = 10_000, seed: int = 0) -> list[dict]:
    """Beyond the matched pair: the 10-number GAN after epoch 60 (its last kept snapshot before 200) and the 100-number
    run's averaged generator as its resumable state holds it now, measured alike. Not shipped weights: the second can
    only be measured again from the run (python -m gendemo.gan.noise_size later runs/gan_z100)."""
    from gendemo.classifier.model import load_classifier
    from gendemo.core.checkpoints import load_resume_state
    from gendemo.gan.artifacts import load_snapshots
    from gendemo.gan.model import Generator
    from gendemo.gan.recipes import RECIPES

    judge, _ = load_classifier()
    st = load_resume_state(Path(run_dir))
    if st is None:
        raise SystemExit(f"no resume state in {run_dir}")
    g = Generator(RECIPES["remedy"].with_changes(noise_dim=100).gan_config())
    g.load_state_dict(st["task"]["G_ema"])
    points = [(10, 60, load_snapshots()[60]), (100, int(st["epoch"]), g.eval())]
    out = []
    for dim, epoch, gen in points:
        r = separation(gen, judge, n, seed)
        sep = r["separability"]
        out.append(
            {
                "noise_dim": dim,
                "epoch": epoch,
                "mean_separability": round(sum(sep.values()) / len(sep), 4),
                "kl_to_uniform_nats": r["kl_to_uniform_nats"],
                "mean_abs_cos_between_directions": r["mean_abs_cos_between_directions"],
                "n": n,
            }
        )
    return out


def load_results(path: Path = RESULTS) -> dict | None:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m gendemo.gan.noise_size", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("ship", help="re-seal a trained 100-number GAN as checkpoints/gan_z100.safetensors")
    s.add_argument("src", help="the trainer's export, or with --epoch its run directory")
    s.add_argument("--epoch", type=int, default=None, help="ship the weights the run kept after this epoch")
    c = sub.add_parser("compare", help="measure both generators and write gendemo/gan/noise_size.json")
    c.add_argument("--n", type=int, default=10_000)
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--gan", default=None, help="the 100-number generator (default checkpoints/gan_z100.safetensors)")
    c.add_argument("--out", default=str(RESULTS))
    later = sub.add_parser("later", help="add later points (10 numbers at epoch 60, the 100-number run now)")
    later.add_argument("run_dir")
    later.add_argument("--n", type=int, default=10_000)
    a = p.parse_args(argv)
    if a.cmd == "later":
        res = load_results() or {}
        res["later"] = later_points(Path(a.run_dir), a.n)
        RESULTS.write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        print(json.dumps(res["later"], indent=2))
        return res
    if a.cmd == "ship":
        card = ship(a.src) if a.epoch is None else ship_snapshot(a.src, a.epoch)
        print(json.dumps({"out": str(CHECKPOINT_DIR / f"{NAME}.safetensors"), "bytes": card["bytes"]}))
        return card
    res = compare(a.n, a.seed, Path(a.gan) if a.gan else None)
    Path(a.out).write_text(json.dumps(res, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(res, indent=2, ensure_ascii=False))
    return res


if __name__ == "__main__":
    main()
