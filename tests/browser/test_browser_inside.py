import pytest
from support import need
from support.browser import element_png, image_is_not_blank, in_ci, open_page, open_tab, shot

from gendemo.core.paths import CHECKPOINT_DIR

pytestmark = pytest.mark.browser

TAB = {"en-US": "Inside diffusion: noise & steps", "zh-CN": "扩散内部：噪声与每一步"}
PREDICT = {"en-US": "Predict the noise", "zh-CN": "预测噪声"}
STEP = {"en-US": "Step", "zh-CN": "走一步"}


@pytest.mark.parametrize("locale", in_ci("zh-CN", ["en-US", "zh-CN"]))
def test_inside_tab_predicts_noise_and_steps(browser, app_client, locale):
    need((CHECKPOINT_DIR / "diffusion.safetensors").exists(), "diffusion checkpoint missing")
    page = open_page(browser, app_client.base_url, locale=locale)
    try:
        open_tab(page, TAB[locale])
        page.get_by_role("button", name=PREDICT[locale], exact=True).click()
        first = page.locator("#ins-panels img").first
        first.wait_for(state="visible", timeout=120_000)
        assert page.locator("#ins-panels img").count() == 5
        assert image_is_not_blank(element_png(first))
        page.locator("#ins-curve canvas, #ins-curve svg").first.wait_for(state="visible", timeout=60_000)
        assert "‖ε̂ − ε‖²" in page.locator("#ins-summary").inner_text()
        page.get_by_role("button", name=STEP[locale], exact=True).click()
        step = page.locator("#ins-step-panels img").first
        step.wait_for(state="visible", timeout=120_000)
        assert image_is_not_blank(element_png(step))
        text = page.locator("#ins-step-text")
        assert "1000 → 999" in text.inner_text()
        # the slider moved on: the next Step continues from the kept state
        page.get_by_role("button", name=STEP[locale], exact=True).click()
        page.wait_for_function(
            "() => document.querySelector('#ins-step-text').innerText.includes('999 → 998')", timeout=60_000
        )
        # no picture hidden under a label or toolbar: each panel lies inside the gallery
        box = page.locator("#ins-step-panels").bounding_box()
        for i in range(page.locator("#ins-step-panels img").count()):
            b = page.locator("#ins-step-panels img").nth(i).bounding_box()
            assert b["x"] >= box["x"] and b["x"] + b["width"] <= box["x"] + box["width"] + 1
    finally:
        shot(page, f"inside_{locale}")


@pytest.mark.parametrize(
    "locale,words",
    in_ci(
        "en-US",
        [
            ("en-US", ["no caption (∅)", "caption (guidance 1)", "caption, guidance 4", "predicted with"]),
            ("zh-CN", ["无说明文字（∅）", "有说明文字（引导 1）", "有说明文字，引导 4", "预测时的条件"]),
        ],
    ),
)
def test_loss_curve_has_a_readable_legend(browser, app_client, locale, words):
    """The loss-against-t plot shows its legend whole (a fixed height cut it off below the axis, as on the noising
    plots) under a title in the page's language (it read "series")."""
    from support.browser import unclipped_texts

    need((CHECKPOINT_DIR / "diffusion.safetensors").exists(), "diffusion checkpoint missing")
    page = open_page(browser, app_client.base_url, locale=locale)
    try:
        open_tab(page, TAB[locale])
        page.get_by_role("button", name=PREDICT[locale], exact=True).click()
        page.locator("#ins-curve svg text", has_text=words[0]).first.wait_for(state="attached", timeout=180_000)
        page.locator("#ins-curve").scroll_into_view_if_needed()
        page.wait_for_timeout(500)
        seen = unclipped_texts(page, "#ins-curve", words)
        assert all(v == "ok" for v in seen.values()), seen
    finally:
        shot(page, f"inside_curve_legend_{locale}")
