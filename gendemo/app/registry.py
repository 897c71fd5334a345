"""The app's models, each loaded once per process on first use (thread-safe), with the reason when one is missing.

What can be loaded, and how, is the catalog's `loader` column; a loader that needs other models (the semantic directions
need the GAN and the judge) gets them from here, so no library code ever reaches into this cache.

A load that fails, however it fails, is remembered with its reason and never retried in this process; a request never
waits more than LOAD_WAIT_S for another thread's load of the same model, so one bad model cannot hold the queue.

What the tabs derive from the models (the classifier's fast copy, a loss curve, digit counts) is kept here too, by model
name (`derived`), so it lives exactly as long as the models it came from: configure() drops both together.
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import torch

from gendemo.catalog import CATALOG, entry, names_with, resolve
from gendemo.core.checkpoints import CheckpointError

log = logging.getLogger(__name__)

LOAD_WAIT_S = 60.0  # the slowest healthy load (the text encoder on a busy 2-core CPU) takes ~20 s


class ModelUnavailable(RuntimeError):
    pass


T = TypeVar("T")


class Registry:
    def __init__(self, device: str | torch.device = "cpu"):
        self.device = torch.device(device)
        self._lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self._models: dict[str, Any] = {}
        self._errors: dict[str, str] = {}
        # (model names, what) → {args: value}, oldest first; each kind computes under its own lock
        self._derived: dict[tuple, OrderedDict] = {}
        self._derived_locks: dict[tuple, threading.RLock] = {}
        self._generation = 0  # bumped by configure(): a value computed from the models before it is not kept

    def configure(self, device: str | torch.device) -> None:
        with self._lock:
            self.device = torch.device(device)
            self._models.clear()
            self._errors.clear()
            self._derived.clear()
            self._generation += 1

    def _lock_for(self, name: str) -> threading.Lock:
        if name not in CATALOG or not CATALOG[name].loader:
            raise ValueError(f"unknown model {name!r} (the app loads {', '.join(names_with('loader'))})")
        with self._lock:
            return self._locks.setdefault(name, threading.Lock())

    def get(self, name: str) -> Any:
        lock = self._lock_for(name)
        if name in self._models:  # loaded: no need to look at what its loader needed
            return self._models[name]
        if name in self._errors:  # failed before: answered at once, without waiting for the lock
            raise ModelUnavailable(self._errors[name])
        e = entry(name)
        needs = {n: self.get(n) for n in e.needs}  # before taking this model's lock: a missing GAN reads as missing
        # per-model lock: loading the text encoder never holds up the GAN
        if not lock.acquire(timeout=LOAD_WAIT_S):
            raise ModelUnavailable(f"{name} is still loading after {LOAD_WAIT_S:.0f} s; try again in a moment")
        try:
            if name in self._models:
                return self._models[name]
            if name in self._errors:
                raise ModelUnavailable(self._errors[name])
            try:
                model = resolve(e.loader)(self.device, **needs)
            except Exception as err:  # whatever a bad file does to a loader, the app keeps serving the other models
                if isinstance(err, (CheckpointError, FileNotFoundError)):
                    why = str(err)
                else:
                    log.exception("loading %s failed", name)
                    detail = f"{type(err).__name__}: {str(err)[:200]}"
                    why = f"{name} could not be loaded ({detail}). Rebuild it with: {e.rebuild}"
                self._errors[name] = why
                raise ModelUnavailable(why) from None
            _frozen(model)
            self._models[name] = model
            return model
        finally:
            lock.release()

    def derived(
        self,
        names: str | tuple[str, ...],
        what: str,
        make: Callable[..., T],
        *args: Hashable,
        keep: int | None = None,
    ) -> T:
        """make(*models, *args), computed once per (names, what, args) and kept until configure() reloads the models.

        names: the model(s) it is made from, passed to make in this order (raises ModelUnavailable as get() does);
        () for a value made from models make fetches itself, which may be missing. what: the kind of value, so two tabs
        deriving from the same model never share an entry. keep: at most this many args of one kind, the least recently
        used dropped first (for values keyed by user input, such as a seed); None keeps every one."""
        names = (names,) if isinstance(names, str) else tuple(names)
        kind = (names, what)
        with self._lock:
            generation = self._generation  # read before the models: a configure() after this is seen below
            lock = self._derived_locks.setdefault(kind, threading.RLock())
        models = [self.get(n) for n in names]
        with lock:  # one computation per kind at a time: a second request for the same value waits and reuses it
            with self._lock:
                store = self._derived.get(kind)
                if store is not None and args in store:
                    store.move_to_end(args)
                    return store[args]
            value = make(*models, *args)
            with self._lock:
                if generation == self._generation:  # else the models it came from were dropped while it was computed
                    store = self._derived.setdefault(kind, OrderedDict())
                    store[args] = value
                    while keep is not None and len(store) > keep:
                        store.popitem(last=False)
            return value

    def status(self, name: str) -> str | None:
        """None when the model loads, else the sentence that says which file is missing and how to rebuild it."""
        try:
            self.get(name)
            return None
        except ModelUnavailable as e:
            return str(e)

    def warm(self, names=None) -> threading.Thread:
        """Load in a background thread so the first request does not pay for it (default: the catalog's warm list)."""
        names = [n for n in CATALOG if CATALOG[n].warm] if names is None else list(names)

        def run():
            for n in names:
                try:
                    self.status(n)
                except Exception:  # one model's trouble must not leave the ones after it unloaded
                    log.exception("warming %s failed", n)

        th = threading.Thread(target=run, name="gendemo-warm", daemon=True)
        th.start()
        return th


REGISTRY = Registry()


def _frozen(model: Any) -> None:
    """The app only runs its models forward: no parameter of a served model records a graph, so a handler that forgets
    torch.no_grad() (one walk of 999 DDPM steps held 8 GB of autograd graph that way) still costs nothing extra."""
    mods = model.values() if isinstance(model, dict) else [model]
    for m in mods:
        if isinstance(m, torch.nn.Module):
            m.requires_grad_(False)
