"""Where the project's files live, computed once here: no other module derives a path from its own depth in the tree."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]  # the repository: gendemo/core/paths.py → ../../
EXAMPLES = ROOT / "examples"  # the shipped example images (the only folder the app serves files from)
DOCS = ROOT / "docs"
# GENDEMO_CHECKPOINT_DIR points the app and CLIs at another folder (tests use tiny models there).
CHECKPOINT_DIR = Path(os.environ.get("GENDEMO_CHECKPOINT_DIR") or ROOT / "checkpoints")
