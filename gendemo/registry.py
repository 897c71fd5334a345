"""Models for the app, each loaded once per process on first use (thread-safe), with the reason when one is missing."""
from __future__ import annotations

import threading
from typing import Any, Callable

import torch

from .checkpoints import CHECKPOINT_DIR, CheckpointError


class ModelUnavailable(RuntimeError):
    pass


def _loaders() -> dict[str, Callable[[torch.device], Any]]:
    # Imported lazily: importing the app must stay cheap and free of side effects.
    def classifier(dev):
        from .classifier import load_classifier

        return load_classifier(device=dev)[0]

    def gan(dev):
        from .gan import load_gan

        return load_gan(device=dev)[0]

    def cgan(dev):
        from .gan import load_cgan

        return load_cgan(device=dev)[0]

    loaders = {"classifier": classifier, "gan": gan, "cgan": cgan}
    try:
        from .registry_extra import EXTRA_LOADERS  # models added by the later tabs (timeline, diffusion, text encoder)

        loaders.update(EXTRA_LOADERS)
    except ModuleNotFoundError as e:
        if e.name != "gendemo.registry_extra":
            raise
    return loaders


class Registry:
    def __init__(self, device: str | torch.device = "cpu"):
        self.device = torch.device(device)
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._models: dict[str, Any] = {}
        self._errors: dict[str, str] = {}
        self._loaders = None

    def configure(self, device: str | torch.device) -> None:
        with self._lock:
            self.device = torch.device(device)
            self._models.clear()
            self._errors.clear()

    def _lock_for(self, name: str) -> threading.Lock:
        with self._lock:
            if self._loaders is None:
                self._loaders = _loaders()
            if name not in self._loaders:
                raise ValueError(f"unknown model {name!r}")
            return self._locks.setdefault(name, threading.Lock())

    def get(self, name: str) -> Any:
        lock = self._lock_for(name)
        with lock:  # per-model lock: loading the text encoder never holds up the GAN
            if name in self._models:
                return self._models[name]
            if name in self._errors:
                raise ModelUnavailable(self._errors[name])
            try:
                model = self._loaders[name](self.device)
            except (CheckpointError, FileNotFoundError) as e:
                self._errors[name] = str(e)
                raise ModelUnavailable(str(e)) from None
            self._models[name] = model
            return model

    def status(self, name: str) -> str | None:
        """None when the model loads, else the sentence that says which file is missing and how to rebuild it."""
        try:
            self.get(name)
            return None
        except ModelUnavailable as e:
            return str(e)

    def warm(self, names) -> threading.Thread:
        """Load in a background thread so the first request does not pay for it."""

        def run():
            for n in names:
                self.status(n)

        th = threading.Thread(target=run, name="gendemo-warm", daemon=True)
        th.start()
        return th


REGISTRY = Registry()
