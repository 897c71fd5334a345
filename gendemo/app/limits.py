"""Bounds on what a public server holds for its visitors: request bodies, sessions, the event log, Gradio's file cache,
and what an anonymous visitor may read. Everything here is passed to `demo.launch` through `launch_options()`, so every
way of serving the app (python app.py, the tests, a Space) gets the same limits.

Measured before these bounds (issue #13): every new session kept a copy of the page's component config (≈ 0.4–1 MB,
10,000 sessions by default), every call left an analytics record (10,000 by default), and uploads or results piled up in
the cache for half an hour whatever their size.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import tempfile
import threading
import time
from pathlib import Path

from gendemo.app.i18n import lang_of, tr

SESSION_CAPACITY = 200  # sessions whose per-visitor state is kept; the oldest is forgotten first (Gradio: 10,000)
ANALYTICS_EVENTS = 500  # per-call records kept for Gradio's monitoring summary (Gradio: 10,000)
MAX_FILE_BYTES = 10 * 2**20  # one uploaded file (launch's max_file_size)
MAX_REQUEST_BYTES = MAX_FILE_BYTES + 2**20  # one request body: a single file plus its form, never eleven of them
CACHE_MAX_BYTES = int(os.environ.get("GENDEMO_CACHE_MAX_BYTES", 512 * 2**20))  # uploads + results on disk, in all
SWEEP_EVERY_S = 5.0  # how often the cache is measured
HIDDEN_PREFIXES = ("/monitoring", "/gradio_api/monitoring")  # per-endpoint counts and timings are not for visitors


def cache_dir() -> Path:
    """Where Gradio keeps uploads and served results (its own rule: GRADIO_TEMP_DIR, else <tmp>/gradio)."""
    return Path(os.environ.get("GRADIO_TEMP_DIR") or Path(tempfile.gettempdir()) / "gradio")


def cache_files(root: Path) -> list[tuple[float, int, Path]]:
    """(modified time, bytes, path) of every regular file under root, oldest first."""
    out = []
    for dirpath, _, names in os.walk(root):
        for name in names:
            p = Path(dirpath) / name
            with contextlib.suppress(OSError):
                st = p.lstat()
                if not p.is_symlink():
                    out.append((st.st_mtime, st.st_size, p))
    return sorted(out)


def kept_files(blocks) -> set[str]:
    """The files Gradio keeps for the life of the app: the components' starting values and the examples' pictures."""
    keep: set[str] = set()
    for block in blocks.blocks.values():
        keep.update(str(Path(f).absolute()) for f in getattr(block, "keep_in_cache", ()))
    return keep


def trim_cache(root: Path, max_bytes: int, max_age: float | None = None, keep=frozenset()) -> tuple[int, int]:
    """Delete every file older than max_age seconds, then the oldest files until the folder holds at most 80 % of
    max_bytes (so a sweep frees room for a while, instead of one file at a time); files in `keep` (absolute paths)
    stay. Returns (bytes before, bytes after)."""
    files = [f for f in cache_files(root) if str(f[2].absolute()) not in keep]
    total = before = sum(size for _, size, _ in files)
    cutoff = time.time() - max_age if max_age is not None else -math.inf
    target = 0.8 * max_bytes if before > max_bytes else max_bytes
    for mtime, size, path in files:  # oldest first: past the age limit, or over the budget, it goes
        if mtime >= cutoff and total <= target:
            break
        with contextlib.suppress(OSError):
            path.unlink()
            total -= size
    return before, total


class CacheSweeper:
    """A daemon thread that keeps the cache folder under its byte budget and, given the app, its age limit.

    Gradio's own delete_cache only deletes the files it has tracked, and it loses track of some: once an event answers
    an output with an update (gr.skip() included), the session gets its own unrendered copy of that component, and every
    file served through the copy afterwards is tracked nowhere — the Diffusion tab's streamed pictures stayed for the
    life of the process. So the age limit is applied here to the folder itself, sparing only the files Gradio keeps."""

    def __init__(
        self, root: Path | None = None, max_bytes: int = CACHE_MAX_BYTES, every_s: float = SWEEP_EVERY_S, blocks=None
    ):
        self.root = root or (Path(blocks.GRADIO_CACHE) if blocks is not None else cache_dir())
        self.max_bytes, self.every_s, self.blocks = max_bytes, every_s, blocks
        # (frequency, age) as Gradio's delete_cache; the sweep's own frequency is every_s
        self.max_age = blocks.delete_cache[1] if blocks is not None and blocks.delete_cache else None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> CacheSweeper:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="gendemo-cache-sweeper", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def sweep(self) -> tuple[int, int]:
        keep = kept_files(self.blocks) if self.blocks is not None else frozenset()
        return trim_cache(self.root, self.max_bytes, self.max_age, keep)

    def _run(self) -> None:
        while not self._stop.wait(self.every_s):
            with contextlib.suppress(OSError):
                self.sweep()


def _request(scope):
    """What lang_of and the checks below read from an ASGI scope: its headers (case-insensitive, as a request's)."""
    from types import SimpleNamespace

    from starlette.datastructures import Headers

    return SimpleNamespace(headers=Headers(scope=scope))


async def _send_json(send, status: int, detail: str) -> None:
    body = json.dumps({"detail": detail, "error": detail}, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json; charset=utf-8"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


class RequestLimits:
    """ASGI middleware, in front of every Gradio route:
    - a POST body over MAX_REQUEST_BYTES is refused before it is read (413), and an upload that does not say its size
      is refused (411), so one request can never put more than one file's worth on the disk;
    - the monitoring pages answer 404;
    - "queue full" is answered in the visitor's language. Gradio answers 503, which its page shows as a fixed English
      sentence; the page (a browser fetch, Sec-Fetch-Mode set) gets 429 with the translated sentence, which it shows as
      it is, while API clients keep the 503 they know (with the translated sentence as its detail)."""

    def __init__(self, app, max_request_bytes: int = MAX_REQUEST_BYTES):
        self.app, self.max_request_bytes = app, max_request_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        req = _request(scope)
        path, lang = scope.get("path", ""), lang_of(req)
        if any(path == p or path.startswith(p + "/") for p in HIDDEN_PREFIXES):
            return await _send_json(send, 404, "Not Found")
        if scope.get("method") == "POST":
            length = req.headers.get("content-length")
            if length is None and path.endswith("/upload"):
                return await _send_json(send, 411, tr("limits.no_length", lang))
            if length is not None and (not length.isdigit() or int(length) > self.max_request_bytes):
                mb = int(length) / 2**20 if length.isdigit() else 0.0
                return await _send_json(
                    send, 413, tr("limits.too_big", lang, mb=mb, max=self.max_request_bytes / 2**20)
                )
        if path.endswith("/queue/join"):
            return await self._join(scope, receive, send, lang, browser="sec-fetch-mode" in req.headers)
        return await self.app(scope, receive, send)

    async def _join(self, scope, receive, send, lang, browser: bool):
        started: dict = {}

        async def translated(message):
            if message["type"] == "http.response.start":
                if message["status"] != 503:
                    return await send(message)
                started["busy"] = True
                return None
            if started.get("busy"):
                if not message.get("more_body"):
                    await _send_json(send, 429 if browser else 503, tr("limits.busy", lang))
                return None
            return await send(message)

        return await self.app(scope, receive, translated)


@contextlib.asynccontextmanager
async def lifespan(app):
    """Runs beside the server: the cache sweeper starts with it and stops with it."""
    sweeper = CacheSweeper(blocks=app.get_blocks()).start()
    try:
        yield
    finally:
        sweeper.stop()


def launch_options() -> dict:
    """demo.launch keyword arguments that bound the server. A session's state renders the page's configuration only
    when it is read (gendemo/app/session_state.py: 0.88 MB and 0.4 s of CPU per session otherwise)."""
    from starlette.middleware import Middleware

    from gendemo.app import session_state

    session_state.install()

    return {
        "max_file_size": MAX_FILE_BYTES,
        "state_session_capacity": SESSION_CAPACITY,
        "enable_monitoring": False,
        "app_kwargs": {"middleware": [Middleware(RequestLimits)], "lifespan": lifespan},
    }


def bound_queue(demo, max_size: int, concurrency: int) -> None:
    """demo.queue with the event log bounded too (Gradio reads its bound from the environment when the Blocks is
    built; this sets it on the live queue instead)."""
    demo.queue(max_size=max_size, default_concurrency_limit=concurrency)
    demo._queue.ANALYTICS_MAX_EVENTS = ANALYTICS_EVENTS
    while len(demo._queue.event_analytics) > ANALYTICS_EVENTS:
        demo._queue.event_analytics.pop(next(iter(demo._queue.event_analytics)))
