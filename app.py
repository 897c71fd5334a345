"""gendemo — the Gradio app. Importing this module builds `demo` and nothing else; `python app.py` serves it.

python app.py [--host 127.0.0.1] [--port 7860] [--share] [--device auto|cpu|cuda]
"""

from __future__ import annotations

import argparse
import os

import gradio as gr

from gendemo.app.i18n import available_tab_modules, gradio_i18n
from gendemo.app.ui.common import T
from gendemo.core.paths import EXAMPLES

MAX_FILE_SIZE = "10mb"  # an upload of a digit or a photo never needs more
QUEUE_SIZE = 64  # requests waiting beyond this are turned away with a "busy" message instead of piling up
CONCURRENCY = 2  # two cores: more parallel model runs only make each one slower
CSS = """
.gd-pixel img { image-rendering: pixelated; }
footer { display: none !important; }
"""


def build_demo() -> gr.Blocks:
    with gr.Blocks(title="gendemo — generative AI you can touch", analytics_enabled=False) as demo:
        gr.Markdown(T("app.title"))
        gr.Markdown(T("app.intro"))
        with gr.Tabs():
            for mod in available_tab_modules():
                with gr.Tab(T(mod.TAB_KEY), id=mod.__name__.rsplit(".", 1)[-1]):
                    mod.build()
        gr.Markdown(T("app.lang_note"))
    # gr.Examples titles its table with the input labels, but the browser does not translate those headers (they would
    # show as raw keys): drop the header row; the example values speak for themselves.
    for block in demo.blocks.values():
        if isinstance(block, gr.Dataset) and any(str(h).startswith("__i18n__") for h in block.headers):
            block.headers = []
    return demo


demo = build_demo()


def launch_kwargs() -> dict:
    return {
        "max_file_size": MAX_FILE_SIZE,
        "allowed_paths": [str(EXAMPLES)],
        "show_error": False,  # unexpected failures stay on the server; user mistakes arrive as gr.Error anyway
        "i18n": gradio_i18n(),
        "css": CSS,
        "theme": gr.themes.Soft(),
    }


def main(argv=None):
    p = argparse.ArgumentParser(description="Serve the gendemo app.")
    p.add_argument("--host", default=os.environ.get("GRADIO_SERVER_NAME", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("GRADIO_SERVER_PORT", 7860)))
    p.add_argument("--share", action="store_true", help="also serve through a temporary public gradio.live link")
    p.add_argument("--device", default="auto", help="auto | cpu | cuda")
    a = p.parse_args(argv)

    from gendemo.app.registry import REGISTRY
    from gendemo.core.device import resolve_device

    REGISTRY.configure(resolve_device(a.device))
    demo.queue(max_size=QUEUE_SIZE, default_concurrency_limit=CONCURRENCY)
    demo.launch(server_name=a.host, server_port=a.port, share=a.share, prevent_thread_lock=True, **launch_kwargs())
    # Only once the page is served: load the models in the background, so no request pays for a load and the start
    # is not slowed by importing the text encoder.
    REGISTRY.warm()  # the catalog's warm list
    demo.block_thread()


if __name__ == "__main__":
    main()
