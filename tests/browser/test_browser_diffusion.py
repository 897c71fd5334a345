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


@pytest.mark.parametrize(
    "locale,tab,words",
    [
        ("en-US", "Noising: linear vs cosine", ["linear", "cosine", "schedule"]),
        ("zh-CN", "加噪：线性与余弦", ["线性", "余弦", "噪声调度"]),
    ],
)
def test_noising_plots_have_a_readable_legend(browser, app_client, locale, tab, words):
    """#12 item 7: both schedule plots show a legend whose entries are visible (not cut off below the plot), in the
    page's language."""
    from support.browser import unclipped_texts

    page = open_page(browser, app_client.base_url, locale)
    try:
        open_tab(page, tab)
        for plot in ("#noise-alpha", "#noise-snr"):
            page.locator(f"{plot} svg text", has_text=words[0]).first.wait_for(state="attached")
            page.locator(plot).scroll_into_view_if_needed()
            seen = unclipped_texts(page, plot, words)
            assert all(v == "ok" for v in seen.values()), (plot, seen)
    finally:
        shot(page, f"noising_legend_{locale}")
