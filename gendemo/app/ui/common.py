"""What every tab shares: translated labels, input checking that speaks the learner's language, the error boundary."""

from __future__ import annotations

import functools
import inspect
import logging
import math
from collections.abc import Callable

import gradio as gr
from gradio.caching import CacheMissError

from gendemo.app.i18n import I18nLabel, lang_of, tr
from gendemo.app.registry import REGISTRY, ModelUnavailable
from gendemo.core.images import BadImage, pil_outputs_to_files

log = logging.getLogger("gendemo")
txt = I18nLabel()  # txt("key") → a label the browser translates


def as_int(value, name: str, lo: int, hi: int, lang: str, clamp: bool = False) -> int:
    """Whole numbers from sliders, numbers or text; out of range → clear error (or clamp when asked)."""
    if isinstance(value, bool) or value is None or value == "":
        raise gr.Error(tr("err.not_int", lang, name=name, value=value))
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise gr.Error(tr("err.not_int", lang, name=name, value=value)) from None
    if not math.isfinite(f) or f != int(f):
        raise gr.Error(tr("err.not_int", lang, name=name, value=value))
    v = int(f)
    if v < lo or v > hi:
        if clamp:
            return min(max(v, lo), hi)
        raise gr.Error(tr("err.range", lang, name=name, lo=lo, hi=hi, value=v))
    return v


def as_float(value, name: str, lo: float, hi: float, lang: str) -> float:
    if isinstance(value, bool) or value is None or value == "":
        raise gr.Error(tr("err.not_number", lang, name=name, value=value))
    try:
        f = float(value)
    except (TypeError, ValueError):
        raise gr.Error(tr("err.not_number", lang, name=name, value=value)) from None
    if not math.isfinite(f) or f < lo or f > hi:
        raise gr.Error(tr("err.range", lang, name=name, lo=lo, hi=hi, value=value))
    return f


def as_seed(value, lang: str) -> int:
    return as_int(value, tr("common.seed", lang), 0, 2**31 - 1, lang)


def model(name: str, lang: str, registry=REGISTRY):
    try:
        return registry.get(name)
    except ModelUnavailable as e:
        raise gr.Error(tr("common.unavailable", lang, why=str(e))) from None


def unmarked(value):
    """A handler's answer without the answer cache's mark (answer_cache.partial: passed on, not kept), for a handler
    the cache does not wrap."""
    from gendemo.app.answer_cache import Partial

    return value.value if isinstance(value, Partial) else value


def guarded(fn: Callable) -> Callable:
    """The error boundary of a handler: user mistakes pass through as gr.Error; anything else is logged with its trace
    on the server and the browser gets one plain sentence, never a stack trace. PIL outputs leave as finished PNG
    files."""

    def translate(e, args, kwargs):
        # the request comes by keyword, or (handlers with a built signature, see on_open) as the last positional
        req = kwargs.get("request") or next((a for a in args if isinstance(a, gr.Request)), None)
        lang = lang_of(req)
        if isinstance(e, CacheMissError):  # Gradio's probe of the answer cache found nothing: the request queues
            return e
        if isinstance(e, gr.Error):
            if e.title == "Error":  # Gradio's default title (API clients read it; the page, see page_js)
                e.title = tr("err.title", lang)
            return e
        if isinstance(e, BadImage):
            return gr.Error(tr("err.bad_image", lang, why=str(e)))
        log.exception("handler %s failed", fn.__name__)
        return gr.Error(tr("err.internal", lang))

    import inspect

    if inspect.isasyncgenfunction(fn):

        @functools.wraps(fn)
        async def agen_wrapper(*args, **kwargs):
            import asyncio

            stream = fn(*args, **kwargs)
            try:
                async for value in stream:
                    yield await asyncio.to_thread(pil_outputs_to_files, value)
            except Exception as e:
                raise translate(e, args, kwargs) from None
            finally:
                await stream.aclose()

        return agen_wrapper

    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def gen_wrapper(*args, **kwargs):
            try:
                for value in fn(*args, **kwargs):
                    yield pil_outputs_to_files(unmarked(value))
            except Exception as e:
                raise translate(e, args, kwargs) from None

        return gen_wrapper

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return pil_outputs_to_files(unmarked(fn(*args, **kwargs)))
        except Exception as e:
            raise translate(e, args, kwargs) from None

    return wrapper


def unavailable_note(names: list[str], lang: str = "en") -> str:
    """Markdown that explains which checkpoint is missing, or '' when all load."""
    msgs = [m for m in (REGISTRY.status(n) for n in names) if m]
    return "\n\n".join("⚠️ " + tr("common.unavailable", lang, why=m) for m in msgs)


BAD_IMAGE_BOTH = "That file could not be read as an image. / 无法把这个文件当作图片读取。"
ERROR_TITLE_BOTH = "Error · 出错了"  # the toast title of a check that runs before the request's language is known


class ImageInput(gr.Image):
    """gr.Image whose handler receives the uploaded file's path undecoded: gendemo.images opens it with a pixel limit,
    EXIF transpose, alpha compositing and 16-bit rescaling, so a bomb or a truncated file gets the app's own message.
    The class `gd-in` puts its label on a line of its own above the picture (app.py's CSS), not over its top."""

    @functools.wraps(gr.Image.__init__)  # Gradio reads a component's config from its __init__ signature
    def __init__(self, *args, elem_classes=None, **kwargs):
        classes = [elem_classes] if isinstance(elem_classes, str) else list(elem_classes or [])
        super().__init__(*args, elem_classes=[*classes, "gd-in"], **kwargs)

    def get_block_name(self) -> str:
        return "image"

    def preprocess(self, payload):
        if payload is None:
            return None
        if getattr(payload, "path", None) is None:
            raise gr.Error(BAD_IMAGE_BOTH, title=ERROR_TITLE_BOTH)
        return str(payload.path)


# Maths in Markdown: $…$ inline, $$…$$ displayed, typeset in the browser (gr.Markdown alone renders only $$…$$).
LATEX = [{"left": "$$", "right": "$$", "display": True}, {"left": "$", "right": "$", "display": False}]


def markdown(value=None, **options) -> gr.Markdown:
    """gr.Markdown that typesets the maths written between $ signs (x_t as $x_t$, x̂0 as $\\hat{x}_0$)."""
    options.setdefault("latex_delimiters", LATEX)
    return gr.Markdown(value, **options)


PICTURE_CLASSES = {"pixel": "gd-pixel", "chart": "gd-out"}  # app.py's CSS keeps labels and toolbars off both kinds


def on_space() -> bool:
    """Whether the app runs on a Hugging Face Space (SPACE_ID is set there)."""
    import os

    return bool(os.environ.get("SPACE_ID"))


def picture_buttons(gallery: bool = False) -> list[str]:
    """The toolbar of an output picture (or gallery): download and fullscreen, and Share only on a Space — anywhere
    else Gradio's share icon answers every click with "Must be on Spaces to share"."""
    return ["download", *(["download_all"] if gallery else []), "fullscreen", *(["share"] if on_space() else [])]


def picture(label, elem_id: str, kind: str = "pixel", **options) -> gr.Image:
    """An output picture: a PNG the learner cannot edit. kind "pixel" for digits (drawn crisp, nearest-neighbour),
    "chart" for plots."""
    if kind not in PICTURE_CLASSES:
        raise ValueError(f"unknown picture kind {kind!r} (choose from {', '.join(PICTURE_CLASSES)})")
    options.setdefault("buttons", picture_buttons())
    return gr.Image(
        label=label, format="png", interactive=False, elem_id=elem_id, elem_classes=[PICTURE_CLASSES[kind]], **options
    )


def pictures(elem_id: str, columns: int, label=None, **options) -> gr.Gallery:
    """An output gallery of digits: PNGs with their captions under each one (app.py's CSS), no label over them unless
    one is given."""
    shown = {"label": label} if label is not None else {"show_label": False}
    options.setdefault("buttons", picture_buttons(gallery=True))
    return gr.Gallery(
        **shown,
        columns=columns,
        height="auto",
        format="png",
        interactive=False,
        elem_id=elem_id,
        elem_classes=[PICTURE_CLASSES["pixel"]],
        **options,
    )


MAX_LAYERS = 4  # the sketchpad sends one layer; an API call listing the same upload 40 times is turned away
TOO_MANY_LAYERS_BOTH = f"A drawing has at most {MAX_LAYERS} layers. / 一幅画最多 {MAX_LAYERS} 个图层。"


class SketchInput(gr.Sketchpad):
    """gr.Sketchpad whose decoding failures (a bomb or garbage sent through the API) become a plain message, and that
    refuses more layers than a drawing has before decoding any of them. One layer and no layer menu (its "Layer 1"
    is English in every language, and a learner drawing a digit has no use for layers); the class `gd-sketch` lets
    the page script (page_js) pick the brush, so a drag draws at once."""

    @functools.wraps(gr.Sketchpad.__init__)  # Gradio reads a component's config from its __init__ signature
    def __init__(self, *args, layers=False, elem_classes=None, **kwargs):
        classes = [elem_classes] if isinstance(elem_classes, str) else list(elem_classes or [])
        super().__init__(*args, layers=layers, elem_classes=[*classes, "gd-sketch"], **kwargs)

    def get_block_name(self) -> str:
        return "imageeditor"

    def preprocess(self, payload):
        if payload is not None and len(getattr(payload, "layers", None) or []) > MAX_LAYERS:
            raise gr.Error(TOO_MANY_LAYERS_BOTH, title=ERROR_TITLE_BOTH)
        return super().preprocess(payload)

    def convert_and_format_image(self, *args, **kwargs):
        from PIL import Image

        from gendemo.core.images import MAX_PIXELS

        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        try:
            return super().convert_and_format_image(*args, **kwargs)
        except gr.Error:
            raise
        except Exception:
            raise gr.Error(BAD_IMAGE_BOTH, title=ERROR_TITLE_BOTH) from None


# The page script (launch(js=page_js())), for two things Gradio leaves undone:
# - its image editor starts with no tool chosen, so a drag selects the hint "select the draw tool to start" instead of
#   drawing. Whenever a sketchpad (class gd-sketch) shows that hint — when the page opens, and again after its canvas
#   was reset — the script presses its brush button (the first tool on the left), so a drag draws at once;
# - an error toast is titled with the English word "Error" whatever the language (Gradio 6.31 shows neither
#   gr.Error's title nor a translation there): on a Chinese page the script writes the title in Chinese.
_PAGE_JS = """
() => {
  const titles = %s;
  const fix = () => {
    for (const block of document.querySelectorAll('.gd-sketch')) {
      const hint = block.querySelector('.empty.wrap');
      if (!hint || hint.dataset.gdPicked || !block.querySelector('.pixi-target canvas')) continue;
      const brush = block.querySelector('.toolbar-wrap .half-container:not(.right) button');
      if (!brush) continue;
      hint.dataset.gdPicked = '1';
      setTimeout(() => brush.click(), 200);
    }
    if (!(document.documentElement.lang || '').toLowerCase().startsWith('zh')) return;
    for (const title of document.querySelectorAll('.toast-title')) {
      for (const node of title.childNodes) {
        const word = node.nodeType === 3 ? node.nodeValue.trim() : '';
        if (titles[word]) node.nodeValue = titles[word] + ' ';
      }
    }
  };
  new MutationObserver(fix).observe(document.body, {childList: true, subtree: true, characterData: true});
  fix();
}
"""


def page_js() -> str:
    import json

    return _PAGE_JS % json.dumps({"Error": tr("err.title", "zh-CN")}, ensure_ascii=False)


# A stroke that leaves something on the canvas empties the upload box; an emptied canvas (an example, Clear) does not.
# The page holds a drawing either as its layers or, once handed to the server, as a blob id.
_CLEAR_UPLOAD_JS = "(d, u) => (d && (d.id || d.composite || d.background || (d.layers || []).length) ? null : u)"


def latest_input_wins(drawing, upload) -> None:
    """Drawing and uploading feed one handler, which takes the upload if there is one, else the drawing. So that the
    input the learner touched last is the one used, a stroke on the sketchpad removes the uploaded picture — in the
    browser, at once, with no server call; a later upload is then the one there and wins by that rule."""
    drawing.input(None, [drawing, upload], upload, js=_CLEAR_UPLOAD_JS, queue=False, api_visibility="private")


# Gradio's own input checks answer in English with their own wording ("Value -1 is less than minimum value 2."), or with
# a bare "Error" for text sent where a number belongs. These pass the raw value to the handler, whose as_int/as_float/
# as_choice give the app's message in the learner's language. The browser widgets are the stock ones.
class Slider(gr.Slider):
    def get_block_name(self) -> str:
        return "slider"

    def preprocess(self, payload):
        return payload


class Number(gr.Number):
    def get_block_name(self) -> str:
        return "number"

    def preprocess(self, payload):
        return payload


class Dropdown(gr.Dropdown):
    def get_block_name(self) -> str:
        return "dropdown"

    def preprocess(self, payload):
        return payload


class Radio(gr.Radio):
    def get_block_name(self) -> str:
        return "radio"

    def preprocess(self, payload):
        return payload


class CheckboxGroup(gr.CheckboxGroup):
    def get_block_name(self) -> str:
        return "checkboxgroup"

    def preprocess(self, payload):
        return payload


def as_choice(value, choices, name: str, lang: str):
    """A value that must be one of `choices` (the values, not the labels, of a Radio/Dropdown)."""
    values = [c[1] if isinstance(c, (tuple, list)) else c for c in choices]
    if value in values:
        return value
    for v in values:  # the API may send 3 for "3", or "3" for 3
        if str(v) == str(value):
            return v
    raise gr.Error(tr("err.choice", lang, name=name, value=value, choices=", ".join(map(str, values))))


MAX_PICKED = 32  # more names than any choice list here has: a list of thousands is refused before it is read


def as_choices(values, choices, name: str, lang: str) -> list:
    """Values picked from `choices` (a CheckboxGroup's), in the order of `choices`, each once. One value may come
    alone instead of in a list (an API caller's "ddim"); anything not among the choices is refused by name."""
    if values is None:
        values = []
    if isinstance(values, (str, int, float)):
        values = [values]
    if not isinstance(values, (list, tuple)) or len(values) > MAX_PICKED:
        shown = f"{type(values).__name__} of {len(values)}" if isinstance(values, (list, tuple)) else values
        raise gr.Error(tr("err.choice", lang, name=name, value=shown, choices=", ".join(map(str, _values(choices)))))
    picked = {as_choice(v, choices, name, lang) for v in values}
    return [v for v in _values(choices) if v in picked]


def _values(choices) -> list:
    return [c[1] if isinstance(c, (tuple, list)) else c for c in choices]


def example_caching() -> dict:
    """gr.Examples options: on a Hugging Face Space (SPACE_ID is set) results are cached lazily — computed on an
    example's first click, then served from the cache — so the Space starts fast; locally nothing is cached."""
    if on_space():
        return {"cache_examples": True, "cache_mode": "lazy"}
    return {"cache_examples": False}


def path_of(value):
    """The file behind an image input: a path, an API FileData dict,
    or a sketchpad value (its composite, else its first layer)."""
    if value is None:
        return None
    if isinstance(value, dict) and "path" in value:  # a FileData dict from the API
        return value["path"]
    if isinstance(value, dict):  # ImageEditor/Sketchpad value: {"background", "layers", "composite"}
        comp = value.get("composite")
        if comp:
            return comp["path"] if isinstance(comp, dict) else comp
        layers = value.get("layers") or []
        if layers:
            first = layers[0]
            return first["path"] if isinstance(first, dict) else first
        return None
    return value


# ---------------------------------------------------------------- what a tab shows when the page opens

OPEN_KEYS = 4  # results kept per opening handler: the defaults in two languages, and a little slack
GPU_HANDLERS: dict[str, Callable] = {}  # on ZeroGPU, zerogpu.prepare puts each handler's spaces.GPU wrapper here
OPENERS: list[tuple[Callable, list]] = []  # (opening, its inputs' default values), for warm_openers
AHEAD: list[Callable[[], object]] = []  # values a handler derives once per loaded model, made by warm_openers too


def ahead(make: Callable[[], object]) -> Callable[[], object]:
    """Marks `make` (no arguments) as work warm_openers does after the openers: a value that one request would
    otherwise compute while every request behind it in its lane waits (the Inside tab's loss curve held the diffusion
    lane 8 s in the class benchmark)."""
    AHEAD.append(make)
    return make


class _Lang:
    """Stands in for a gr.Request when the cached result is computed: only the language is read from it."""

    def __init__(self, lang: str):
        self.headers = {"accept-language": lang}


def _lost_files(value) -> bool:
    """Whether the value names an output PNG that is no longer there."""
    import os

    from gendemo.core.images import output_dir

    if isinstance(value, str):
        return value.endswith(".png") and value.startswith(str(output_dir())) and not os.path.exists(value)
    if isinstance(value, (list, tuple)):
        return any(_lost_files(v) for v in value)
    if isinstance(value, dict):
        return any(_lost_files(v) for v in value.values())
    return False


def on_open(handler: Callable, inputs: list, outputs: list) -> None:
    """When a page opens, fill `outputs` with what `handler` gives for the inputs' default values, so a tab never opens
    blank. The result is computed once per language and kept (a few keys at most, oldest forgotten): a page load then
    costs a dictionary lookup, not a model run; a streaming handler (a generator) gives its last answer. The event is
    private (not an API endpoint) and skips the queue; PNGs that Gradio's cache cleanup deleted meanwhile are written
    again from the kept images."""
    import collections
    import threading

    kept: collections.OrderedDict = collections.OrderedDict()
    lock = threading.Lock()
    # the handler's body, returning PIL images (guarded converts); through the answer cache, PNG files
    raw = getattr(handler, "__wrapped__", handler)
    n = len(inputs)

    def opening(*args):
        # Gradio passes the n input values and then the request, positionally (see the signature set below)
        values, request = list(args[:n]), (args[n] if len(args) > n else None)
        lang = lang_of(request)
        key = (lang, repr(values))
        with lock:
            hit = kept.get(key)
        if hit is not None and _lost_files(hit):  # an answer-cache handler gives files: the cleanup may have taken one
            hit = None
        if hit is None:
            fn = GPU_HANDLERS.get(handler.__name__)
            if fn is not None:  # ZeroGPU: the GPU is lent only inside the handler's spaces.GPU wrapper
                hit = fn(*values, request=request)
            else:
                hit = raw(*values, request=_Lang(lang))
            if inspect.isgenerator(hit):  # a stream: what it shows when it is done
                *_, hit = hit
            with lock:
                kept[key] = hit
                while len(kept) > OPEN_KEYS:
                    kept.popitem(last=False)
        return pil_outputs_to_files(hit)

    P = inspect.Parameter
    params = [P(f"value{i}", P.POSITIONAL_OR_KEYWORD, default=None) for i in range(n)]
    opening.__signature__ = inspect.Signature(
        [*params, P("request", P.POSITIONAL_OR_KEYWORD, default=None, annotation=gr.Request)]
    )
    opening.__annotations__ = {"request": gr.Request}  # Gradio finds the request parameter by its type hint
    OPENERS.append((opening, [getattr(c, "value", None) for c in inputs]))
    root = gr.context.Context.root_block
    root.load(guarded(opening), inputs, outputs, api_visibility="private", queue=False, show_progress="hidden")


def warm_openers(langs=("en", "zh-CN")) -> int:
    """Compute every tab's opening result for each language, one after another (the server calls this in the
    background after launch): the first visitor's page then opens from kept results, instead of a dozen handlers
    competing for the CPU at once; then the values marked `ahead`. Returns how many were computed; a failure is logged
    and left to the page."""
    done = 0
    for opening, defaults in list(OPENERS):
        if any(isinstance(v, dict) for v in defaults):
            continue  # a file input: the page sends its cached copy's path, which only the page knows
        for lang in langs:
            try:
                opening(*defaults, _Lang(lang))
                done += 1
            except Exception:  # noqa: BLE001 — the tab will say what is wrong when it opens
                log.warning("opening result of %s not computed", opening.__name__, exc_info=True)
    for make in list(AHEAD):
        try:
            make()
            done += 1
        except Exception:  # noqa: BLE001 — the request that needs it computes it and says what is wrong
            log.warning("%s not computed ahead", make.__name__, exc_info=True)
    return done


# ---------------------------------------------------------------- example tables in the page's language


def localise(value, lang: str):
    """`value` with every translated label (gr.i18n.I18nData, nested in lists, tuples and dicts) as text in `lang`."""
    if isinstance(value, gr.i18n.I18nData):
        return tr(value.key, lang)
    if isinstance(value, dict):
        return {k: localise(v, lang) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(localise(v, lang) for v in value)
    return value


def translate_examples(root: gr.Blocks) -> None:
    """Every gr.Examples table under `root` titled, headed and filled in the page's language. Gradio heads the columns
    with the inputs' labels and shows a choice by its label, but the browser translates neither inside a table (they
    would read as raw keys). So each table is built with the English text, and when a page opens one private event
    sends the text in the request's language: column headers, choice labels, the title ("Examples" unless the tab
    named it), and the labels of examples shown as labelled buttons (example_labels given as txt("key")). Call once,
    after every tab is built, inside the Blocks."""
    tables = []
    for block in list(root.blocks.values()):
        if not isinstance(block, gr.Dataset):
            continue
        if block.label in (None, "Examples"):
            block.label = txt("common.examples")
        template = (list(block.headers or []), list(block.component_props or []), block.sample_labels)
        block.headers, block.component_props, block.sample_labels = localise(template, "en")
        tables.append((block, template))
    if not tables:
        return

    def update(template, lang: str) -> gr.Dataset:
        headers, props, labels = localise(template, lang)
        return gr.Dataset(headers=headers, component_props=props, **({"sample_labels": labels} if labels else {}))

    def example_tables(request: gr.Request = None):
        lang = lang_of(request)
        return [update(template, lang) for _, template in tables]

    root.load(
        example_tables,
        None,
        [b for b, _ in tables],
        api_visibility="private",
        queue=False,
        show_progress="hidden",
    )
