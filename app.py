"""gendemo — the Gradio app. Importing this module builds `demo` and nothing else; `python app.py` serves it.
On a ZeroGPU Space (SPACES_ZERO_GPU set) importing it also loads the models onto the GPU, as ZeroGPU requires.

python app.py [--host 127.0.0.1] [--port 7860] [--share] [--device auto|cpu|cuda] [--mcp] [--class-board]
"""

from __future__ import annotations

import argparse
import os

import gradio as gr

from gendemo.app import limits, queue_eta, zerogpu
from gendemo.app.api_docs import DocumentedBlocks, document
from gendemo.app.endpoints import TOLD_LANES
from gendemo.app.i18n import gradio_i18n
from gendemo.app.tabs import tab_modules
from gendemo.app.ui import chapter_map, class_board_tab, lesson_links
from gendemo.app.ui.common import page_js, translate_examples, txt
from gendemo.core.paths import EXAMPLES

QUEUE_SIZE = 64  # requests waiting beyond this are turned away with a "busy" message instead of piling up
CONCURRENCY = 2  # two cores: more parallel model runs only make each one slower
# Gradio deletes the files it serves once they are this old (checked every quarter of that): a long-running server's
# cache then holds about half an hour of results instead of growing by ≈ 1 MB with every diffusion call.
CACHE_MAX_AGE = max(2, int(os.environ.get("GENDEMO_CACHE_MAX_AGE", "1800")))
DELETE_CACHE = (max(1, CACHE_MAX_AGE // 4), CACHE_MAX_AGE)
# The footer keeps "Use via API" (the README's client examples) and Settings (language, theme); no "Built with Gradio".
FOOTER_LINKS = ["api", "settings"]
# Output pictures (class gd-pixel; gd-out for figures) show whole (#12 item 5). Gradio floats a picture's label and
# its toolbar (fullscreen, download, share) over the picture's top, which hid most of a 30 px strip of digits. Here the
# label is a line of its own above the picture (a block of fixed height shrinks the picture to make room for it rather
# than cut off its bottom) and the toolbar sits at the right of that line, placed against the block, not the picture; a
# picture shown without a label keeps that line free for the toolbar. Gallery captions go under their picture, wrapped,
# instead of over its bottom corner cut off with "…" (a judged digit's caption is as long as the digit is wide, and it
# must not hide the digit; a caption's line breaks are kept, so a judged digit reads as two lines, digit and colour),
# and a gallery's columns share its width instead of running past its side; a gallery is as tall as its rows of
# pictures (Gradio gives an auto-height gallery at least 450 px: one row of digits sat above 300 px of blank). The
# solver comparison's pictures (a row of 1–4 digits per solver) keep their own shape: squared, two digits were
# letterboxed into a third of the space. Upload boxes (common.ImageInput, class gd-in) put their label on its own line
# the same way: floated, it hid the top of the example picture in them.
# A slider's label takes the whole line when it does not fit beside the slider's number box, which then moves under
# it (Gradio gives the label no width of its own: in a half-width column "引导强度" broke as "引导强/度", and a longer
# label ran down five lines of two characters). Gradio's Settings keep the theme but not their language menu: it
# translated the labels only, while everything the server writes (results, explanations, example tables, tab openers)
# follows the browser's language, so the page came out half in each. The page follows the browser (app.lang_note).
# On a phone, Inside diffusion's five and six panels come in rows of three (six across, their captions were cut off),
# and the Diffusion tab's judged digits in rows of four (eight across, 40 px each, their captions cut).
# The chapter map (#32) is the page's first block; closed, on a wide window, it sits beside the title instead of above
# it, so it costs the tabs no height (each tab's button and first result stay above a laptop's fold).
CSS = """
.gd-pixel img { image-rendering: pixelated; }
:is(.gd-pixel, .gd-out, .gd-in) > label[data-testid="block-label"].float {
  position: static; margin: var(--block-label-margin); max-width: calc(100% - 7rem); align-self: flex-start;
}
:is(.gd-pixel, .gd-out, .gd-in):has(> label.float) { display: flex; flex-flow: column nowrap; }
:is(.gd-pixel, .gd-out, .gd-in) > :is(.image-container, .gallery-container) { flex: 1 1 auto; min-height: 0; }
.gd-pixel .gallery-container > .grid-wrap { max-height: 100%; }
.gd-pixel .grid-wrap.fixed-height { min-height: 0; }
:is(.gd-pixel, .gd-out, .gd-in) :is(.image-container, .gallery-container, .grid-wrap) { position: static; }
:is(.gd-pixel, .gd-out):not(:has(> label:not(.hide))) > :is(.image-container, .gallery-container) { padding-top: 2rem; }
.gd-pixel .grid-container { grid-template-columns: repeat(var(--grid-cols), minmax(0, 1fr)); }
.gd-pixel .thumbnail-item { aspect-ratio: auto; height: auto; display: flex; flex-direction: column; }
.gd-pixel .thumbnail-item > img { aspect-ratio: 1 / 1; height: auto; flex: none; object-fit: contain; }
#cmp-gallery .thumbnail-item > img { aspect-ratio: auto; }
.gd-pixel .caption-label {
  position: static; max-width: none; white-space: pre-line; overflow: visible; text-align: center; background: none;
  border: none; border-radius: 0; line-height: 1.3;
}
.block .head:has(> .tab-like-container) > label { flex: 1 1 auto; }
.banner-wrap:has(input[aria-label="Language"]) { display: none; }
@media (min-width: 900px) {
  :has(> #chapter-map) { position: relative; }
  #chapter-map:has(> button.label-wrap:not(.open)) {
    position: absolute; top: 0; right: 0; width: min(34rem, 42%); z-index: 5;
  }
}
@media (max-width: 640px) {
  :is(#ins-panels, #ins-step-panels) .grid-container { grid-template-columns: repeat(3, minmax(0, 1fr)); }
  :is(#gen-judged, #gen-fail-gallery) .grid-container { grid-template-columns: repeat(4, minmax(0, 1fr)); }
}
"""


def build_demo() -> gr.Blocks:
    with DocumentedBlocks(
        title="gendemo — generative AI you can touch", analytics_enabled=False, delete_cache=DELETE_CACHE
    ) as demo:
        note = lesson_links.note()  # what a lesson link clamped or ignored (issue 32), above everything
        chapter_map.build()  # the chapter's figures, each with a link to its view (closed)
        gr.Markdown(txt("app.title"))
        gr.Markdown(txt("app.intro"))
        # every tab visible (a "⋯" menu hid the classifier at 1440 px)
        with gr.Tabs(overflow_behavior="wrap") as tabs:
            for name, mod in tab_modules().items():
                with gr.Tab(txt(mod.TAB_KEY), id=name, elem_id=f"tab-{name}"):
                    mod.build()
                    chapter_map.add_caption(name)  # "In the chapter: figure 6-…", each a link to its view
                    lesson_links.add_link_control(name)
            class_board_tab.build_tab()  # hidden unless python app.py --class-board (issue 32)
        lesson_links.wire(demo, tabs, note)  # ?tab=…&seed=…&run=1 opens a view with its settings
        chapter_map.wire()  # the map's and the tabs' figure lines in the page's language
        gr.Markdown(txt("app.lang_note"))
        translate_examples(demo)  # example tables: headers, choice labels and titles in the page's language
    document(demo)  # descriptions for the API page, view_api() and the MCP tools (gendemo/app/api_docs.py)
    return demo


demo = build_demo()
if zerogpu.active():
    zerogpu.prepare(demo)  # models onto the GPU in this, the main, thread; GPU handlers wrapped in spaces.GPU


def launch_kwargs(mcp: bool | None = None) -> dict:
    """mcp: serve the MCP server too (None: Gradio's GRADIO_MCP_SERVER environment variable decides)."""
    return {
        **limits.launch_options(),  # request size, sessions kept, cache bytes, monitoring closed, "busy" translated
        "allowed_paths": [str(EXAMPLES)],
        "show_error": False,  # unexpected failures stay on the server; user mistakes arrive as gr.Error anyway
        "i18n": gradio_i18n(),
        "css": CSS,
        "js": page_js(),  # sketchpads open with the brush picked; error toasts titled in Chinese on a Chinese page
        "theme": gr.themes.Soft(),
        "footer_links": FOOTER_LINKS,
        "mcp_server": mcp,
    }


def queue(demo: gr.Blocks) -> None:
    limits.bound_queue(demo, max_size=QUEUE_SIZE, concurrency=CONCURRENCY)
    # the long lanes' waits, told from each kind's measured length (a DDPM run takes ~40× a DDIM one)
    queue_eta.install(demo._queue, [lane.name for lane in TOLD_LANES])


def main(argv=None):
    p = argparse.ArgumentParser(description="Serve the gendemo app.")
    p.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", 7860)))
    p.add_argument("--share", action="store_true", help="also serve through a temporary public gradio.live link")
    p.add_argument("--device", default="auto", help="auto | cpu | cuda (ignored on ZeroGPU, where it is cuda)")
    p.add_argument("--mcp", action="store_true", help="also serve the endpoints as MCP tools at /gradio_api/mcp/")
    p.add_argument(
        "--class-board",
        action="store_true",
        help="collect every finished live run on a Board tab (in memory); prints the teacher's token to clear it",
    )
    a = p.parse_args(argv)

    from gendemo.app.registry import REGISTRY
    from gendemo.core.device import resolve_device

    if not zerogpu.active():  # on ZeroGPU the models were loaded at import
        REGISTRY.configure(resolve_device(a.device))
    if a.class_board:
        from gendemo.app import class_board

        board = class_board.enable()
        print(f"Class board on: the Board tab collects finished live runs; the teacher clears it with {board.token}")
    from gendemo.core import memory

    memory.bound_arenas()  # before the server's threads exist: two malloc arenas, not eight per core (issue 30)
    memory.skip_compiler_imports()  # before the first optimiser: torch.compile's ~150 MB stay unloaded (issue 30)
    memory.start_trimmer()  # and freed temporaries go back to the system
    queue(demo)
    demo.launch(
        server_name=a.host,
        server_port=a.port,
        share=a.share,
        prevent_thread_lock=True,
        **launch_kwargs(mcp=True if a.mcp else None),
    )
    if not zerogpu.active():
        # Only once the page is served: load the models in the background, so no request pays for a load and the
        # start is not slowed by importing the text encoder.
        REGISTRY.warm()  # the catalog's warm list
        import threading

        from gendemo.app.ui.common import warm_openers

        # then what each tab shows when a page opens, in both languages, one at a time
        threading.Thread(target=warm_openers, name="gendemo-warm-openers", daemon=True).start()
    demo.block_thread()


if __name__ == "__main__":
    main()
