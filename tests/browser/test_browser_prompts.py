"""The Prompts, seeds & img2img tab in a real browser: samplers by name, examples tables that show every column,
Markdown that renders, and a DDPM redrawing that says how far it is."""

import pytest
from support import ROOT, need
from support.browser import covered_pictures, in_ci, open_page, open_tab, shot, unclipped_texts

from gendemo.app.i18n import tr
from gendemo.core.paths import CHECKPOINT_DIR

pytestmark = pytest.mark.browser

LANG = {"en-US": "en", "zh-CN": "zh-CN"}


def _tracker_says(page, selector: str, *words, timeout=60_000):
    """Wait until the progress shown over `selector` holds every one of `words`."""
    page.wait_for_function(
        "([sel, words]) => [...document.querySelectorAll(sel + ' [data-testid=status-tracker]')]"
        ".some(e => words.every(w => e.innerText.includes(w)))",
        arg=[selector, list(words)],
        timeout=timeout,
    )


@pytest.mark.parametrize("locale", in_ci("en-US", ["en-US", "zh-CN"]))
def test_prompts_tab_names_samplers_shows_its_tables_and_explains_the_wait(browser, app_client, locale):
    need((CHECKPOINT_DIR / "diffusion.safetensors").exists(), "diffusion checkpoint missing")
    lang = LANG[locale]
    page = open_page(browser, app_client.base_url, locale, viewport=(1440, 1000))
    try:
        open_tab(page, tr("pr.tab", lang))
        # issue 33: samplers by name (they read ddim / dpmpp2m / ddpm), in the controls and the examples table
        sampler = page.locator("#pr-exp-sampler").inner_text()
        assert "DPM-Solver++ 2M" in sampler and "dpmpp2m" not in sampler, sampler
        seen = unclipped_texts(page, "#pr-examples", [tr("pr.exp_sampler", lang), "DPM-Solver++ 2M"])
        assert all(v == "ok" for v in seen.values()), seen
        # the experiment's explanation renders its emphasis (zh-CN: a bold sentence ending in "：" stayed "**…**")
        page.locator("#pr-button").click()
        page.locator("#pr-gallery img").first.wait_for(state="visible", timeout=120_000)
        page.wait_for_function("() => document.querySelector('#pr-table').innerText.includes('0.9')")
        assert "**" not in page.locator("#tab-prompts").inner_text()

        # img2img, one click away
        page.get_by_role("tab", name=tr("pr.i2i_tab", lang), exact=True).click()
        # issue 33: the examples table shows its Sampler column (it was cut off at the right)
        headers = [tr("pr.h_image", lang), tr("pr.h_strength", lang), tr("pr.sampler", lang), "DDPM"]
        seen = unclipped_texts(page, "#pr-i2i-examples", headers)
        assert all(v == "ok" for v in seen.values()), seen
        # issue 33: the text promises what comes back (soft, light grey 4s), not "crisp white strokes"
        said = page.locator("#pr-i2i-examples-text").inner_text()
        assert ("light grey" if lang == "en" else "浅灰") in said and "crisp" not in said, said
        # issue 33: a DDPM redrawing says how far it is (the example's ~60 s wait was a bare timer)
        page.locator("#pr-upload input[type=file]").set_input_files(str(ROOT / "examples" / "blurry_4.png"))
        page.locator("#pr-upload img").wait_for(state="visible")
        assert covered_pictures(page, "#pr-upload") == []  # the upload's label above its picture, not over it
        for box, value in (("#pr-strength", "0.1"), ("#pr-n", "1")):
            page.locator(f"{box} input[type=number]").fill(value)
            page.locator(f"{box} input[type=number]").press("Enter")
        page.locator("#pr-sampler").get_by_text("DDPM", exact=True).click()
        page.locator("#pr-i2i-button").click()
        _tracker_says(page, "#pr-result", tr("pr.i2i_progress", lang, n=1, sampler="DDPM"), "/100")
        page.wait_for_function(
            "() => document.querySelector('#pr-i2i-status').innerText.includes('t = 100')", timeout=120_000
        )
        assert ("100 DDPM steps" if lang == "en" else "100 步 DDPM") in page.locator("#pr-i2i-status").inner_text()
    finally:
        shot(page, f"prompts_{locale}")
