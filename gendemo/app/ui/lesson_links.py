"""Lesson links (issue 32): a teacher hands out an address that opens one view with its settings, as TensorFlow
Playground keeps its whole state in its URL.

    ?tab=diffusion&prompt=a%20red%20seven&guidance=7&seed=3&run=1&hide=seed,network

- `tab` names a tab (gendemo/app/tabs.py); `section` one of that tab's other endpoints (its section is unfolded);
- every other name is a parameter of that view's endpoint (gendemo/app/endpoints.py), checked as the control checks it
  (Endpoint.from_query): a whole number out of range is clamped and said so, anything else wrong is left at the
  control's value with the control's own message;
- `run=1` presses the view's button once the controls are filled; `hide=a,b` hides those controls for this visit.

Only parameters a link may set reach a handler (Param.link: never a file, never session state), and only through the
same checks an API call passes: a URL picks among the catalog's models and the controls' ranges, nothing else. Names
that mean nothing here are ignored with a short note at the top of the page.

Each tab ends with "Link to this view": the address of the tab's main view with the current settings, built in the
browser from the address the page was opened with (a Space's, a share link's, a local one).
"""

from __future__ import annotations

import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field

import gradio as gr

from gendemo.app.endpoint import Endpoint
from gendemo.app.endpoints import ENDPOINTS
from gendemo.app.i18n import lang_of, tr
from gendemo.app.ui.common import txt

# Each tab's views, the main one first (what ?tab=NAME alone opens and what "Link to this view" describes).
VIEWS: dict[str, tuple[str, ...]] = {
    "gan": ("gan_sample", "gan_timeline"),
    "live": ("gan_live", "gan_live_step"),
    "mode_collapse": ("mode_collapse",),
    "discriminator": ("discriminate_lineup", "discriminate"),
    "cgan": ("cgan_sample",),
    "latent": (
        "latent_walk",
        "latent_grid",
        "latent_path",
        "latent_vector",
        "latent_interpolate",
        "latent_direction",
    ),
    "noising": ("noising", "schedule_twins"),
    "diffusion": ("diffusion_generate", "diffusion_guidance", "solver_comparison"),
    "inside": ("noise_prediction", "reverse_step"),
    "prompts": ("prompt_experiment", "img2img"),
    "classify": ("classify",),
}
# The button that runs a view whose endpoint is not wired to a click of its own (the live run starts from Start).
RUN_BUTTONS = {"gan_live": "live-start"}
# Names the link itself uses, and Gradio's own (?__theme=dark, ?view=api): never "unknown".
OWN = ("tab", "section", "run", "hide")
GRADIO_OWN = ("__theme", "view", "deep_link", "lang")
MAX_NAMES = 40  # a longer query is read up to here: a page never does more work for a longer address
MAX_NOTE = 180  # characters of one note: a 10 kB value is not echoed back
YES = ("1", "true", "yes", "on")

STRINGS = {
    "en": {
        "lesson.link_btn": "🔗 Link to this view",
        "lesson.link": "Link to this view (its current settings)",
        "lesson.link_info": "Copy it to hand out. Add &run=1 to run it on arrival, &hide=seed to hide a control.",
        "lesson.no_tab": "There is no tab called “{name}”; the tabs are {names}.",
        "lesson.no_section": "The tab “{tab}” has no section “{name}”; its sections are {names}.",
        "lesson.unknown": "Not used by this view, so ignored: {names}.",
        "lesson.no_run": "This view needs a picture first, so it was not run.",
        "lesson.head": "**This link set:**",
    },
    "zh-CN": {
        "lesson.link_btn": "🔗 本视图的链接",
        "lesson.link": "本视图的链接（当前设置）",
        "lesson.link_info": "复制后即可分发。加上 &run=1 会在打开时运行一次，加上 &hide=seed 会隐藏该控件。",
        "lesson.no_tab": "没有名为“{name}”的标签页；标签页有：{names}。",
        "lesson.no_section": "标签页“{tab}”没有名为“{name}”的部分；它的部分有：{names}。",
        "lesson.unknown": "本视图用不到以下名称，已忽略：{names}。",
        "lesson.no_run": "这个视图需要先给一张图片，所以没有运行。",
        "lesson.head": "**这个链接的设置：**",
    },
}


def _short(text: str, n: int = 40) -> str:
    text = str(text)
    return text if len(text) <= n else text[: n - 1] + "…"


_MARKDOWN = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+-.!|~>:/=&"} | {"<": "&lt;"})


def plain(note: str) -> str:
    """A note as Markdown that shows it letter for letter: a link's words (echoed back from its query) never become
    a link, a picture or markup on the page."""
    return note.translate(_MARKDOWN)


@dataclass
class Plan:
    """What a lesson link asks for, checked: which view, the values it sets, what to hide, whether to run."""

    tab: str | None = None  # None: the page opens as usual
    endpoint: str | None = None
    values: dict = field(default_factory=dict)
    hide: list[str] = field(default_factory=list)
    run: bool = False
    notes: list[str] = field(default_factory=list)


def plan(query: Mapping[str, str], lang: str = "en") -> Plan:
    """The lesson link's query, read and checked. Pure: no components, no request (the handler tests call it)."""
    query = {str(k): str(v) for k, v in list(query.items())[:MAX_NAMES]}
    out = Plan()
    if "tab" not in query:
        return out
    tab = query["tab"].strip()
    if tab not in VIEWS:
        out.notes.append(tr("lesson.no_tab", lang, name=_short(tab), names=", ".join(VIEWS)))
        return out
    out.tab = tab
    names = VIEWS[tab]
    ep_name = names[0]
    section = query.get("section", "").strip()
    if section:
        if section in names:
            ep_name = section
        else:
            out.notes.append(tr("lesson.no_section", lang, tab=tab, name=_short(section), names=", ".join(names)))
    out.endpoint = ep_name
    ep: Endpoint = ENDPOINTS[ep_name]
    out.values, checked = ep.from_query(query, lang)
    out.notes.extend(_short(n, MAX_NOTE) for n in checked)
    params = {p.name for p in ep.params if p.kind != "state"}
    hide = [h.strip() for h in query.get("hide", "").split(",") if h.strip()]
    out.hide = [h for h in hide if h in params]
    linkable = {p.name for p in ep.params if p.link}
    unknown = [k for k in query if k not in linkable and k not in OWN and k not in GRADIO_OWN]
    unknown += [h for h in hide if h not in params]
    if unknown:
        shown = ", ".join(_short(u, 30) for u in unknown[:6]) + (" …" if len(unknown) > 6 else "")
        out.notes.append(tr("lesson.unknown", lang, names=shown))
    out.run = query.get("run", "").strip().lower() in YES
    return out


# ---------------------------------------------------------------------------------------------------- links


def _as_text(p, value) -> str | None:
    if value is None:
        return None
    if p.kind in ("int", "seed"):
        try:
            return str(int(round(float(value))))
        except (TypeError, ValueError):
            return None
    if p.kind == "float":
        try:
            return f"{float(value):g}"
        except (TypeError, ValueError):
            return None
    if p.kind == "choices":
        return ",".join(str(v) for v in (value or []))
    return str(value)


def link_for(href: str, tab: str, endpoint: str, values: Mapping) -> str:
    """The lesson link of a view with these control values, on the address the page was opened with (`href`, read in
    the browser: behind a Space or a share link the server's own idea of its address differs)."""
    parts = urllib.parse.urlsplit(href or "")
    keep = [(k, v) for k, v in urllib.parse.parse_qsl(parts.query) if k in GRADIO_OWN and k != "view"]
    query = [("tab", tab)]
    if endpoint != VIEWS[tab][0]:
        query.append(("section", endpoint))
    for p in ENDPOINTS[endpoint].params:
        if p.link and p.name in values:
            text = _as_text(p, values[p.name])
            if text is not None:
                query.append((p.name, text))
    encoded = urllib.parse.urlencode(keep + query, quote_via=urllib.parse.quote)
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, parts.path or "/", encoded, ""))


# ---------------------------------------------------------------------------------------------------- the page


@dataclass
class View:
    """One endpoint's controls on the page, found from its event: the inputs by parameter name, the button that runs
    it, and the closed sections (accordions, sub-tabs) around them."""

    tab: str
    endpoint: str
    controls: dict  # parameter name → component
    button: str | None  # the run button's elem_id
    sections: list  # layouts to unfold: gr.Accordion, or (gr.Tabs, the sub-tab's id)
    presets: bool = False  # changing one control sets others (the live tab's recipe sets its knobs)


def _event_of(root: gr.Blocks, endpoint: str):
    for fn in root.fns.values():
        if fn.api_name == endpoint and fn.api_visibility != "private":
            return fn
    raise LookupError(f"/{endpoint} is not wired to an event with its API name")


def _sections(block, top_tab) -> list:
    out = []
    b = block.parent
    while b is not None and b is not top_tab:
        if isinstance(b, gr.Accordion):
            out.append(b)
        elif isinstance(b, gr.Tab) and isinstance(b.parent, gr.Tabs) and b.id is not None:
            out.append((b.parent, b.id))
        b = b.parent
    return out


def find_view(root: gr.Blocks, tab: str, endpoint: str, top_tab) -> View:
    fn = _event_of(root, endpoint)
    ep = ENDPOINTS[endpoint]
    controls = {p.name: c for p, c in zip(ep.params, fn.inputs) if p.kind != "state"}
    button = RUN_BUTTONS.get(endpoint)
    if button is None:
        for block_id, _event in fn.targets:
            b = root.blocks.get(block_id)
            if isinstance(b, gr.Button):
                if not b.elem_id:
                    b.elem_id = f"run-{endpoint}"  # the page finds it by id to press it
                button = b.elem_id
                break
    anchor = next((root.blocks.get(t) for t, _ in fn.targets if root.blocks.get(t) is not None), None)
    sections = []
    for block in [anchor, *controls.values()]:
        for s in _sections(block, top_tab) if block is not None else []:
            if not any(s is t or (isinstance(s, tuple) and s == t) for t in sections):
                sections.append(s)
    ids = {c._id for c in controls.values()}
    presets = any(
        any(t in ids for t, _ in fn.targets) and any(o._id in ids for o in fn.outputs) for fn in root.fns.values()
    )
    return View(tab, endpoint, controls, button, sections, presets)


# Pressing the run button from the page: the run is then the learner's own click (progress, streaming, Stop), after the
# controls were filled. The opening results (common.on_open) may still arrive meanwhile: the press waits a little.
_RUN_JS = """
(button) => {
  if (!button) return;
  let tries = 0;
  const press = () => {
    const b = document.getElementById(button);
    if (b && !b.disabled && b.getBoundingClientRect().width > 0) { setTimeout(() => b.click(), 400); return; }
    if (++tries < 60) setTimeout(press, 250);
  };
  press();
}
"""
_WAIT_JS = """
async (values) => {
  if (Object.keys(values || {}).length) await new Promise((r) => setTimeout(r, 800));
  return [values];
}
"""
_HREF_JS = "(href, ...values) => [window.location.href, ...values]"


def _link_row(tab: str, view: View) -> None:
    """The tab's "Link to this view": a button and the address it writes, with a copy button."""
    names = [p.name for p in ENDPOINTS[view.endpoint].params if p.link and p.name in view.controls]
    with gr.Row(elem_id=f"link-row-{tab}", equal_height=True):
        button = gr.Button(txt("lesson.link_btn"), elem_id=f"link-btn-{tab}", size="sm", scale=0, min_width=200)
        box = gr.Textbox(
            label=txt("lesson.link"),
            info=txt("lesson.link_info"),
            elem_id=f"link-{tab}",
            interactive=False,
            buttons=["copy"],
            scale=4,
        )

    def make_link(href, *values):
        return link_for(str(href or ""), tab, view.endpoint, dict(zip(names, values)))

    button.click(
        make_link,
        [box, *[view.controls[n] for n in names]],
        [box],
        js=_HREF_JS,
        api_visibility="private",
        queue=False,
        show_progress="hidden",
    )


def add_link_control(tab: str) -> None:
    """Called inside the tab's gr.Tab, after its build(): the tab's main view is wired by then."""
    root = gr.context.Context.root_block
    top_tab = gr.context.Context.block
    _link_row(tab, find_view(root, tab, VIEWS[tab][0], top_tab))


def note() -> gr.Markdown:
    """The short note a lesson link leaves at the top of the page (what it clamped or ignored); hidden otherwise."""
    return gr.Markdown(visible=False, elem_id="lesson-note")


def wire(root: gr.Blocks, tabs: gr.Tabs, note_md: gr.Markdown) -> None:
    """Called inside the page's Blocks once every tab is built: the load event that applies a link."""
    top = {t.id: t for t in tabs.children if isinstance(t, gr.Tab)}
    views = {(tab, ep): find_view(root, tab, ep, top[tab]) for tab, eps in VIEWS.items() for ep in eps}
    run_button = gr.Textbox(visible=False, elem_id="lesson-run")  # the elem_id of the button to press, or ""
    # control index → value, set once more after a preset has moved it (see wire's .then); on the page, as the wait
    # before it is the page's
    again = gr.JSON({}, visible=False)
    controls, layouts = [], []
    for view in views.values():
        for c in view.controls.values():
            if all(c is not d for d in controls):
                controls.append(c)
        for s in view.sections:
            layout = s[0] if isinstance(s, tuple) else s
            if all(layout is not d for d in layouts):
                layouts.append(layout)

    def apply(request: gr.Request):
        lang = lang_of(request)
        query = dict(request.query_params) if request is not None else {}
        p = plan(query, lang)
        if p.tab is None:
            text = " ".join(map(plain, p.notes))
            skip = [gr.skip()] * (len(controls) + len(layouts))
            return [gr.skip(), gr.Markdown(value=text, visible=bool(text)), "", {}, *skip]
        view = views[(p.tab, p.endpoint)]
        ep = ENDPOINTS[p.endpoint]
        updates, later = [], {}
        for i, c in enumerate(controls):
            name = next((n for n, d in view.controls.items() if d is c), None)
            kw = {}
            if name in p.values:
                # a checked prompt goes back as the learner's own words (the handler checks it again on its run)
                kw["value"] = query[name] if ep.param(name).kind == "prompt" else p.values[name]
                if view.presets:
                    later[str(i)] = kw["value"]
            if name in p.hide:
                kw["visible"] = False
            updates.append(gr.update(**kw) if kw else gr.skip())
        for layout in layouts:
            sub = next((s for s in view.sections if (s[0] if isinstance(s, tuple) else s) is layout), None)
            if sub is None:
                updates.append(gr.skip())
            elif isinstance(sub, tuple):
                updates.append(gr.Tabs(selected=sub[1]))
            else:
                updates.append(gr.Accordion(open=True))
        run = ""
        if p.run:
            if _has_files(view):
                run = view.button or ""
            else:
                p.notes.append(tr("lesson.no_run", lang))
        text = (tr("lesson.head", lang) + " " + " ".join(map(plain, p.notes))) if p.notes else ""
        return [gr.Tabs(selected=p.tab), gr.Markdown(value=text, visible=bool(text)), run, later, *updates]

    def apply_again(values):
        # a recipe set by the link fires the tab's own preset, which moves the knobs back to that recipe's: the
        # link's knobs are set once more, after it
        values = {int(k): v for k, v in (values or {}).items()}  # JSON keys come back as text
        return [gr.update(value=values[i]) if i in values else gr.skip() for i in range(len(controls))]

    root.load(
        apply,
        None,
        [tabs, note_md, run_button, again, *controls, *layouts],
        api_visibility="private",
        queue=False,
        show_progress="hidden",
    ).then(
        apply_again, [again], controls, js=_WAIT_JS, api_visibility="private", queue=False, show_progress="hidden"
    ).then(None, [run_button], None, js=_RUN_JS, api_visibility="private", queue=False)


def _has_files(view: View) -> bool:
    """A view runs from a link only when each of its pictures has one to start with (the Noising tab's example digit;
    the classifier's empty canvas has none)."""
    ep = ENDPOINTS[view.endpoint]
    files = [c for n, c in view.controls.items() if ep.param(n).kind == "file"]
    return all(getattr(c, "value", None) for c in files)
