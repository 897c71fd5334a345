"""The app's tabs in the order the chapter tells the story: each tab's short name (what a lesson link says,
?tab=gan, and the tab's id on the page) and the module that builds it (TAB_KEY, STRINGS, build())."""

from __future__ import annotations

import importlib
from types import ModuleType

TABS = {
    "gan": "gendemo.app.ui.gan_tab",
    "live": "gendemo.app.ui.gan_live_tab",
    "mode_collapse": "gendemo.app.ui.mode_collapse_tab",
    "discriminator": "gendemo.app.ui.discriminator_tab",
    "cgan": "gendemo.app.ui.cgan_tab",
    "latent": "gendemo.app.ui.latent_tab",
    "noising": "gendemo.app.ui.noising_tab",
    "diffusion": "gendemo.app.ui.diffusion_tab",
    "inside": "gendemo.app.ui.inside_tab",
    "prompts": "gendemo.app.ui.prompts_tab",
    "classify": "gendemo.app.ui.classify_tab",
}


# Parts of the page around the tabs that have text of their own (STRINGS), merged into i18n with the tabs' strings.
PAGE_PARTS = (
    "gendemo.app.ui.lesson_links",
    "gendemo.app.ui.chapter_map",
    "gendemo.app.ui.predict",
    "gendemo.app.ui.class_board_tab",
)


def tab_modules() -> dict[str, ModuleType]:
    """Short name → the imported tab module. Imported when asked for: the tab modules use i18n.tr for their text."""
    return {name: importlib.import_module(module) for name, module in TABS.items()}


def string_modules() -> list[ModuleType]:
    """Every module whose STRINGS the page shows: the tabs and the parts around them."""
    return [*tab_modules().values(), *(importlib.import_module(m) for m in PAGE_PARTS)]
