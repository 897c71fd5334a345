"""Playwright + Debian's Chromium: helpers shared by the browser tests (one module per tab in test_browser_*.py)."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import numpy as np
import pytest
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


def in_ci(locale: str, params: list) -> list:
    """A test's two languages, CI running the one named: the other runs the same code with other words, so it is marked
    slow (python -m pytest -m slow runs it) to keep CI in its budget. Each tab keeps a test in each language in CI.
    params: locales, or tuples whose first item is the locale."""
    out = []
    for p in params:
        values = p if isinstance(p, tuple) else (p,)
        assert values[0] in ("en-US", "zh-CN"), values
        out.append(p if values[0] == locale else pytest.param(*values, marks=pytest.mark.slow))
    assert sum(not hasattr(p, "marks") for p in out) == 1, f"{locale} is not among {params}"
    return out


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


def open_section(page, elem_id: str):
    """Unfold the gr.Accordion `#elem_id` (a tab's deeper section) by its header, as a learner would; an open one stays
    open. Returns once its content has a height."""
    header = page.locator(f"#{elem_id} > button.label-wrap")
    if "open" not in (header.get_attribute("class") or "").split():
        header.click()
    page.wait_for_function(
        "(id) => { const h = document.querySelector('#' + id + ' > button.label-wrap.open');"
        " return h && h.nextElementSibling && h.nextElementSibling.getBoundingClientRect().height > 0; }",
        arg=elem_id,
    )


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
  const texts = [...root.querySelectorAll('text, span, p, div, label, button, th, td')];
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


def click_and_send(page, elem_id: str):
    """Click the button `#elem_id` and return once its event has joined the server's queue. Gradio sends an event that
    reads a sketchpad only after exporting its layers (a second or two on a slow machine), so a test that acts at once
    after a click could have its next event queued first; a learner, slower than that, cannot."""
    import app

    (button,) = [b for b in app.demo.blocks.values() if getattr(b, "elem_id", None) == elem_id]

    def joins(request) -> bool:
        return "/queue/join" in request.url and json.loads(request.post_data or "{}").get("trigger_id") == button._id

    with page.expect_request(joins):
        page.locator(f"#{elem_id}").click()


_COVERED_JS = """
(sel) => {
  const root = document.querySelector(sel);
  if (!root) return ['no ' + sel];
  const seen = (e) => {
    const r = e.getBoundingClientRect(), s = getComputedStyle(e);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none' && +s.opacity > 0;
  };
  const picture = (img) => {  // the picture itself: an object-fit: contain box letterboxes it inside the element
    const r = img.getBoundingClientRect();
    const fit = getComputedStyle(img).objectFit;
    if (!img.naturalWidth || !['contain', 'scale-down'].includes(fit)) return r;
    let k = Math.min(r.width / img.naturalWidth, r.height / img.naturalHeight);
    if (fit === 'scale-down') k = Math.min(k, 1);
    const w = img.naturalWidth * k, h = img.naturalHeight * k;
    const x = r.left + (r.width - w) / 2, y = r.top + (r.height - h) / 2;
    return {left: x, top: y, right: x + w, bottom: y + h, width: w, height: h};
  };
  const name = (e) => {
    const cls = typeof e.className === 'string' && e.className.trim() ? '.' + e.className.trim().split(/\\s+/)[0] : '';
    const text = e.textContent.trim();
    return e.tagName.toLowerCase() + cls + (text ? ' "' + text.slice(0, 30) + '"' : '');
  };
  const imgs = [...root.querySelectorAll('img')].filter(seen);
  if (!imgs.length) return ['no picture in ' + sel];
  // what can lie over a picture: the block's label, toolbars and their buttons, captions, anything floating
  const over = [...root.querySelectorAll('*')].filter(e => seen(e) && !e.querySelector('img') && e.tagName !== 'IMG' &&
    !e.closest('svg') && !e.closest('.hide') && (e.matches('label, [data-testid=block-label], .icon-button-wrapper, ' +
    'button.icon-button, .caption-label') || ['absolute', 'fixed', 'sticky'].includes(getComputedStyle(e).position)));
  const out = [];
  for (const img of imgs) {
    const p = picture(img);
    for (const e of over) {
      const r = e.getBoundingClientRect();
      const dx = Math.min(r.right, p.right) - Math.max(r.left, p.left);
      const dy = Math.min(r.bottom, p.bottom) - Math.max(r.top, p.top);
      if (dx > 1 && dy > 1) out.push(name(e) + ' covers ' + Math.round(dx) + 'x' + Math.round(dy) + ' px of a ' +
        Math.round(p.width) + 'x' + Math.round(p.height) + ' picture');
    }
  }
  // a picture, or a gallery's scrolling box, that a box which clips its overflow cuts short (a label pushed it down, a
  // gallery grew wider than its block); a box that scrolls only cuts at the sides (rows scroll into view, columns not)
  const boxes = [...imgs.map(i => [i, picture(i)]), ...[...root.querySelectorAll('*')].filter(e => seen(e) &&
    ['auto', 'scroll'].includes(getComputedStyle(e).overflowY)).map(e => [e, e.getBoundingClientRect()])];
  for (const [el, p] of boxes) {
    for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
      const s = getComputedStyle(a), b = a.getBoundingClientRect();
      const side = s.overflowX !== 'visible' && (p.left < b.left - 1 || p.right > b.right + 1);
      const end = ['hidden', 'clip'].includes(s.overflowY) && (p.top < b.top - 1 || p.bottom > b.bottom + 1);
      if (side || end) { out.push(name(el) + ' is cut off ' + (side ? 'at the side' : 'at the top or bottom') +
        ' by ' + name(a)); break; }
      if (['auto', 'scroll'].includes(s.overflowY)) break;  // beyond it, the scrolling box is the one to check
    }
  }
  for (const c of root.querySelectorAll('.caption-label')) {
    if (seen(c) && c.scrollWidth > c.clientWidth + 1) out.push('caption cut: "' + c.textContent.trim() + '"');
  }
  return out;
}
"""


def covered_pictures(page, selector: str) -> list[str]:
    """What hides part of the pictures under `selector` (an image or a gallery): a label, toolbar, button, caption or
    other floating element whose box intersects a shown picture's box (the letterboxed picture, not the <img> element),
    a picture cut short by a box that clips it, and gallery captions cut short. Empty when every picture can be seen
    whole. A picture under its label is one the learner cannot read (#12 item 5)."""
    return page.evaluate(_COVERED_JS, selector)
