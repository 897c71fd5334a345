"""Playwright + Debian's Chromium: helpers shared by the browser tests (one module per tab in test_browser_*.py)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import numpy as np
from PIL import Image

from support import ROOT

CHROMIUM = os.environ.get("GENDEMO_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(os.environ.get("GENDEMO_SCREENSHOTS", ROOT / "artifacts" / "screenshots"))
ARGS = [
    "--no-sandbox",
    "--headless=new",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]


def open_page(browser, url: str, locale: str = "en-US", viewport: tuple[int, int] = (1920, 1600)):
    ctx = browser.new_context(
        locale=locale,
        viewport={"width": viewport[0], "height": viewport[1]},
        extra_http_headers={"Accept-Language": locale},
    )
    page = ctx.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    page.wait_for_selector("button[role=tab]")
    return page


def open_tab(page, name: str):
    page.get_by_role("tab", name=name).click()


def image_is_not_blank(png_bytes: bytes, min_std: float = 3.0) -> bool:
    a = np.asarray(Image.open(io.BytesIO(png_bytes)).convert("L"), np.float32)
    return float(a.std()) > min_std


def element_png(locator) -> bytes:
    return locator.screenshot(type="png")


def shot(page, name: str):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def app_url(app_client) -> str:
    return app_client.base_url


_UNCLIPPED_JS = """
([sel, words]) => {
  const root = document.querySelector(sel);
  if (!root) return Object.fromEntries(words.map(w => [w, 'no ' + sel]));
  const texts = [...root.querySelectorAll('text, span, p, div, label, button')];
  const out = {};
  for (const w of words) {
    const el = texts.find(e => e.textContent.trim() === w && e.getBoundingClientRect().width > 0);
    if (!el) { out[w] = 'missing'; continue; }
    const r = el.getBoundingClientRect();
    out[w] = 'ok';
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const s = getComputedStyle(a);
      if (s.overflow === 'visible' && s.overflowX === 'visible' && s.overflowY === 'visible') continue;
      const b = a.getBoundingClientRect();
      if (r.left < b.left - 1 || r.right > b.right + 1 || r.top < b.top - 1 || r.bottom > b.bottom + 1) {
        out[w] = 'cut off by ' + a.tagName.toLowerCase() + '.' + a.className;
        break;
      }
    }
  }
  return out;
}
"""


def unclipped_texts(page, selector: str, words: list[str]) -> dict[str, str]:
    """For each word: 'ok' when an element under `selector` shows exactly that text and no ancestor that clips its
    overflow cuts it off; else why not ('missing', 'cut off by …'). Text in the DOM is not text a learner can see."""
    return page.evaluate(_UNCLIPPED_JS, [selector, words])


def draw_stroke(page, sketch: str, points: list[tuple[float, float]]):
    """Drag the mouse through `points` (fractions of the drawing square, 0–1) on the sketchpad `sketch`, as a learner
    would — without picking a tool first."""
    area = page.locator(f"{sketch} .pixi-target canvas").bounding_box()
    side = min(area["width"], area["height"]) * 0.9  # the square canvas sits centred in the editor's wider area
    x0, y0 = area["x"] + (area["width"] - side) / 2, area["y"] + (area["height"] - side) / 2
    xy = [(x0 + fx * side, y0 + fy * side) for fx, fy in points]
    page.mouse.move(*xy[0])
    page.mouse.down()
    for (xa, ya), (xb, yb) in zip(xy, xy[1:]):
        for k in range(1, 9):
            page.mouse.move(xa + (xb - xa) * k / 8, ya + (yb - ya) * k / 8)
    page.mouse.up()
