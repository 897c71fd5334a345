"""The judge's reading of generated digits, as evaluate.py measures them: which digit the classifier sees (and how sure
it is), which palette colour the strokes are (and how close), against what the prompt asked for. The app captions every
generated digit with it; `collect_failures` keeps the model's typical mistakes on the held-out prompts — the chapter's
figure 6-10 (generated images that get the request wrong), for digits.

python -m gendemo.evaluate diffusion --failures writes failures.json beside this file (a few minutes on a CPU, so it is
precomputed and committed, not run when a page opens).
"""

from __future__ import annotations

import base64
import io
import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import torch

from gendemo.diffusion.captions import DIGIT_WORDS, PALETTE_NAMES, colour_similarities

FAILURES_PATH = Path(__file__).with_name("failures.json")
MAX_FAILURES = 12  # a small gallery: one row or two of pictures


@dataclass(frozen=True)
class Reading:
    digit: int  # what the classifier reads
    digit_p: float  # its probability
    colour: int  # palette index of the stroke colour
    colour_cos: float  # cosine between the mean stroke colour and that palette colour (1 = exactly its hue)


@torch.no_grad()
def read_images(judge, images: torch.Tensor) -> list[Reading]:
    """(B, 3, 28, 28) images in [0, 1] → one Reading each."""
    from gendemo.classifier.model import predict

    images = images.float().cpu()
    if images.shape[0] == 0:
        return []
    probs, _ = predict(judge, images.to(next(judge.parameters()).device))
    p, d = probs.float().cpu().max(1)
    cos, c = colour_similarities(images).max(1)
    return [Reading(int(d[i]), float(p[i]), int(c[i]), float(cos[i])) for i in range(images.shape[0])]


def asked_in(text: str) -> tuple[int | None, int | None]:
    """(digit, palette index) an English prompt asks for, None where it names none or several ("a 7 or a 1")."""
    words = re.findall(r"[a-z]+|\d", (text or "").lower())
    digits = {DIGIT_WORDS.index(w) if w in DIGIT_WORDS else int(w) for w in words if w in DIGIT_WORDS or w.isdigit()}
    colours = {PALETTE_NAMES.index(w) for w in words if w in PALETTE_NAMES}
    one = lambda s: next(iter(s)) if len(s) == 1 else None
    return one(digits), one(colours)


@dataclass(frozen=True)
class Failure:
    prompt: str
    asked_digit: int | None
    asked_colour: int | None
    reading: Reading
    png: str  # the 28×28 picture, PNG, base64: the file stays text

    def image(self):
        from PIL import Image

        return Image.open(io.BytesIO(base64.b64decode(self.png))).convert("RGB")


def _png(img: torch.Tensor) -> str:
    import numpy as np
    from PIL import Image

    a = (img.clamp(0, 1).permute(1, 2, 0).cpu().numpy() * 255).round().astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(a).save(buf, format="PNG", optimize=True)
    return base64.b64encode(buf.getvalue()).decode("ascii")


@torch.no_grad()
def collect_failures(model, encoder, judge, prompts, n_per_prompt: int = 4, seed: int = 0, batch: int = 16) -> dict:
    """Sample every held-out prompt n_per_prompt times as the evaluator does (DDIM, default steps and guidance, the
    same seeds per batch) and keep the pictures whose digit or colour the judge reads differently from the prompt:
    at most MAX_FAILURES, one per prompt first (so one hard prompt does not fill the gallery)."""
    from gendemo.diffusion.sampling import embed_prompts, generate

    emb, _ = embed_prompts(model.net, encoder, [p.prompt for p in prompts])
    emb = emb.repeat_interleave(n_per_prompt, 0)
    owner = [i for i in range(len(prompts)) for _ in range(n_per_prompt)]
    imgs = torch.cat(
        [
            generate(model, None, [""] * emb[i : i + batch].shape[0], seed=seed + i, text_emb=emb[i : i + batch]).cpu()
            for i in range(0, emb.shape[0], batch)
        ]
    )
    readings = read_images(judge, imgs)
    wrong = []
    for k, r in enumerate(readings):
        p = prompts[owner[k]]
        if (p.digit is not None and r.digit != p.digit) or (p.colour is not None and r.colour != p.colour):
            wrong.append(k)
    first, rest, seen = [], [], set()
    for k in wrong:
        (rest if owner[k] in seen else first).append(k)
        seen.add(owner[k])
    keep = (first + rest)[:MAX_FAILURES]
    failures = [
        Failure(prompts[owner[k]].prompt, prompts[owner[k]].digit, prompts[owner[k]].colour, readings[k], _png(imgs[k]))
        for k in keep
    ]
    digit_wrong = sum(1 for k in wrong if prompts[owner[k]].digit not in (None, readings[k].digit))
    return {
        "prompts": len(prompts),
        "images": len(readings),
        "wrong": len(wrong),
        "digit_wrong": digit_wrong,
        "colour_wrong": sum(1 for k in wrong if prompts[owner[k]].colour not in (None, readings[k].colour)),
        "failures": [asdict(f) for f in failures],
    }


def save_failures(result: dict, checkpoint_sha256: str, path: Path = FAILURES_PATH) -> None:
    path.write_text(json.dumps({"checkpoint_sha256": checkpoint_sha256, **result}, indent=1) + "\n", encoding="utf-8")


def load_failures(path: Path = FAILURES_PATH) -> tuple[dict, list[Failure]]:
    """(the file's figures, its failures); a missing file gives ({}, [])."""
    if not path.exists():
        return {}, []
    data = json.loads(path.read_text(encoding="utf-8"))
    failures = [Failure(**{**f, "reading": Reading(**f["reading"])}) for f in data.pop("failures", [])]
    return data, failures
