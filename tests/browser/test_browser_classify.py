import pytest
from support import ROOT
from support.browser import element_png, image_is_not_blank, open_page, open_tab, shot  # noqa: F401

pytestmark = pytest.mark.browser


def test_classify_tab_in_browser(browser, app_client):
    page = open_page(browser, app_client.base_url)
    open_tab(page, "Digit classifier")
    page.locator("#classify-upload input[type=file]").set_input_files(str(ROOT / "examples" / "digit_7.png"))
    try:
        page.locator("#classify-button").click()
        seen = page.locator("#classify-seen img")
        seen.wait_for(state="visible")
        page.locator("#classify-probs").get_by_text("7").first.wait_for()
    finally:
        shot(page, "classify_en")
    assert image_is_not_blank(element_png(seen))


def test_chinese_locale_translates_ui(browser, app_client):
    page = open_page(browser, app_client.base_url, locale="zh-CN")
    try:
        open_tab(page, "数字分类器")
        page.get_by_role("button", name="识别").wait_for()
    finally:
        shot(page, "classify_zh")


def test_footer_offers_the_api_page_and_settings(browser, app_client):
    page = open_page(browser, app_client.base_url)
    footer = page.locator("footer")
    footer.wait_for(state="visible")
    texts = footer.inner_text()
    assert "API" in texts and "Settings" in texts, texts
    assert "Built with Gradio" not in texts
