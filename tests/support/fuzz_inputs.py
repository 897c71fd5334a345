"""Bad and odd inputs shared by the fuzz tests: image files of every mode and size, and hostile values."""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
from PIL import Image

from gendemo.app.i18n import all_strings


def digit_array(size=(96, 96)) -> np.ndarray:
    a = np.zeros(size[::-1], np.float32)
    h, w = a.shape
    a[h // 5 : 4 * h // 5, w // 2 - w // 12 : w // 2 + w // 12] = 1.0  # a '1'
    return a


def make_images(folder: Path) -> dict[str, tuple[Path, bool]]:
    """name → (file, should_decode). Files that should decode must give a result; the others the app's own message."""
    folder.mkdir(parents=True, exist_ok=True)
    d = digit_array()
    out = {}

    def save(name, im, ok=True, **kw):
        p = folder / name
        im.save(p, **kw)
        out[name] = (p, ok)

    save("gray.png", Image.fromarray((d * 255).astype(np.uint8), "L"))
    save("rgb.jpg", Image.fromarray((np.stack([d] * 3, -1) * 255).astype(np.uint8), "RGB"))
    rgba = np.zeros((96, 96, 4), np.uint8)
    rgba[..., 3] = (d * 255).astype(np.uint8)  # strokes only in alpha, as a sketchpad layer
    save("strokes_rgba.png", Image.fromarray(rgba, "RGBA"))
    save("palette.png", Image.fromarray((d * 255).astype(np.uint8), "L").convert("P"))
    save("la.png", Image.fromarray((d * 255).astype(np.uint8), "L").convert("LA"))
    save("cmyk.jpg", Image.fromarray((np.stack([d] * 3, -1) * 255).astype(np.uint8), "RGB").convert("CMYK"))
    save("sixteen_bit.png", Image.fromarray((d * 4000 + 100).astype(np.uint16), "I;16"))
    save("one_pixel.png", Image.new("L", (1, 1), 128))
    save("wide.png", Image.fromarray((np.tile(d, (1, 30)) * 255).astype(np.uint8), "L"))
    ex = Image.fromarray((d * 255).astype(np.uint8), "L").convert("RGB")
    exif = ex.getexif()
    exif[0x0112] = 6  # rotated 90°: the app must apply it
    save("exif_rotated.jpg", ex, exif=exif.tobytes())
    # decompression bomb: 400 megapixels that compress to a few hundred KB
    bomb = folder / "bomb.png"
    if not bomb.exists():
        Image.new("L", (20000, 20000)).save(bomb, optimize=True)
    out["bomb.png"] = (bomb, False)
    good = io.BytesIO()
    Image.fromarray((d * 255).astype(np.uint8), "L").save(good, "PNG")
    (folder / "truncated.png").write_bytes(good.getvalue()[: len(good.getvalue()) // 2])
    out["truncated.png"] = (folder / "truncated.png", False)
    (folder / "not_an_image.png").write_text("this is text, not a picture\n" * 20)
    out["not_an_image.png"] = (folder / "not_an_image.png", False)
    return out


def own_message_patterns() -> list[re.Pattern]:
    """Regexes of every message the app can show (the err.* and note.* strings in both languages)."""
    pats = []
    for table in all_strings().values():
        for k, v in table.items():
            if k.startswith(("err.", "common.unavailable")) or ".err." in k:
                parts = re.split(r"{[^}]*}", v)
                pats.append(re.compile(".*".join(re.escape(p.strip()) for p in parts if p.strip()), re.S))
    from gendemo.app.ui.common import BAD_IMAGE_BOTH

    pats.append(re.compile(re.escape(BAD_IMAGE_BOTH)))
    return pats


def is_own_message(text: str) -> bool:
    return any(p.search(text) for p in own_message_patterns())
