"""The folder to upload as a Hugging Face Space, for one kind of hardware (python -m gendemo.space build).

It holds what the app needs to run and nothing else: app.py, the gendemo package, the checkpoints with their JSON and
model cards, the examples and docs, a README whose front matter configures the Space, the requirements for that
hardware and a .gitattributes that sends every binary file through Git LFS (the Hub refuses them in plain git).

    cpu-basic  torch and torchvision from PyTorch's CPU wheel index: the CUDA build from PyPI brings ≈ 5 GB of CUDA
               libraries and triton that a CPU machine never loads.
    zerogpu    the CUDA build from PyPI plus `spaces`; Python 3.12.12, one of the two versions ZeroGPU runs.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from gendemo.core import model_card
from gendemo.core.paths import CHECKPOINT_DIR, ROOT

ENCODER_HUB_ID = model_card.ENCODER_HUB_ID
# Debian packages a Space installs from packages.txt: a CJK font, else matplotlib draws every Chinese label of the
# charts (gan_common.CJK_FONTS) as empty boxes on a zh-CN page.
SPACE_APT = "fonts-wqy-microhei\n"
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
# Built with the CPU index: a local version label picks the CPU wheel over PyPI's CUDA one of the same version.
CPU_BUILDS = ("torch", "torchvision")


@dataclass(frozen=True)
class Hardware:
    suggested: str  # the front matter's suggested_hardware
    python: str  # the front matter's python_version
    cpu_wheels: bool  # torch/torchvision from the CPU index
    extra: tuple[str, ...] = ()  # requirement names added from requirements-dev.txt (with their pins)


HARDWARE = {
    "cpu-basic": Hardware(suggested="cpu-basic", python="3.11", cpu_wheels=True),
    # ZeroGPU lists Python 3.12.12 and 3.10.13; gendemo needs 3.11 or later.
    "zerogpu": Hardware(suggested="zero-a10g", python="3.12.12", cpu_wheels=False, extra=("spaces",)),
}


class BundleError(RuntimeError):
    pass


def _pins(path: Path) -> dict[str, str]:
    """requirement name (lower case, extras dropped) → its whole line, for every pinned line of a requirements file."""
    out = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        m = re.match(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*==", line)
        if m:
            out[m.group(1).lower()] = line
    return out


def requirements(hardware: str, root: Path = ROOT) -> str:
    hw = HARDWARE[hardware]
    lines = [f"# The Space's runtime requirements for {hardware} hardware, written by python -m gendemo.space build."]
    if hw.cpu_wheels:
        lines.append(f"--extra-index-url {CPU_INDEX}")
    for raw in (root / "requirements.txt").read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = re.match(r"^([A-Za-z0-9_.-]+)==([^\s;#]+)(.*)$", line)
        if hw.cpu_wheels and m and m.group(1).lower() in CPU_BUILDS:
            version = m.group(2).split("+", 1)[0]
            line = f"{m.group(1)}=={version}+cpu{m.group(3)}"
        lines.append(line)
    dev = _pins(root / "requirements-dev.txt")
    for name in hw.extra:
        if name not in dev:
            raise BundleError(f"requirements-dev.txt pins no version of {name}, which {hardware} needs")
        lines.append(dev[name])
    return "\n".join(lines) + "\n"


def split_front_matter(text: str) -> tuple[dict, str]:
    if not text.startswith("---\n"):
        raise BundleError("README.md has no front matter (the Space's configuration)")
    head, _, body = text[4:].partition("\n---\n")
    return yaml.safe_load(head) or {}, body


def front_matter(hardware: str, readme: str, gradio_pin: str) -> dict:
    meta, _ = split_front_matter(readme)
    if str(meta.get("sdk_version")) != gradio_pin:
        raise BundleError(
            f"README.md says sdk_version {meta.get('sdk_version')}, requirements.txt pins gradio {gradio_pin}"
        )
    hw = HARDWARE[hardware]
    meta["python_version"] = hw.python
    meta["suggested_hardware"] = hw.suggested
    meta["models"] = [ENCODER_HUB_ID]
    meta["datasets"] = [model_card.DATASET]
    return meta


def _is_binary(path: Path) -> bool:
    with open(path, "rb") as f:
        data = f.read(8192)
    if b"\0" in data:
        return True
    try:  # the first 8 KiB may end inside a multi-byte character: an incremental decoder allows for that
        codecs.getincrementaldecoder("utf-8")().decode(data, final=False)
    except UnicodeDecodeError:
        return True
    return False


def gitattributes(folder: Path) -> str:
    """One Git LFS rule per file extension that holds binary data in `folder` (files without an extension by name)."""
    patterns = set()
    for p in folder.rglob("*"):
        if p.is_file() and p.name != ".gitattributes" and _is_binary(p):
            patterns.add(f"*{p.suffix}" if p.suffix else p.relative_to(folder).as_posix())
    return "".join(f"{pat} filter=lfs diff=lfs merge=lfs -text\n" for pat in sorted(patterns))


def _copy_tree(src: Path, dst: Path) -> None:
    # what .gitignore keeps out of the project: caches, half-written files, the stubs Gradio writes for our components
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.pyi", "*.tmp", ".*"))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _copy_checkpoints(src: Path, dst: Path) -> list[str]:
    """Every checkpoint with a JSON card, its weights checked against the card and its model card written afresh."""
    dst.mkdir(parents=True)
    names = model_card.names(src)
    if not names:
        raise BundleError(f"{src} holds no checkpoints")
    for name in names:
        weights = model_card.weights_file(name, src)
        card = json.loads((src / f"{name}.json").read_text(encoding="utf-8"))
        if card.get("sha256") != _sha256(weights):
            raise BundleError(f"{weights} does not match the sha256 in its card; rebuild it: {card.get('rebuild')}")
        shutil.copy2(weights, dst / weights.name)
        shutil.copy2(src / f"{name}.json", dst / f"{name}.json")
        (dst / f"{name}.md").write_text(model_card.card_text(name, src), encoding="utf-8")
    return names


def build(hardware: str, out: Path, *, root: Path = ROOT, checkpoints: Path = CHECKPOINT_DIR) -> dict:
    """Write the Space folder for `hardware` into `out` (which must not exist, or be empty). Returns a summary."""
    if hardware not in HARDWARE:
        raise BundleError(f"unknown hardware {hardware!r} (choose from {', '.join(HARDWARE)})")
    out = Path(out)
    if out.exists() and any(out.iterdir()):
        raise BundleError(f"{out} is not empty; give a new folder")
    out.mkdir(parents=True, exist_ok=True)
    reqs = requirements(hardware, root)
    gradio_pin = re.search(r"^gradio(\[[^\]]*\])?==([^\s;#]+)", reqs, re.M)
    if not gradio_pin:
        raise BundleError("requirements.txt pins no gradio version")
    readme = (root / "README.md").read_text(encoding="utf-8")
    meta = front_matter(hardware, readme, gradio_pin.group(2))
    _, body = split_front_matter(readme)
    head = yaml.safe_dump(meta, sort_keys=False, allow_unicode=True, width=1000)
    (out / "README.md").write_text(f"---\n{head}---\n{body}", encoding="utf-8")
    (out / "requirements.txt").write_text(reqs)
    (out / "packages.txt").write_text(SPACE_APT)
    shutil.copy2(root / "app.py", out / "app.py")
    _copy_tree(root / "gendemo", out / "gendemo")
    for folder in ("examples", "docs"):  # the examples the tabs offer; the README's screenshot and linked pages
        _copy_tree(root / folder, out / folder)
    names = _copy_checkpoints(Path(checkpoints), out / "checkpoints")
    (out / ".gitattributes").write_text(gitattributes(out))
    files = [p for p in out.rglob("*") if p.is_file()]
    return {
        "hardware": hardware,
        "folder": str(out),
        "files": len(files),
        "bytes": sum(p.stat().st_size for p in files),
        "checkpoints": names,
        "lfs": (out / ".gitattributes").read_text().split("\n")[:-1],
    }
