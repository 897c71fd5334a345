"""What a learner sees of issue 31's views in a real browser: figure 6-4 side by side and figures 6-1 / 6-3 drawn on
the GAN tab; the dice with 25,000 normal draws and the 100-against-10 measurement on the Latent tab; the word-order
experiment opening on a prompt and seed whose orders diverge."""

import pytest
from support import need
from support.browser import element_png, image_is_not_blank, in_ci, open_page, open_section, open_tab

from gendemo.core.paths import CHECKPOINT_DIR

pytestmark = pytest.mark.browser

WANT = {
    "en-US": {
        "latent": "Latent space",
        "fig64": "Left to right",
        "arch": "Every width and activation",
        "dice": "throws of two dice",
        "claim": "The chapter's claim",
    },
    "zh-CN": {
        "latent": "潜在空间",
        "fig64": "从左到右",
        "arch": "图中每一层的宽度",
        "dice": "掷两个骰子",
        "claim": "本章的说法",
    },
}


@pytest.mark.parametrize("locale", in_ci("en-US", ["en-US", "zh-CN"]))
def test_the_partial_figures_are_finished_where_a_learner_looks(browser, app_client, locale):
    need((CHECKPOINT_DIR / "gan_timeline.npz").exists(), "GAN timeline missing")
    want = WANT[locale]
    page = open_page(browser, app_client.base_url, locale, viewport=(1440, 1000))
    try:
        page.locator("#tab-gan-button").click()  # "GAN" alone would also match "Conditional GAN"
        fig = page.locator("#gan-figure-6-4 img")
        fig.scroll_into_view_if_needed()
        fig.wait_for(state="visible")
        assert image_is_not_blank(element_png(fig))
        box = fig.bounding_box()
        assert box["width"] > 2.5 * box["height"], box  # three grids side by side, not stacked
        page.locator("#gan-figure-6-4-text").get_by_text(want["fig64"]).first.wait_for()

        open_section(page, "gan-architecture")
        arch = page.locator("#gan-architecture-figure img")
        arch.wait_for(state="visible")
        assert image_is_not_blank(element_png(arch))
        said = page.locator("#gan-architecture-text").inner_text()
        assert want["arch"] in said and "1,024" in said and "784" in said

        open_tab(page, want["latent"])
        open_section(page, "latent-dice")
        dice = page.locator("#dice-out img")
        dice.wait_for(state="visible")
        before = element_png(dice)
        assert image_is_not_blank(before)
        first = page.locator("#dice-text").inner_text()
        assert want["dice"] in first and "25,000" in first
        page.locator("#dice-button").click()
        page.wait_for_function(
            "(old) => { const t = document.querySelector('#dice-text'); return t && t.innerText !== old; }", arg=first
        )  # a press throws afresh

        open_section(page, "latent-z100")
        text = page.locator("#latent-z100-text")
        text.get_by_text(want["claim"]).first.wait_for()
        assert text.locator("table tr").count() == 1 + 13  # header, twelve directions and their mean
    finally:
        page.context.close()
