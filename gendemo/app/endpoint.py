"""One declaration per public endpoint: what it takes, what it gives back, where it may run.

An `Endpoint` is to the app what a catalog row is to the models. Everything that used to repeat an endpoint's facts
reads them from here instead:

- the widgets: `EP.widget("n", elem_id=…)` takes the range, default and label from the parameter;
- the input checks: the handler decorated with `@EP.handler` receives checked, typed values (and the request), and a
  wrong value is answered in the learner's language before the handler runs;
- the API page, `view_api()` and the MCP tools: `description()`, `docstring()`, `api_texts()` (gendemo/app/api_docs.py);
- the ZeroGPU wrapper: `gpu_seconds(*args, **kwargs)`, by parameter name (gendemo/app/zerogpu.py);
- the bench's and the load test's call: `canonical_call()` (gendemo/app/endpoints.py: ENDPOINT_CALLS);
- which requests may queue behind which: `lane`, through `event()`;
- whether a repeated request is answered from the cache without queueing: `cache` (gendemo/app/answer_cache.py);
- lesson links: `from_query(query, lang)` turns URL parameters named like the parameters into checked values.

Importing this module imports neither gradio nor torch: the bench and the load test read the table without them.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from gendemo.core.priority import FOREGROUND, LEVELS, NICE, NiceThreads, PacedProgress, Pacer, nice_threads_work

KINDS = ("int", "float", "seed", "choice", "choices", "text", "prompt", "file", "state")
# prompt: text for the text encoder, handed over as a Prompt (the text as encoded, the notes for the learner)
SEED_MAX = 2**31 - 1
SEED_API = "Seed of the random noise; the same seed and settings give the same pictures."
# The handler's own parameters that are not inputs: Gradio fills them (the request, a progress tracker).
SPECIAL = ("request", "progress")


@dataclass(frozen=True)
class Lazy:
    """A value read when it is needed, from "module:attr" (a function called without arguments, or a constant): a
    range that a checkpoint card sets, say. Reading the table imports nothing."""

    ref: str  # "package.module:name" or "package.module:name.attribute"

    def get(self):
        module, path = self.ref.split(":")
        value = importlib.import_module(module)
        for attr in path.split("."):
            value = getattr(value, attr)
        return value() if callable(value) else value


def _now(value):
    return value.get() if isinstance(value, Lazy) else value


@dataclass(frozen=True)
class Example:
    """A file under examples/ as a canonical call sends it (gradio_client's handle_file)."""

    name: str

    def file(self):
        from gradio_client import handle_file

        from gendemo.core.paths import EXAMPLES

        return handle_file(str(EXAMPLES / self.name))


@dataclass(frozen=True)
class Param:
    name: str  # the handler's parameter and the API's parameter_name
    kind: str  # one of KINDS: how a value is checked, and which control shows it
    default: Any = None  # the control's starting value and the API's default (a Lazy is read when needed)
    label: str = ""  # i18n key of the control's label, which also names the value in an error message
    api: str = ""  # what the API page and the MCP tools say about it
    lo: float | Lazy | None = None  # smallest allowed value (int, float)
    hi: float | Lazy | None = None  # largest allowed value (int, float)
    step: float | None = None  # the slider's step (int: 1)
    choices: tuple | Lazy = ()  # the allowed values (choice, choices); the tab gives the translated labels
    clamp: bool = False  # a whole number out of range is moved into it instead of refused
    max_chars: int | None = None  # text: longer is refused (the handler may check more, e.g. a prompt's words)
    widget: str = ""  # the control when it is not the kind's usual one ("dropdown", "number", "radio")
    link: bool = True  # a lesson link may set it (?name=value); files and session state never
    blank: bool = False  # None or "" stands for the default (an API caller may leave it out)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown parameter kind {self.kind!r} (choose from {', '.join(KINDS)})")
        if self.kind in ("file", "state") and self.link:
            object.__setattr__(self, "link", False)  # a URL never reaches a file or another session's state

    @property
    def in_api(self) -> bool:
        return self.kind != "state"  # Gradio keeps gr.State out of the API

    def bounds(self) -> tuple:
        lo, hi = _now(self.lo), _now(self.hi)
        if self.kind == "seed":
            lo, hi = (0 if lo is None else lo), (SEED_MAX if hi is None else hi)
        return lo, hi

    def values(self) -> list:
        return list(_now(self.choices))

    def start(self):
        """The default, with a Lazy read now."""
        return _now(self.default)

    def check(self, value, lang: str):
        """The value as the handler takes it, or gr.Error with the learner's sentence."""
        from gendemo.app.i18n import tr
        from gendemo.app.ui.common import as_choice, as_choices, as_float, as_int

        name = tr(self.label, lang) if self.label else self.name
        if self.blank and value in (None, ""):
            value = self.start()
        lo, hi = self.bounds()
        if self.kind in ("int", "seed"):
            return as_int(value, name, lo, hi, lang, clamp=self.clamp)
        if self.kind == "float":
            return as_float(value, name, lo, hi, lang)
        if self.kind == "choice":
            values = self.values()
            if values and all(isinstance(v, int) for v in values):  # 64.0 or "64" for the batch size 64
                value = as_int(value, name, min(values), max(values), lang)
            return as_choice(value, values, name, lang)
        if self.kind == "choices":
            return as_choices(value, self.values(), name, lang)
        if self.kind == "text":
            return _text(value, name, self.max_chars, lang)
        if self.kind == "prompt":
            from gendemo.app.prompt import Prompt, check_prompt

            return Prompt(*check_prompt(value, lang))
        return value  # file (the handler decodes it with its own checks), state

    def from_text(self, text: str):
        """A URL's text as the value a control would send (the check follows)."""
        if self.kind == "choices":
            return [s for s in text.split(",") if s]
        return text


def _text(value, name: str, max_chars: int | None, lang: str) -> str:
    import gradio as gr

    from gendemo.app.i18n import tr

    if value is None:
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)  # an epoch sent as a number where the control sends its text ("10")
    if not isinstance(value, str):
        raise gr.Error(tr("err.not_text", lang, name=name, value=type(value).__name__))
    if max_chars is not None and len(value) > max_chars:
        raise gr.Error(tr("err.too_long", lang, name=name, n=len(value), max=max_chars))
    return value


@dataclass(frozen=True)
class Lane:
    """Which requests may queue behind which (a Gradio concurrency group). A request waits only for its own lane."""

    name: str  # the concurrency id; "default" shares the queue's default limit
    limit: int | Lazy | None = None  # requests of this lane at once (None: the queue's default)
    time_limit: float | Lazy | None = None  # seconds a streamed request may run before Gradio ends it
    # who gives way to whom while computing (gendemo/core/priority.py): 0 quick requests never wait; 1 long ones give
    # way to quick ones (in a nicer thread); 2 background work (the heavy demonstrations) gives way to every request
    priority: int = 0

    @property
    def background(self) -> bool:
        return self.priority >= LEVELS

    def event(self) -> dict:
        if self.name == "default":
            return {}
        kw = {"concurrency_id": self.name, "concurrency_limit": _now(self.limit)}
        if self.time_limit is not None:
            kw["time_limit"] = _now(self.time_limit)
        return kw


DEFAULT_LANE = Lane("default")

_NICE_THREADS: dict[str, NiceThreads] = {}
_nice_lock = threading.Lock()


def _nice_threads(lane: Lane) -> NiceThreads:
    """The lane's own threads for its long requests (made at its first request): as many as its places."""
    with _nice_lock:
        if lane.name not in _NICE_THREADS:
            _NICE_THREADS[lane.name] = NiceThreads(NICE[lane.priority], _now(lane.limit) or 1, f"gendemo-{lane.name}")
        return _NICE_THREADS[lane.name]


@dataclass(frozen=True)
class Endpoint:
    name: str  # API name without the slash; the handler has the same name
    does: str  # what it does, in a sentence or two (API page, MCP)
    params: tuple[Param, ...]  # the handler's inputs, in order
    returns: tuple[tuple[str, str], ...]  # (name, what it is) for each output the API returns, in order
    gpu: int | Callable[[dict], int] | None = 20  # seconds of GPU a call may take on ZeroGPU (a function of the
    # arguments by name), or None: it never touches a model on the GPU and runs on the Space's CPU
    lane: Lane = DEFAULT_LANE  # which work it may queue behind
    call: Mapping[str, Any] = field(default_factory=dict)  # the canonical call's values where not the defaults
    load: bool = True  # the bench and the load test call it (a live run trains for as long as it is asked: no)
    deterministic: bool = True  # the answer is a function of the inputs (seeded), so it may be cached and shared
    cache: bool = False  # answer a repeated request from the cache, without queueing (gendemo/app/answer_cache.py)
    cache_mb: int | None = None  # the bytes its shared cache may hold, in MB (None: answer_cache.SHARED_MB)

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise ValueError(f"unknown parameter {name!r} of /{self.name}")

    @property
    def api_params(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.in_api)

    # ---------------------------------------------------------------- API page and MCP

    def api_texts(self) -> dict[str, str]:
        return {p.name: p.api for p in self.api_params}

    def description(self) -> str:
        outs = "; ".join(f"{name}: {what}" for name, what in self.returns)
        return f"{self.does} Returns {len(self.returns)} value(s) — {outs}."

    def docstring(self) -> str:
        # the layout Gradio's MCP server parses: description, "Args:" with one "name: text" line each, "Returns:"
        args = "\n".join(f"    {k}: {v}" for k, v in self.api_texts().items())
        outs = "\n".join(f"    {name}: {what}" for name, what in self.returns)
        return f"{self.does}\n\nArgs:\n{args}\n\nReturns:\n{outs}"

    # ---------------------------------------------------------------- the handler

    def signature(self, handler: Callable) -> inspect.Signature:
        """The declared inputs with their defaults, then the handler's request/progress: what Gradio and gradio_client
        see (a client may leave out any parameter)."""
        P = inspect.Parameter
        own = inspect.signature(handler).parameters
        extra = [own[n].replace(kind=P.POSITIONAL_OR_KEYWORD) for n in SPECIAL if n in own]
        if "request" in own:
            import gradio as gr

            extra = [p.replace(annotation=gr.Request) if p.name == "request" else p for p in extra]
        declared = [P(p.name, P.POSITIONAL_OR_KEYWORD, default=p.start()) for p in self.params]
        return inspect.Signature([*declared, *extra])

    def mismatch(self, handler: Callable) -> str:
        """'' when the handler takes exactly the declared inputs, in order, and gives them no defaults of its own
        (the declaration's are the only ones); else what differs."""
        raw = inspect.signature(getattr(handler, "gendemo_body", handler)).parameters
        names = [n for n in raw if n not in SPECIAL]
        declared = [p.name for p in self.params]
        if names != declared:
            return f"/{self.name}: the handler takes {names}, the declaration {declared}"
        defaults = [n for n in names if raw[n].default is not inspect.Parameter.empty]
        if defaults:
            return f"/{self.name}: the handler gives defaults to {defaults}; the declaration's are the only ones"
        if getattr(handler, "__name__", "") != self.name:
            return f"/{self.name}: the handler is called {handler.__name__}"
        return ""

    def handler(self, fn: Callable) -> Callable:
        """Decorates the tab's handler: the arguments are checked against the declaration (in the request's language)
        and passed on typed; the error boundary (ui.common.guarded) surrounds both. The result is registered as this
        endpoint's handler."""
        from gendemo.app.i18n import lang_of
        from gendemo.app.ui.common import guarded

        problem = self.mismatch(fn)
        if problem:
            raise TypeError(problem)
        sig = self.signature(fn)
        takes = set(inspect.signature(fn).parameters)
        level = self.lane.priority
        lane = self.lane
        # Long requests compute in threads of their lane's own, made nicer (core/priority.py, NICE): the kernel gives a
        # quick request the cores first, and the long one the gaps it leaves. Background work (the heavy lane) also
        # pauses at each step it reports while a learner's request computes (the solver comparison leaves those
        # pauses out of DDPM's time); elsewhere than Linux, long requests pause so too.
        nice = level in NICE and nice_threads_work()

        def computing():
            return contextlib.nullcontext() if lane.background else FOREGROUND.request(level)

        def compute(f, /, *args, **kwargs):
            return _nice_threads(lane).run(f, *args, **kwargs) if nice else f(*args, **kwargs)

        def paced(arguments: dict) -> dict:
            if (lane.background or (level > 0 and not nice)) and "progress" in arguments:
                arguments["progress"] = PacedProgress(arguments["progress"], Pacer(level=level))
            return arguments

        def checked_args(args, kwargs) -> dict:
            bound = sig.bind(*args, **kwargs)
            bound.apply_defaults()
            a = bound.arguments
            lang = lang_of(a.get("request"))
            out = {p.name: p.check(a[p.name], lang) for p in self.params}
            out.update({n: a[n] for n in SPECIAL if n in takes})
            return out

        if inspect.isgeneratorfunction(fn):

            @functools.wraps(fn)
            def checked(*args, **kwargs):
                stream = fn(**paced(checked_args(args, kwargs)))
                try:
                    while True:  # in the foreground while it computes a value, not while the page takes it
                        with computing():
                            value = compute(next, stream, _END)
                        if value is _END:
                            return
                        yield value
                finally:
                    stream.close()  # a closed request closes the handler's stream too

        elif inspect.isasyncgenfunction(fn):  # a stream that waits without holding a thread (the live trainer's)

            @functools.wraps(fn)
            async def checked(*args, **kwargs):
                stream = fn(**checked_args(args, kwargs))
                try:
                    async for value in stream:
                        yield value
                finally:
                    await stream.aclose()  # a closed request closes the handler's own stream too, at once

        else:

            @functools.wraps(fn)
            def checked(*args, **kwargs):
                with computing():
                    return compute(fn, **paced(checked_args(args, kwargs)))

        checked.__signature__ = sig
        checked.gendemo_body = fn
        if self.cache and self.deterministic:
            from gendemo.app import answer_cache

            if answer_cache.enabled():  # inside guarded: a hit's pictures are written out as files again
                checked = answer_cache.cached(self, checked)
        wrapped = guarded(checked)
        wrapped.__signature__ = sig
        wrapped.gendemo_body = fn
        wrapped.endpoint = self
        HANDLERS[self.name] = wrapped
        return wrapped

    def event(self, private: bool = False) -> dict:
        """Keyword arguments of the event that wires the handler: its API name (or private, for the same handler
        behind another trigger), and its lane."""
        named = {"api_visibility": "private"} if private else {"api_name": self.name}
        return {**named, **self.lane.event()}

    # ---------------------------------------------------------------- the widgets

    def widget(self, name: str, **options):
        """The control of one parameter: its label, default and range from the declaration; `options` adds the
        rest (elem_id, info, scale, choices with translated labels …)."""
        import gradio as gr

        from gendemo.app.ui.common import CheckboxGroup, Dropdown, Number, Radio, Slider, txt

        p = self.param(name)
        start = p.start()
        kw = {
            "value": list(start) if isinstance(start, tuple) else start,
            **({"label": txt(p.label)} if p.label else {}),
        }
        kw.update(options)
        kind = p.widget or {
            "int": "slider",
            "float": "slider",
            "seed": "number",
            "choice": "radio",
            "choices": "checkboxes",
            "text": "textbox",
            "prompt": "textbox",
        }.get(p.kind)
        lo, hi = p.bounds()
        if kind == "slider":
            return Slider(lo, hi, step=p.step or (1 if p.kind == "int" else None), **kw)
        if kind == "number":
            return Number(precision=0 if p.kind in ("int", "seed") else None, **kw)
        if kind in ("radio", "dropdown", "checkboxes"):
            kw.setdefault("choices", p.values())
            return {"radio": Radio, "dropdown": Dropdown, "checkboxes": CheckboxGroup}[kind](**kw)
        if kind == "textbox":
            return gr.Textbox(**({"max_length": p.max_chars} if p.max_chars else {}), **kw)
        raise ValueError(f"/{self.name}: parameter {name!r} of kind {p.kind!r} has no standard control")

    # ---------------------------------------------------------------- bench, load test, lesson links

    def canonical_call(self) -> tuple:
        """Every API parameter given (plain HTTP fills in no defaults): the declared default unless `call` says."""
        out = []
        for p in self.api_params:
            v = self.call[p.name] if p.name in self.call else p.start()
            out.append(v.file() if isinstance(v, Example) else list(v) if isinstance(v, tuple) else v)
        return tuple(out)

    def gpu_seconds(self, *args, **kwargs) -> int:
        """spaces.GPU's duration for a call with these arguments (the handler's, positional or by name)."""
        if not callable(self.gpu):
            return int(self.gpu or 0)
        names = [p.name for p in self.params]
        named = {p.name: p.start() for p in self.params}
        named.update(dict(zip(names, args)))
        named.update({k: v for k, v in kwargs.items() if k in named})
        return int(self.gpu(named))

    def from_query(self, query: Mapping[str, str], lang: str = "en") -> tuple[dict, list[str]]:
        """Values for the parameters a lesson link names (?seed=3&steps=50), checked as the controls are checked:
        whole numbers out of range are clamped and said so, anything else wrong is left at its default with the
        control's own message. Returns (values, notes); names that are no parameter are left to the caller."""
        import gradio as gr

        from gendemo.app.i18n import tr

        values, notes = {}, []
        for p in self.params:
            if not p.link or p.name not in query:
                continue
            raw = p.from_text(str(query[p.name]))
            x, (lo, hi) = _number(raw), p.bounds()
            if p.kind in ("int", "seed", "float") and x is not None:
                if not lo <= x <= hi:
                    x = min(max(x, lo), hi)
                    name = tr(p.label, lang) if p.label else p.name
                    notes.append(tr("note.clamped", lang, name=name, value=x, lo=lo, hi=hi))
                raw = x
            try:
                values[p.name] = p.check(raw, lang)
            except gr.Error as e:
                notes.append(str(e.message))
        return values, notes


def _number(text) -> float | None:
    try:
        f = float(text)
    except (TypeError, ValueError):
        return None
    return f if f == f and abs(f) != float("inf") else None


_END = object()  # a stream's end, as next() reports it here
HANDLERS: dict[str, Callable] = {}  # endpoint name → its decorated handler, filled as the tab modules are imported
