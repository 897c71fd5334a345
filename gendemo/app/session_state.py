"""A visitor's session costs what it holds (issue 30, part 6).

Gradio 6.31 gives every session that makes a request a SessionState, which at once renders the configuration of every
component on the page (config_for_block for each of this app's ~520 blocks): measured 0.88 MB and 0.4 s of CPU per
session. The server keeps the 200 most recent sessions, so 400 visitors making one request each grew it by ~330 MB, and
thirty learners opening the page at once spent 12 CPU-seconds on it. Gradio reads that rendering only to make a deep
link (/gradio_api/deep_link, which this app does not offer) or to change one component's entry after an update.

`install()` makes it lazy: a component's entry is rendered when something first reads it, from the same block it
would have been rendered from at the start (a session's own copy of a block replaces it, as before, only through
__setitem__, which renders that entry anyway). Every other attribute of the session is Gradio's own.
"""

from __future__ import annotations

from copy import copy

import gradio


class LazyConfigs(dict):
    """SessionState.config_values, each block's entry rendered on first read (every entry when iterated)."""

    def __init__(self, blocks_config, ids):
        super().__init__()
        self._blocks_config = blocks_config
        self._pending = dict.fromkeys(ids)  # insertion order kept, as the eager dict had it

    def _render(self, key):
        self._pending.pop(key, None)
        value = self._blocks_config.config_for_block(key, [], self._blocks_config.blocks[key])
        super().__setitem__(key, value)
        return value

    def _render_all(self):
        for key in list(self._pending):
            self._render(key)

    def __missing__(self, key):
        if key in self._pending:
            return self._render(key)
        raise KeyError(key)

    def __contains__(self, key):
        return super().__contains__(key) or key in self._pending

    def __setitem__(self, key, value):
        self._pending.pop(key, None)
        super().__setitem__(key, value)

    def get(self, key, default=None):
        return self[key] if key in self else default  # noqa: SIM401 — dict.get would skip __missing__

    def __len__(self):
        return super().__len__() + len(self._pending)

    def __iter__(self):
        self._render_all()
        return super().__iter__()

    def keys(self):
        self._render_all()
        return super().keys()

    def values(self):
        self._render_all()
        return super().values()

    def items(self):
        self._render_all()
        return super().items()


def _lazy_init(self, blocks):
    # gradio 6.31's SessionState.__init__, with config_values lazy (the rest unchanged; tests/unit/test_session_state.py
    # compares the two)
    import os

    self.blocks_config = copy(blocks.default_config)
    self.config_values = LazyConfigs(self.blocks_config, [k for k in self.blocks_config.blocks if k in blocks.blocks])
    self.state_data = {}
    self._state_ttl = {}
    self.is_closed = False
    self.STATE_TTL_WHEN_CLOSED = 1 if os.getenv("GRADIO_IS_E2E_TEST", None) else 3600


SUPPORTED = ("6.31.0",)  # the Gradio versions whose SessionState.__init__ _lazy_init reproduces


def install() -> bool:
    """Makes every SessionState made from now on render lazily. Returns whether it did (only on a Gradio version whose
    __init__ this module reproduces; elsewhere Gradio's own stays)."""
    from gradio import state_holder

    cls = state_holder.SessionState
    if getattr(cls, "gendemo_lazy", False):
        return True
    if gradio.__version__ not in SUPPORTED:
        return False
    cls.gradio_init = cls.__init__
    cls.__init__ = _lazy_init
    cls.gendemo_lazy = True
    return True
