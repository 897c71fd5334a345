import pytest
from support import need
from support.browser import element_png, image_is_not_blank, open_page, open_tab, shot, unclipped_texts

from gendemo.core.paths import CHECKPOINT_DIR

pytestmark = pytest.mark.browser

TAB = {"en-US": "Noising: linear vs cosine", "zh-CN": "加噪：线性与余弦"}
BUTTON = {"en-US": "Draw with both twins", "zh-CN": "让两个双胞胎都画一遍"}
SAYS = {"en-US": "What the measurement says", "zh-CN": "测量结果说明什么"}
LEGEND = {"en-US": ["linear", "cosine", "schedule"], "zh-CN": ["线性", "余弦", "噪声调度"]}


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
def test_which_schedule_trains_better(browser, app_client, locale):
    """The section under the noising figure: both twins draw the prompt, the sentence on the chapter's claim is there
    in the page's language, the three curves are drawn with a legend that is not cut off, and the samples picture lies
    whole inside its block."""
    need(
        all((CHECKPOINT_DIR / f"schedule_{s}.safetensors").exists() for s in ("linear", "cosine")),
        "schedule twin checkpoints missing (python -m gendemo.train schedule_linear / schedule_cosine)",
    )
    page = open_page(browser, app_client.base_url, locale=locale)
    try:
        open_tab(page, TAB[locale])
        page.locator("#twin-button").scroll_into_view_if_needed()
        page.get_by_role("button", name=BUTTON[locale], exact=True).click()
        samples = page.locator("#twin-samples img")
        samples.wait_for(state="visible", timeout=120_000)
        assert image_is_not_blank(element_png(samples))
        page.wait_for_function(
            "(w) => document.querySelector('#twin-verdict').innerText.includes(w)", arg=SAYS[locale], timeout=60_000
        )
        assert "8" in page.locator("#twin-rows").inner_text()
        box, pic = page.locator("#twin-samples").bounding_box(), samples.bounding_box()
        assert pic["y"] >= box["y"] and pic["y"] + pic["height"] <= box["y"] + box["height"] + 1
        for plot in ("#twin-digit", "#twin-colour", "#twin-frechet"):
            page.locator(f"{plot} svg text", has_text=LEGEND[locale][0]).first.wait_for(state="attached")
            page.locator(plot).scroll_into_view_if_needed()
            page.wait_for_timeout(300)
            seen = unclipped_texts(page, plot, LEGEND[locale])
            assert all(v == "ok" for v in seen.values()), (plot, seen)
    finally:
        shot(page, f"twins_{locale}")
