"""Tensors put aside in a file while nothing uses them, and put back exactly (issue 30: memory bounded).

A live run that has stopped waits in its learner's session for Continue or One step holding its G, D and Adam's state:
35 MB for the chapter's networks, for as long as the session lives (up to 200 sessions). Parked, it holds a file
instead; the first use puts every tensor back bit for bit, so a run parked and resumed trains on exactly as one that
was never parked. The file goes when the tensors come back, or when the run is forgotten.

    parked = Parked(slots, folder)   # slots: (name, tensor, put) for each tensor; each is replaced by an empty one
    parked.restore()                 # put(tensor) for each, read back from the file
"""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
import tempfile
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

Slot = tuple[str, torch.Tensor, Callable[[torch.Tensor], object]]  # (name, the tensor now, how to put one back)
_numbers = itertools.count()


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)


PREFIX = "gendemo-parked-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def make_folder() -> str:
    """A new folder for this process's parked runs, named with its pid; first the folders of processes that have ended
    are removed (a server stopped by SIGTERM runs no finalizers, so its parked files stay behind)."""
    tmp = Path(tempfile.gettempdir())
    for old in tmp.glob(f"{PREFIX}*-*"):
        pid = old.name[len(PREFIX) :].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            shutil.rmtree(old, ignore_errors=True)
    return tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-")


class Parked:
    def __init__(self, slots: Iterable[Slot], folder: Path):
        slots = list(slots)
        names = [name for name, _, _ in slots]
        if len(set(names)) != len(names):
            raise ValueError("two tensors to park share a name")
        self.path = str(Path(folder) / f"run-{os.getpid()}-{next(_numbers)}.safetensors")
        self.devices = {name: t.device for name, t, _ in slots}
        save_file({name: t.detach().cpu().contiguous() for name, t, _ in slots}, self.path)
        self.puts = {name: put for name, _, put in slots}
        for _, t, put in slots:
            put(torch.empty(0, dtype=t.dtype, device=t.device))  # the memory goes with the last reference
        self._finalizer = weakref.finalize(self, _unlink, self.path)  # a session forgotten: its file goes too

    def restore(self) -> None:
        tensors = load_file(self.path)
        for name, put in self.puts.items():
            put(tensors[name].to(self.devices[name]))
        self._finalizer()  # the file is spent
