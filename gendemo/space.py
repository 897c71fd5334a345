"""Hosting on Hugging Face Spaces.

python -m gendemo.space build --hardware cpu-basic|zerogpu OUT/   the folder to upload (gendemo/app/space_bundle.py)
python -m gendemo.space cards [--check]                           checkpoints/NAME.md from the JSON cards
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m gendemo.space", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build", help="write the folder to upload as a Space")
    b.add_argument("--hardware", required=True, choices=["cpu-basic", "zerogpu"])
    b.add_argument("out", type=Path, help="a new (or empty) folder")
    c = sub.add_parser("cards", help="write checkpoints/NAME.md from each JSON card")
    c.add_argument("--check", action="store_true", help="only report the model cards that are missing or out of date")
    a = p.parse_args(argv)

    if a.cmd == "build":
        from gendemo.app.space_bundle import BundleError, build

        try:
            summary = build(a.hardware, a.out)
        except BundleError as e:
            print(f"error: {e}", file=sys.stderr)
            return 1
        print(json.dumps(summary, indent=2))
        return 0

    from gendemo.core import model_card

    if a.check:
        stale = model_card.stale()
        for name in stale:
            print(f"checkpoints/{name}.md is missing or out of date: python -m gendemo.space cards", file=sys.stderr)
        return 1 if stale else 0
    for path in model_card.write_all():
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
