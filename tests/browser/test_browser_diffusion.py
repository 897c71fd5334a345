import pytest
from support import ROOT, need
from support.browser import element_png, image_is_not_blank, open_page, open_tab, shot  # noqa: F401

from gendemo.core.paths import CHECKPOINT_DIR

pytestmark = pytest.mark.browser


def test_noising_tab(browser, app_client):
    page = open_page(browser, app_client.base_url)
    try:
        open_tab(page, "Noising: linear vs cosine")
        page.locator("#noise-button").click()
        rows = page.locator("#noise-rows img")
        rows.wait_for(state="visible")
        page.locator("#noise-alpha canvas, #noise-alpha svg").first.wait_for(state="visible")
        assert image_is_not_blank(element_png(rows))
        assert image_is_not_blank(element_png(page.locator("#noise-alpha")))
    finally:
        shot(page, "noising_en")


@pytest.mark.parametrize(
    "locale,tab,button", [("en-US", "Diffusion: prompt → digit", "Generate"), ("zh-CN", "扩散：提示词 → 数字", "生成")]
)
def test_diffusion_tab_streams_digits(browser, app_client, locale, tab, button):
    need((CHECKPOINT_DIR / "diffusion.safetensors").exists(), "diffusion checkpoint missing")
    page = open_page(browser, app_client.base_url, locale=locale)
    try:
        open_tab(page, tab)
        page.locator("#gen-prompt textarea").fill("a blue five")
        page.get_by_role("button", name=button, exact=True).click()
        result = page.locator("#gen-result img")
        result.wait_for(state="visible", timeout=120_000)
        assert image_is_not_blank(element_png(result))
        assert image_is_not_blank(element_png(page.locator("#gen-process img")))
    finally:
        shot(page, f"diffusion_{locale}")


def test_prompts_tab_experiment_and_img2img(browser, app_client):
    need((CHECKPOINT_DIR / "diffusion.safetensors").exists(), "diffusion checkpoint missing")
    page = open_page(browser, app_client.base_url)
    try:
        open_tab(page, "Prompts, seeds & img2img")
        page.locator("#pr-button").click()
        page.locator("#pr-gallery img").first.wait_for(state="visible", timeout=120_000)
        assert image_is_not_blank(element_png(page.locator("#pr-gallery img").first))
        page.locator("#pr-upload input[type=file]").set_input_files(str(ROOT / "examples" / "blurry_4.png"))
        page.locator("#pr-i2i-button").click()
        result = page.locator("#pr-result img")
        result.wait_for(state="visible", timeout=120_000)
        assert image_is_not_blank(element_png(result))
    finally:
        shot(page, "prompts_en")
