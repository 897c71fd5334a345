"""python -m gendemo.data --from FOLDER: put a local copy of MNIST (the four IDX files) where torchvision finds it.
The loading itself is gendemo/core/data.py."""

from __future__ import annotations

import argparse
from pathlib import Path

from gendemo.core.data import data_root, prepare_from


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m gendemo.data", description="Put MNIST where torchvision finds it.")
    p.add_argument("--from", dest="src", required=True, help="folder with the four IDX files (.gz or plain)")
    p.add_argument("--data-dir", default=None, help="data root (default ./data or $GENDEMO_DATA_DIR)")
    a = p.parse_args(argv)
    raw = prepare_from(Path(a.src), data_root(a.data_dir))
    print(f"MNIST ready in {raw}")


if __name__ == "__main__":
    main()
