"""Image files in and out: the app decodes uploads itself (never trusting the browser or PIL defaults)."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageOps

MAX_PIXELS = 16_000_000  # far above any digit or photo a learner uploads; a decompression bomb stops here


class BadImage(ValueError):
    """A user mistake about an image; the message is shown as it is."""


@contextmanager
def checked_open(path):
    """Image.open with the app's checks before any pixel is decoded: a readable regular file, at most MAX_PIXELS
    pixels (the header says how many). Every failure is a BadImage with a sentence, whichever reader asked."""
    if path is None:
        raise BadImage("no image")
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        if not Path(path).is_file():
            raise BadImage("this is not an image file")
        with Image.open(path) as im:
            if im.width * im.height > MAX_PIXELS:
                raise BadImage(
                    f"image too large ({im.width}×{im.height}); the limit is {MAX_PIXELS // 1_000_000} megapixels"
                )
            yield im
    except BadImage:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise BadImage(f"image too large; the limit is {MAX_PIXELS // 1_000_000} megapixels") from None
    except (OSError, ValueError, SyntaxError, TypeError) as e:
        raise BadImage(f"this file is not an image that can be read ({type(e).__name__})") from None


def open_image(path, background=(255, 255, 255)) -> Image.Image:
    """Any file PIL reads → an RGB image: EXIF orientation applied, 16-bit rescaled (not clipped), alpha composited."""
    with checked_open(path) as im:
        im.load()
        im = ImageOps.exif_transpose(im)
    return to_rgb(im, background)


def to_rgb(im: Image.Image, background=(255, 255, 255)) -> Image.Image:
    if im.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        a = np.asarray(im, dtype=np.float64)
        lo, hi = float(a.min()), float(a.max())
        a = (a - lo) / (hi - lo) * 255 if hi > lo else np.zeros_like(a)
        return Image.fromarray(a.astype(np.uint8), "L").convert("RGB")
    if im.mode == "P":
        im = im.convert("RGBA")
    if im.mode in ("RGBA", "LA", "PA") or (im.mode in ("RGB", "L") and "transparency" in im.info):
        im = im.convert("RGBA")
        bg = Image.new("RGBA", im.size, tuple(background) + (255,))
        return Image.alpha_composite(bg, im).convert("RGB")
    return im.convert("RGB")


def alpha_of(path) -> np.ndarray | None:
    """The alpha channel (H, W) in [0,1] if the file has one (sketchpad strokes live there)."""
    with checked_open(path) as im:
        if im.mode == "P" and "transparency" not in im.info:
            return None
        if im.mode != "P" and "A" not in im.getbands():
            return None  # decided from the header: an opaque picture is never decoded here
        im.load()
        im = ImageOps.exif_transpose(im)
        if im.mode == "P":
            im = im.convert("RGBA")
        return np.asarray(im.getchannel("A"), np.float32) / 255


def to_pil_grid(
    x: torch.Tensor, nrow: int | None = None, scale: int = 4, pad: int = 2, pad_value: float = 0.25
) -> Image.Image:
    """(B, C, H, W) in [0,1] → one PIL image, `nrow` tiles to a row, each tile enlarged by `scale` with
    nearest-neighbour (crisp 28×28 pixels). When B does not fill the last row, the cells after the last tile are left
    out — transparent (white where the alpha is dropped), so the last row is simply shorter: drawn in the frame's grey,
    249 digits in rows of 16 ended in seven grey blocks that looked like failed digits (#33)."""
    x = x.detach().float().clamp(0, 1).cpu()
    if x.dim() == 3:
        x = x.unsqueeze(1)
    b, c, h, w = x.shape
    nrow = nrow or int(np.ceil(np.sqrt(b)))
    ncol_rows = int(np.ceil(b / nrow))
    H, W = ncol_rows * (h + pad) + pad, nrow * (w + pad) + pad
    canvas = torch.full((c, H, W), pad_value)
    for i in range(b):
        r, col = divmod(i, nrow)
        canvas[:, pad + r * (h + pad) : pad + r * (h + pad) + h, pad + col * (w + pad) : pad + col * (w + pad) + w] = x[
            i
        ]
    arr = (canvas.permute(1, 2, 0).numpy() * 255).round().astype(np.uint8)
    arr = arr[:, :, 0] if c == 1 else arr
    if b % nrow:  # empty cells at the end of the last row, with the frame around them: no picture there
        top, left = pad + (ncol_rows - 1) * (h + pad), pad + (b % nrow) * (w + pad)
        alpha = np.full((H, W), 255, np.uint8)
        alpha[top:, left:] = 0
        arr[top:, left:] = 255
        img = Image.fromarray(np.dstack([arr, alpha]), "LA" if c == 1 else "RGBA")
    else:
        img = Image.fromarray(arr, "L" if c == 1 else "RGB")
    return img.resize((W * scale, H * scale), Image.NEAREST) if scale > 1 else img


def to_pil(x: torch.Tensor, scale: int = 8) -> Image.Image:
    """One (C, H, W) image in [0,1] → PIL, nearest-neighbour enlarged."""
    return to_pil_grid(x.unsqueeze(0), nrow=1, scale=scale, pad=0)


_OUT_DIR: Path | None = None
_OUT_KEEP = 2000  # newest PNGs kept in the output folder; gradio copies each into its own cache before serving


def output_dir() -> Path:
    """The process's folder for output PNGs, made on first use (a forked worker that finds it made writes there too)."""
    import tempfile

    global _OUT_DIR
    if _OUT_DIR is None:
        _OUT_DIR = Path(tempfile.mkdtemp(prefix="gendemo-out-"))
    return _OUT_DIR


def png_bytes(img: Image.Image) -> bytes:
    """An output image encoded as PNG."""
    import io

    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


_written = 0  # new files since the output folder was last pruned
_PRUNE_EVERY = 50  # pruning lists the whole folder: once per this many new files, not for every one


def _mtime(p) -> float:
    try:
        return p.stat().st_mtime
    except OSError:  # another request's prune deleted it meanwhile
        return 0.0


def png_file(data: bytes) -> str:
    """Write PNG bytes, atomically, under a content-addressed name (unless that file is there already), and return
    its path. The folder keeps about the newest _OUT_KEEP files."""
    import hashlib
    import os
    import tempfile

    global _written
    out = output_dir()
    path = out / f"{hashlib.sha256(data).hexdigest()[:32]}.png"
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=out, suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        _written += 1
        if _written >= _PRUNE_EVERY:
            _written = 0
            files = sorted(out.glob("*.png"), key=_mtime)
            for old in files[: max(0, len(files) - _OUT_KEEP)]:
                old.unlink(missing_ok=True)
    return str(path)


def png_path(img: Image.Image) -> str:
    """Write an output image as PNG, atomically, under a content-addressed name, and return the path.

    Handing gradio a finished file (rather than a PIL image it encodes itself) matters under load: gradio writes PIL
    outputs to its cache non-atomically, so two requests producing the same picture can serve a half-written file.
    """
    return png_file(png_bytes(img))


def pil_outputs_to_files(value):
    """Every PIL image inside a handler's return value (tuples, lists, gallery pairs) → a PNG file path."""
    if isinstance(value, Image.Image):
        return png_path(value)
    if isinstance(value, tuple):
        return tuple(pil_outputs_to_files(v) for v in value)
    if isinstance(value, list):
        return [pil_outputs_to_files(v) for v in value]
    return value


def ink_of(path) -> np.ndarray:
    """(H, W) ink in [0, 1] of a drawn or uploaded digit. Sketchpad files are strokes on a transparent canvas: the alpha
    channel is the ink, whatever the brush colour; any other picture is read as grey (the MNIST preparation then makes
    it white on black)."""
    a = alpha_of(path)
    if a is not None and a.min() < 0.99:
        return a
    return np.asarray(open_image(path).convert("L"), np.float32) / 255
