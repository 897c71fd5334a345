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
import os

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
    """A daemon thread that trims the heap every `every_s` seconds (a trim of an idle heap costs well under a
    millisecond). Returns the thread, or None where there is no glibc."""
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
