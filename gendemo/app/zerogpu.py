"""Serving on a ZeroGPU Space, hardware that lends a GPU only for the length of one decorated call.

There, importing `spaces` turns on a CUDA emulation in the importing (main) thread: models must be put on `cuda` in that
thread at startup, and only functions wrapped in `spaces.GPU` get the real device, in a forked worker. The app's usual
start, which loads models in a background thread after launch, fails there ("Low-level CUDA init reached"), and so does
any handler that touches a model outside a wrapped call. So, when SPACES_ZERO_GPU is set, app.py calls `prepare`:

- every model the catalog can load is loaded onto `cuda` in the main thread, before launch;
- each handler that computes with a model is wrapped in `spaces.GPU`, with a duration that covers its largest request
  (the quota is charged for what a call uses, but a shorter request waits less in ZeroGPU's queue);
- work that needs no GPU stays unwrapped: the noising figure and the recorded timeline are arithmetic on small arrays,
  and the live trainer keeps a run alive across many events (Start, Continue, Stop, One step), which a GPU lent per
  call cannot hold, so it trains on the Space's CPU with a CPU copy of the classifier (`live_registry`).

Everywhere else nothing here runs and `spaces` is never imported.
"""

from __future__ import annotations

import logging

import gradio as gr
import torch
from gradio.helpers import Examples  # the class; gr.Examples is a function that makes one

from gendemo.app.endpoints import ENDPOINTS, QUICK
from gendemo.app.registry import REGISTRY, Registry
from gendemo.catalog import names_with
from gendemo.core.device import on_zero_gpu

log = logging.getLogger("gendemo")

UI_PACKAGE = "gendemo.app.ui"
DEFAULT_SECONDS = 60  # spaces.GPU's own default

# Handlers behind private events only (no endpoint declares them): handler name → seconds for spaces.GPU. Every public
# endpoint's budget is in its declaration (gendemo/app/endpoints.py), a function of its arguments by name where the
# arguments change it.
PRIVATE_GPU_SECONDS = {
    "classify_live": QUICK,  # after every stroke on the classifier's sketchpad
    "latent_pick": QUICK,
    "discriminate_if_any": QUICK,
    "per_label_chart": QUICK,  # the conditional discriminator's ten answers as bars, after each verdict
    "gan_tally": QUICK,  # the classifier's count under the GAN tab's samples (the same digits drawn again)
    "reverse_run": 90,  # up to all 1,000 steps of one digit
    "img2img_example": 90,  # /img2img behind its examples (the clean-up one walks 350 DDPM steps for 4 digits)
    "conventional_fix": 40,  # figures 6-13/6-14: two img2img redraws of one picture (DDIM) beside the classic filters
}
# handler name → seconds (or a function of the handler's arguments, positional or by name)
GPU_SECONDS = {
    **{name: ep.gpu_seconds if callable(ep.gpu) else ep.gpu for name, ep in ENDPOINTS.items() if ep.gpu is not None},
    **PRIVATE_GPU_SECONDS,
}
# handlers that never touch a model on the GPU (see the module's docstring): the endpoints declared so, and the glue
# of private events; "<lambda>": the one-line glue between components (a drawing's path to a preview)
ON_CPU = {name for name, ep in ENDPOINTS.items() if ep.gpu is None} | {
    "gan_live_continue",
    "live_opening",  # the live tab's starting point: an untrained generator, on the CPU as the live trainer is
    "arm",
    "request_stop",
    "preset",
    "latent_seed_vector",
    "<lambda>",
    "drawing_to_picture",  # the Ask-the-discriminator drawing copied into the picture asked about
    "example_tables",  # the example tables' headers and labels in the page's language (common.translate_examples)
    "diffusion_stopped",  # Stop on the Diffusion tab: the last kept frame of the run as the result
    "diffusion_replay",  # the replay slider: a stored frame redrawn, no model call
    "diffusion_replay_ready",
    "opening",  # a tab's opening result: kept, or computed through its handler's spaces.GPU wrapper (common.on_open)
    "gan_timeline_play",
    "gan_figure_6_4",  # figure 6-4: three grids of the recorded timeline (a stored array)
    "gan_architecture",  # figures 6-1/6-3: the networks' layer sizes read off the loaded modules, no forward pass
    "dice_and_normal",  # figure 6-2: dice and normal draws from a seeded generator
    # a lesson link's values into the controls, the map's links, "Link to this view" (lesson_links, chapter_map)
    "apply",
    "apply_again",
    "fill",
    "make_link",
    "revealed",  # predict, then look: the verdict from a card or a rule; the view's own button does the work
    "show",  # the class board (class_board_tab): a plot and a table of in-memory numbers
    "opened",
    "clear_board",
}

HOST = Registry("cpu")  # CPU copies for the live trainer on ZeroGPU
LIVE_MODELS = ("classifier", "mnist_train")


def active() -> bool:
    """On a ZeroGPU Space."""
    return on_zero_gpu()


def live_registry() -> Registry:
    return HOST if active() else REGISTRY


def handlers(demo: gr.Blocks) -> set:
    """The app's own handlers behind every event, and behind every gr.Examples that runs or caches its function."""
    fns = {dep.fn for dep in demo.fns.values() if dep.fn is not None}
    fns |= {ex.fn for ex in _examples(demo) if ex.fn is not None}
    return {fn for fn in fns if getattr(fn, "__module__", "").startswith(UI_PACKAGE)}


def _examples(demo: gr.Blocks) -> list[Examples]:
    # gr.Examples registers its caching as a startup event of the Blocks: the only way back to the object after build
    owners = (getattr(ev, "__self__", None) for ev in getattr(demo, "extra_startup_events", []))
    return [ex for ex in owners if isinstance(ex, Examples)]


def unclassified(demo: gr.Blocks) -> list[str]:
    return sorted({fn.__name__ for fn in handlers(demo)} - set(GPU_SECONDS) - ON_CPU)


def wrap(demo: gr.Blocks) -> dict:
    """Replace each GPU handler with its spaces.GPU wrapper, wherever the Blocks call it. Returns {name: wrapper}."""
    import spaces

    ours = handlers(demo)
    for name in unclassified(demo):  # a tab added since this table was written: wrapped, as nearly all tabs need it
        log.warning("gendemo/app/zerogpu.py does not list handler %s; wrapping it in spaces.GPU", name)
    wrapped: dict = {}

    def gpu(fn):
        if fn not in ours or fn.__name__ in ON_CPU:
            return fn
        if fn not in wrapped:
            wrapped[fn] = spaces.GPU(fn, duration=GPU_SECONDS.get(fn.__name__, DEFAULT_SECONDS))
        return wrapped[fn]

    for dep in demo.fns.values():
        dep.fn = gpu(dep.fn)
    for ex in _examples(demo):
        ex.fn = gpu(ex.fn)
    return {fn.__name__: w for fn, w in wrapped.items()}


def _cpu_optimizers_skip_graph_check() -> None:
    """Let an optimizer of CPU weights step outside a spaces.GPU call.

    Every torch optimizer step first checks for CUDA-graph capture when an accelerator is available; the emulation
    reports CUDA as available, so that check initialises CUDA and fails, although the live trainer's weights are all
    on the CPU. Graph capture cannot concern CPU weights, so for them the check is skipped; any other optimizer still
    runs it."""
    check = torch.optim.Optimizer._accelerator_graph_capture_health_check
    if getattr(check, "gendemo_cpu_skip", False):
        return

    def health_check(self):
        if all(p.device.type == "cpu" for group in self.param_groups for p in group["params"]):
            return None
        return check(self)

    health_check.gendemo_cpu_skip = True
    torch.optim.Optimizer._accelerator_graph_capture_health_check = health_check


def prepare(demo: gr.Blocks) -> None:
    """Everything ZeroGPU expects before launch; call it in the main thread."""
    import spaces  # noqa: F401  (on ZeroGPU this import starts the CUDA emulation, in this thread)

    from gendemo.core.images import output_dir

    REGISTRY.configure("cuda")
    # loads each, or remembers why it cannot (its tab then says so)
    missing = [name for name in names_with("loader") if REGISTRY.status(name)]
    for name in LIVE_MODELS:
        HOST.status(name)
    _cpu_optimizers_skip_graph_check()
    output_dir()  # the PNG folder exists before the first worker is forked, so every worker writes into it
    wrapped = wrap(demo)
    from gendemo.app.ui import common

    common.GPU_HANDLERS.update(wrapped)  # a tab's opening result is computed through its handler's GPU wrapper
    loaded = len(names_with("loader")) - len(missing)
    print(
        f"ZeroGPU: {loaded} models loaded onto {REGISTRY.device.type} in the main thread"
        + (f" ({len(missing)} unavailable: {', '.join(missing)})" if missing else "")
        + f"; {len(wrapped)} handlers wrapped in spaces.GPU",
        flush=True,
    )
