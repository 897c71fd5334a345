"""The Latent space tab in a real browser (issue 33): it opens on the walk, with the walk's button and picture above a
laptop's fold; the map, the vector, the interpolation and the directions are closed sections one click away, each
reachable by its id; a click in the map draws that digit; the directions' table lists the chosen point once."""

import pytest
from support import need
from support.browser import element_png, image_is_not_blank, in_ci, open_page, open_section, open_tab, shot

from gendemo.core.paths import CHECKPOINT_DIR

pytestmark = pytest.mark.browser

SECTIONS = ("#latent-map", "#latent-vector", "#latent-interp", "#latent-directions")
WANT = {
    "en-US": {
        "tab": "Latent space",
        "clicked": "Clicked point",
        "others": "every other dimension",
        "mine": "your point",
    },
    "zh-CN": {"tab": "潜在空间", "clicked": "点中", "others": "其余维度", "mine": "你选的点"},
}
# the top and bottom of an element on the page, in px from the top of the page
_BOX = (
    "(sel) => { const r = document.querySelector(sel).getBoundingClientRect(); "
    "return [r.top + scrollY, r.bottom + scrollY]; }"
)


@pytest.mark.parametrize("locale", in_ci("en-US", ["en-US", "zh-CN"]))
def test_latent_tab_opens_on_the_walk_with_the_rest_one_click_away(browser, app_client, locale):
    """Before: six sections, 4,900 px on a laptop (8,100 on a phone); the pick said "the other eight" (dimensions,
    read as the digit 8); the directions' table listed distance 0 twice (the chosen point, then the strip's)."""
    need((CHECKPOINT_DIR / "gan.safetensors").exists(), "GAN checkpoint missing")
    want = WANT[locale]
    page = open_page(browser, app_client.base_url, locale, viewport=(1440, 1000))
    try:
        open_tab(page, want["tab"])
        page.locator("#walk-out img").wait_for(state="visible")
        for sel in ("#walk-button", "#walk-out img"):
            top, bottom = page.evaluate(_BOX, sel)
            assert bottom <= 1000, (sel, top, bottom)  # above a 1440 × 1000 laptop's fold, without scrolling
        assert image_is_not_blank(element_png(page.locator("#walk-out img")))
        for section in SECTIONS:
            page.locator(section).wait_for(state="attached")
        assert not page.locator("#grid-out").is_visible() and not page.locator("#dir-strip").is_visible()
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 2000, height  # was 4,900 px

        open_section(page, "latent-map")  # the map, and a click in it
        grid = page.locator("#grid-out img")
        grid.wait_for(state="visible")
        box = grid.bounding_box()
        grid.click(position={"x": box["width"] * 0.7, "y": box["height"] * 0.2})
        said = page.locator("#grid-pick-text")
        said.get_by_text(want["clicked"]).first.wait_for()
        assert want["others"] in said.inner_text() and "eight" not in said.inner_text()
        assert image_is_not_blank(element_png(page.locator("#grid-pick-out img")))

        open_section(page, "latent-interp")
        page.locator("#interp-out img").wait_for(state="visible")
        assert page.locator("#interp-norms").inner_text().strip()

        open_section(page, "latent-directions")
        page.locator("#dir-table [role=gridcell]", has_text=want["mine"]).first.wait_for()
        first = page.eval_on_selector_all(  # the first column of the table's rows (Gradio draws them as divs)
            "#dir-table .virtual-row", "rows => rows.map(r => r.querySelector('[role=gridcell]').innerText.trim())"
        )
        marked = [d for d in first if want["mine"] in d]
        plain = [d.split(" ")[0] for d in first]
        assert len(marked) == 1 and len(set(plain)) == len(plain), first  # the chosen point once, no distance twice
    finally:
        shot(page, f"latent_sections_{locale}")
