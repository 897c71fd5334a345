"""Answers served from a cache (issue 30, part 3): an endpoint whose answer is a function of its inputs answers a
repeated request from memory, without queueing behind anyone's computation.

Built on Gradio's `gr.cache` (gradio/caching.py): content-hashed inputs, least recently used entries evicted past a
count and a byte budget, a stream's frames kept and replayed, and a hit answered before the request joins the queue
(Gradio probes the cache first: on a miss the wrapper raises CacheMissError and the request queues as usual). Around
it, this module adds what the app needs:

- the key: the endpoint, the page's language (the answer's text is in it) and the declared inputs; an uploaded file is
  keyed by its bytes, a session's state (the reverse step's walk so far) by its contents; the request and the progress
  tracker are not inputs;
- uploads stay in their session: a request with a file goes to a per-session cache (cleared when the session
  disconnects), one without to the cache every session shares — a learner's own picture is never served to another
  (the app's own example pictures, the Noising tab's default photo among them, are nobody's: their answers are shared);
- a hit is a deep copy: a session may change what it was given (Stop marks its diffusion run), and must not change
  another session's;
- an answer the handler marks `partial(...)` (a run stopped half-way) is passed on but not kept;
- pictures are kept as PNG bytes (a 64-digit grid: ~20 KB instead of 1.4 MB of pixels) and written out as files for
  each answer (content-addressed: only when the cleanup removed the file), so a hit never points at a deleted file.

Switched on per endpoint by `cache=True` in its declaration (gendemo/app/endpoints.py); off on ZeroGPU, where a probe
would pass through the spaces.GPU wrapper and ask for a GPU to read a dictionary.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import inspect
import os
import threading
from collections.abc import Callable
from pathlib import Path

# Per endpoint: the shared cache holds at most ENTRIES answers and SHARED_MB of them (Gradio's size estimate: the PNG
# bytes of pictures, bytes of arrays), or the endpoint's own cache_mb; the uploads' per-session cache, over all sessions
# together, ENTRIES and SESSION_MB. With 21 endpoints that bounds the whole at 21 × 6 MB plus what the cache_mb add;
# the 400 one-request sessions of issue 30 filled seven endpoints' caches with ~30 KB answers.
ENTRIES = max(1, int(os.environ.get("GENDEMO_ANSWER_CACHE_ENTRIES", "64")))
SHARED_MB = max(1, int(os.environ.get("GENDEMO_ANSWER_CACHE_MB", "4")))
SESSION_MB = max(1, SHARED_MB // 2)
MAX_FILE_BYTES = 64 * 1024 * 1024  # an upload larger than this is keyed by its name and size (the limits refuse it)


_SERVED: dict[str, None] = {}  # ids of queued events that found their answer kept when they ran (newest last)
_SERVED_MAX = 1000
_served_lock = threading.Lock()


def _note_served() -> None:
    """Remember that the running event was answered from the cache (queue_eta then does not take its time for the
    time such a request takes: a request queued behind an identical one finds the answer made meanwhile)."""
    try:
        from gradio.context import LocalContext

        event_id = LocalContext.event_id.get(None)
    except Exception:  # noqa: BLE001
        event_id = None
    if event_id:
        with _served_lock:
            _SERVED[event_id] = None
            while len(_SERVED) > _SERVED_MAX:
                _SERVED.pop(next(iter(_SERVED)))


def served(event_id) -> bool:
    """Whether the event was answered from the cache (asked once, when it has finished)."""
    with _served_lock:
        return _SERVED.pop(event_id, 0) is None


class Partial:
    """An answer to pass on but not keep (a run the learner stopped half-way is not the answer to its inputs)."""

    def __init__(self, value):
        self.value = value


def partial(value) -> Partial:
    return Partial(value)


class _NotKept(Exception):
    def __init__(self, value=None):
        super().__init__("answer not kept")
        self.value = value


class _Call:
    """Told by the computation that it ran: the value is then the handler's own (a session's state it may change
    later), not a cached copy to duplicate."""

    fresh = False
    value = None


class Png(bytes):
    """A picture of an answer as kept: its PNG bytes (a 64-digit grid is ~20 KB as PNG, 1.4 MB as pixels). gr.cache
    counts bytes by their length."""


def _leaves(value, leaf):
    """value with leaf() applied to everything inside its tuples, lists and dicts; a container in which nothing changed
    stays the very object it was (so an object the session keeps, a diffusion run's record, is the handler's own)."""
    if isinstance(value, (tuple, list)):
        items = [_leaves(v, leaf) for v in value]
        if all(a is b for a, b in zip(items, value)):
            return value
        return type(value)(items) if not hasattr(value, "_fields") else type(value)(*items)
    if isinstance(value, dict):
        items = {k: _leaves(v, leaf) for k, v in value.items()}
        return value if all(items[k] is v for k, v in value.items()) else items
    return leaf(value)


def _packed(value):
    """The answer with every PIL picture as Png bytes."""
    from PIL import Image

    from gendemo.core.images import png_bytes

    return _leaves(value, lambda v: Png(png_bytes(v)) if isinstance(v, Image.Image) else v)


def _unpacked(value):
    """The kept answer with each Png as a file (content-addressed: written again only if the cleanup removed it)."""
    from gendemo.core.images import png_file

    return _leaves(value, lambda v: png_file(bytes(v)) if isinstance(v, Png) else v)


def enabled() -> bool:
    """On unless GENDEMO_ANSWER_CACHE=0, or on ZeroGPU."""
    from gendemo.core.device import on_zero_gpu

    return os.environ.get("GENDEMO_ANSWER_CACHE", "1") != "0" and not on_zero_gpu()


def _file_digest(value):
    """An upload as its bytes' hash (a path, or Gradio's file dict with a path), whatever it is called."""
    if isinstance(value, dict):
        return {k: _file_digest(v) for k, v in value.items() if k not in ("url", "orig_name", "meta")}
    if isinstance(value, (list, tuple)):
        return [_file_digest(v) for v in value]
    if isinstance(value, str) and value:
        p = Path(value)
        try:
            size = p.stat().st_size
        except OSError:
            return value
        if size > MAX_FILE_BYTES:
            return (value, size)
        return "sha256:" + hashlib.sha256(p.read_bytes()).hexdigest()
    return value


def _contents(value):
    """A session's state as plain data gr.cache can hash: tensors as arrays (a tensor hashes by identity)."""
    import torch

    if isinstance(value, torch.Tensor):
        return value.detach().cpu().numpy()
    if isinstance(value, dict):
        return {k: _contents(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_contents(v) for v in value]
    return value


@functools.cache
def _public() -> frozenset:
    """The digests of the app's own example files (examples/): a page sends the Noising tab's default photo, or an
    example's picture, as a file too, but it is nobody's own picture, and its answer may be shared."""
    from gendemo.core.paths import EXAMPLES

    return frozenset(_file_digest(str(p)) for p in Path(EXAMPLES).iterdir() if p.is_file())


def _uploaded(value) -> bool:
    """A learner's own file: given, and not one of the app's examples."""
    if isinstance(value, str) and value:
        return _file_digest(value) not in _public()
    return _given(value)


def _given(value) -> bool:
    if isinstance(value, dict):
        return any(_given(v) for k, v in value.items() if k in ("path", "background", "layers", "composite"))
    if isinstance(value, (list, tuple)):
        return any(_given(v) for v in value)
    return value not in (None, "")


def cached(endpoint, fn: Callable) -> Callable:
    """`fn` (the endpoint's checked handler: declared inputs, then request/progress) answered from the caches. The
    result carries `.cache`, the attribute by which Gradio's queue knows to probe it before queueing."""
    import gradio as gr

    from gendemo.app.i18n import lang_of

    files = [p.name for p in endpoint.params if p.kind == "file"]
    states = {p.name for p in endpoint.params if p.kind == "state"}
    sig = inspect.signature(fn)
    P = inspect.Parameter
    inner_sig = sig.replace(parameters=[*sig.parameters.values(), P("_gd_call", P.KEYWORD_ONLY, default=None)])

    def key(kw: dict):
        lang = lang_of(kw.get("request"))
        values = []
        for p in endpoint.params:
            v = kw.get(p.name)
            if p.name in files:
                values.append(_file_digest(v))
            elif p.name in states:
                values.append(_contents(v))
            else:  # as the handler takes it: 64, 64.0 and "64" are one request (the page and the API send either)
                try:
                    v = p.check(v, lang)
                except Exception:  # noqa: BLE001 — never kept: the handler's own check answers the learner
                    v = ("unchecked", repr(v))
                values.append(tuple(v) if p.kind == "prompt" else v)
        return (endpoint.name, lang, values)

    if inspect.isgeneratorfunction(fn):

        def inner(*args, _gd_call=None, **kwargs):
            if _gd_call is not None:
                _gd_call.fresh = True
            stopped = False
            for value in fn(*args, **kwargs):
                if isinstance(value, Partial):
                    stopped, value = True, value.value
                yield _packed(value)
            if stopped:
                raise _NotKept()

    else:

        def inner(*args, _gd_call=None, **kwargs):
            value = fn(*args, **kwargs)
            if isinstance(value, Partial):
                raise _NotKept(value.value)
            value = _packed(value)
            if _gd_call is not None:  # the caller gets the handler's own objects, the cache a copy of them
                _gd_call.fresh, _gd_call.value = True, value
            return copy.deepcopy(value)

    inner.__signature__ = inner_sig
    inner.__name__ = f"{endpoint.name}_computed"
    shared = gr.cache(inner, key=key, max_size=ENTRIES, max_memory=(endpoint.cache_mb or SHARED_MB) * 1024 * 1024)
    own = gr.cache(inner, key=key, max_size=ENTRIES, max_memory=SESSION_MB * 1024 * 1024, per_session=True)

    def pick(args, kwargs):
        bound = sig.bind(*args, **kwargs)
        return own if any(_uploaded(bound.arguments.get(n)) for n in files) else shared

    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def answer(*args, **kwargs):
            call = _Call()
            try:
                for value in pick(args, kwargs)(*args, _gd_call=call, **kwargs):
                    yield _unpacked(value if call.fresh else copy.deepcopy(value))
                if not call.fresh:
                    _note_served()
            except _NotKept:
                return

    else:

        @functools.wraps(fn)
        def answer(*args, **kwargs):
            call = _Call()
            try:
                value = pick(args, kwargs)(*args, _gd_call=call, **kwargs)
            except _NotKept as e:
                return e.value
            if not call.fresh:
                _note_served()
            return _unpacked(call.value if call.fresh else copy.deepcopy(value))

    answer.__signature__ = sig
    answer.cache = shared.cache  # Gradio probes a handler that has this attribute
    answer.caches = (shared.cache, own.cache)
    answer.key = key
    return answer


def key_hash(handler, kw: dict) -> str:
    """What the cache keeps the answer to these arguments under (by name, as the page sent them, with the request)."""
    from gradio.caching import cache_hash

    return cache_hash(handler.key(kw))


def kept(handler, kw: dict) -> bool:
    """Whether the shared cache holds an answer for these arguments (by name, as the page sent them, with the request
    they came with)."""
    return handler.cache.get(key_hash(handler, kw)) is not None


def keep(handler, kw: dict, yields: list) -> None:
    """Keep a stream made elsewhere (a prompt drawn in another's batch) as the answer to these arguments, as though
    `handler` had streamed it: a request for them is then answered from the cache, in the queue or before it. Each
    value must be a copy as it was when it would have been sent (a run's record grows)."""
    handler.cache.put(key_hash(handler, kw), yields=[_packed(v) for v in yields])
