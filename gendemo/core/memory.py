"""Keep a long-running server's resident memory near what it uses (issue 30, part 6).

glibc's malloc gives each thread that allocates its own arena, up to eight per core, and an arena keeps the memory
freed into it. A Gradio server runs handlers on a pool of up to forty threads, so every large temporary of a model call
(a batch of images, a figure's pixels) was left behind in whichever arena its thread used: the resident size grew with
the number of threads that had ever run a handler, not with what the server holds. Two arenas, and trimming the heap
after a request has freed its temporaries, keep it to what is in use. Elsewhere than glibc (macOS, musl) this does
nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import json
import math
import os
import struct
import sys
import warnings
from pathlib import Path

M_ARENA_MAX = -8  # mallopt parameter numbers (glibc's malloc.h)
ARENAS = max(0, int(os.environ.get("GENDEMO_MALLOC_ARENAS", "2")))  # 0: glibc's own rule (8 per core)


def _libc():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.mallopt, libc.malloc_trim  # noqa: B018 — glibc only
        return libc
    except (OSError, AttributeError):
        return None


def bound_arenas(arenas: int = ARENAS) -> bool:
    """At most `arenas` malloc arenas for threads made from now on (call before the server starts its threads).
    Returns whether glibc took it."""
    libc = _libc()
    return bool(arenas and libc and libc.mallopt(M_ARENA_MAX, arenas) == 1)


def trim() -> bool:
    """Give the heap's free memory back to the system (glibc's malloc_trim). Returns whether any was."""
    libc = _libc()
    return bool(libc and libc.malloc_trim(0))


def start_trimmer(every_s: float = 10.0):
    """A daemon thread that trims the heap every `every_s` seconds (on a warm server's fragmented heap a trim takes
    2-25 ms, without the GIL; trimming every 2 s did not lower the class benchmark's peak, which is memory in use:
    sixteen live runs training at once). Returns the thread, or None where there is no glibc."""
    import threading

    if _libc() is None or not ARENAS:
        return None

    def run():
        stop = threading.Event()
        while not stop.wait(every_s):
            trim()

    t = threading.Thread(target=run, name="gendemo-malloc-trim", daemon=True)
    t.start()
    return t


def skip_compiler_imports() -> bool:
    """Keep torch.compile's machinery (dynamo, inductor, triton: about 150 MB resident on this CUDA build) out of
    a server that never compiles.

    torch loads it for marks that do nothing outside compilation. Functions marked "never compile" (the optimisers'
    methods, the reference ops that meta tensors run through) import dynamo on their first call to make the mark; here
    each such function gets itself as its mark. Adam's step places a graph break between switching gradients off and
    updating; here it runs its own body under no_grad, which is what its decorator does when the optimiser is not
    `differentiable` (this project never makes one that is). The arithmetic is torch's own, unchanged.

    Call it before the first optimiser is made and the first model built. Returns False, changing nothing, where torch's
    internals are not as expected (another torch version)."""
    import gc
    import types

    import torch
    from torch import _compile

    if "torch._dynamo" in sys.modules:
        return False
    import torch._decomp  # noqa: F401 — the reference ops meta tensors run through (loaded lazily, so load them
    import torch._refs  # noqa: F401 — now, to find their marks)

    mark_code = _compile._disable_dynamo(lambda: None).__code__  # the closure every marked function is
    with warnings.catch_warnings():  # the walk touches deprecated aliases
        warnings.simplefilter("ignore")
        functions = [f for f in gc.get_objects() if type(f) is types.FunctionType and f.__code__ is mark_code]
    if not functions or "fn" not in mark_code.co_freevars:
        return False
    marked = [f.__closure__[mark_code.co_freevars.index("fn")].cell_contents for f in functions]  # what each marks
    # Adam's step, and AdamW's where it has its own (in torch 2.14 AdamW inherits Adam's)
    steps = {cls: cls.__dict__["step"] for cls in (torch.optim.Adam, torch.optim.AdamW) if "step" in cls.__dict__}
    expected = [getattr(getattr(s, "__code__", None), "co_name", "") == "_use_grad" for s in steps.values()]
    if not steps or not all(expected) or not all(hasattr(s, "__wrapped__") for s in steps.values()):
        return False
    for fn in marked:
        fn.__dynamo_disable = fn  # what the mark caches after its first call, minus the import
    for cls, step in steps.items():
        cls.step = torch.no_grad()(step.__wrapped__)
    return True


_DTYPES = {"F32": "float32", "F16": "float16", "BF16": "bfloat16", "F64": "float64", "I64": "int64", "I32": "int32",
           "I16": "int16", "I8": "int8", "U8": "uint8", "BOOL": "bool"}  # fmt: skip


def map_safetensors(path: str | Path, names: list[str]) -> dict:
    """The named tensors of a safetensors file, read in place: their memory is the file's pages, mapped copy-on-write,
    so only the parts a computation touches become resident (the text encoder's 30,522-word embedding table is 45 MB,
    of which a class's prompts read a few hundred rows). Bit for bit what the file holds. A tensor that is not aligned
    for its dtype in the file raises ValueError (load it instead)."""
    import torch

    path = Path(path)
    with path.open("rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
    storage = torch.UntypedStorage.from_file(str(path), shared=False, nbytes=path.stat().st_size)
    out = {}
    for name in names:
        entry = header[name]
        dtype = getattr(torch, _DTYPES[entry["dtype"]])
        begin, end = (8 + n + o for o in entry["data_offsets"])
        size = dtype.itemsize
        if begin % size or end - begin != math.prod(entry["shape"]) * size:
            raise ValueError(f"{name!r} in {path.name} is not laid out as an aligned {entry['dtype']} array")
        out[name] = torch.empty(0, dtype=dtype).set_(storage, begin // size, entry["shape"])
    return out
