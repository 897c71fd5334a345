import pytest
from support import need
from support.browser import (
    covered_pictures,
    element_png,
    image_is_not_blank,
    in_ci,
    open_page,
    open_section,
    open_tab,
    shot,
)

from gendemo.app.i18n import tr
from gendemo.core.paths import CHECKPOINT_DIR

pytestmark = pytest.mark.browser

TAB = {"en-US": "Inside diffusion: noise & steps", "zh-CN": "扩散内部：噪声与每一步"}
PREDICT = {"en-US": "Predict the noise", "zh-CN": "预测噪声"}
STEP = {"en-US": "Step", "zh-CN": "走一步"}
LANG = {"en-US": "en", "zh-CN": "zh-CN"}

_MARKER_X_JS = """
() => {  // the x of the loss chart's one vertical line (the chosen t), in px from the plot's left edge
  const svg = document.querySelector('#ins-curve svg');
  if (!svg) return null;
  const left = svg.getBoundingClientRect().left;
  const lines = [...svg.querySelectorAll('path')].map(p => p.getBoundingClientRect())
    .filter(r => r.width < 3 && r.height > 40);
  return lines.length === 1 ? Math.round(lines[0].left - left) : lines.length;
}
"""


def _maths_rendered(page, selector: str, at_least: int) -> bool:
    """Whether KaTeX typeset at least `at_least` formulas under `selector` (it renders after the text arrives; waits
    for them) and none failed (a failed one would show its source)."""
    page.wait_for_function(
        "([sel, n]) => document.querySelector(sel)?.querySelectorAll('.katex').length >= n",
        arg=[selector, at_least],
        timeout=30_000,
    )
    return page.locator(f"{selector} .katex-error").count() == 0


@pytest.mark.parametrize("locale", in_ci("zh-CN", ["en-US", "zh-CN"]))
def test_inside_tab_predicts_noise_and_steps(browser, app_client, locale):
    need((CHECKPOINT_DIR / "diffusion.safetensors").exists(), "diffusion checkpoint missing")
    lang = LANG[locale]
    page = open_page(browser, app_client.base_url, locale=locale)
    try:
        open_tab(page, TAB[locale])
        # issue 33: the maths is typeset (it was plain text: "x_t = √ᾱ_t·x₀ + …")
        assert _maths_rendered(page, "#ins-learn", 4)
        page.get_by_role("button", name=PREDICT[locale], exact=True).click()
        first = page.locator("#ins-panels img").first
        first.wait_for(state="visible", timeout=120_000)
        assert page.locator("#ins-panels img").count() == 5
        assert image_is_not_blank(element_png(first))
        page.locator("#ins-curve svg").first.wait_for(state="visible", timeout=60_000)
        assert "t = 500" in page.locator("#ins-summary").inner_text() and _maths_rendered(page, "#ins-summary", 2)
        # issue 33: a marker at the chosen t on the loss chart, which follows t
        page.wait_for_function(f"() => typeof ({_MARKER_X_JS})() === 'number'", timeout=30_000)
        at_500 = page.evaluate(_MARKER_X_JS)
        page.locator("#ins-t input[type=number]").fill("900")
        page.locator("#ins-t input[type=number]").press("Enter")
        page.get_by_role("button", name=PREDICT[locale], exact=True).click()
        page.wait_for_function(
            "() => document.querySelector('#ins-summary').innerText.includes('t = 900')", timeout=60_000
        )
        page.wait_for_function(f"(x) => ({_MARKER_X_JS})() > x + 20", arg=at_500, timeout=30_000)
        # issue 33: the own-picture box shows its picture whole, its label above it (it cropped the example's top)
        page.get_by_text(tr("ins.source_image", lang), exact=True).click()
        page.locator("#ins-image img").wait_for(state="visible")
        assert covered_pictures(page, "#ins-image") == []

        # the reverse steps, one click away
        page.get_by_role("tab", name=tr("ins.step_tab", lang), exact=True).click()
        page.get_by_role("button", name=STEP[locale], exact=True).click()
        step = page.locator("#ins-step-panels img").first
        step.wait_for(state="visible", timeout=120_000)
        assert page.locator("#ins-step-panels img").count() == 6
        assert image_is_not_blank(element_png(step))
        text = page.locator("#ins-step-text")
        assert "1000 → 999" in text.inner_text() and _maths_rendered(page, "#ins-step-text", 5)
        # issue 33: at t ≈ 1000 a step changes nothing a person can see: the change is shown, and the text says why
        captions = page.locator("#ins-step-panels .caption-label").all_inner_texts()
        assert len(captions) == 6 and captions[4].startswith("xₜ₋₁ − xₜ"), captions
        assert ("looks like" if lang == "en" else "看起来和") in text.inner_text()
        # the slider moved on: the next Step continues from the kept state
        page.get_by_role("button", name=STEP[locale], exact=True).click()
        page.wait_for_function(
            "() => document.querySelector('#ins-step-text').innerText.includes('999 → 998')", timeout=60_000
        )
        # no picture hidden under a label or toolbar
        assert covered_pictures(page, "#ins-step-panels") == []
        # issue 33: a step from a chosen t walks there first, and says so while it walks (it took 16–30 s silently)
        page.locator("#ins-step-t input[type=number]").fill("900")
        page.locator("#ins-step-t input[type=number]").press("Enter")
        page.get_by_role("button", name=STEP[locale], exact=True).click()
        walking = tr("ins.walking", lang, t=900)
        page.wait_for_function(
            "(w) => [...document.querySelectorAll('#ins-step-panels [data-testid=status-tracker]')]"
            ".some(e => e.innerText.includes(w) && /\\d+\\/100/.test(e.innerText))",
            arg=walking,
            timeout=60_000,
        )
        page.wait_for_function(
            "() => document.querySelector('#ins-step-text').innerText.includes('900 → 899')", timeout=120_000
        )
        assert tr("ins.step_walked", lang, k=100, t=900) in text.inner_text()
    finally:
        shot(page, f"inside_{locale}")


@pytest.mark.parametrize(
    "locale,words",
    in_ci(
        "en-US",
        [
            (
                "en-US",
                ["no caption (∅)", "caption (guidance 1)", "caption, guidance 4", "the chosen t", "predicted with"],
            ),
            ("zh-CN", ["无说明文字（∅）", "有说明文字（引导 1）", "有说明文字，引导 4", "所选的 t", "预测时的条件"]),
        ],
    ),
)
def test_loss_curve_has_a_readable_legend(browser, app_client, locale, words):
    """The loss-against-t plot shows its legend whole (a fixed height cut it off below the axis, as on the noising
    plots) under a title in the page's language (it read "series"), the chosen t's marker among its entries."""
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


@pytest.mark.parametrize("locale", in_ci("zh-CN", ["en-US", "zh-CN"]))
def test_step_6_updates_a_copy_and_shows_both_losses(browser, app_client, locale):
    """Issue 31: the forward algorithm's step 6 taken for real — the section opens from the learn view, the step at a
    large learning rate overshoots (the verdict says so) and the loss before and after are typeset in the answer."""
    need((CHECKPOINT_DIR / "diffusion.safetensors").exists(), "diffusion checkpoint missing")
    lang = LANG[locale]
    page = open_page(browser, app_client.base_url, locale=locale)
    try:
        open_tab(page, TAB[locale])
        open_section(page, "ins-train")
        assert _maths_rendered(page, "#ins-train", 3)  # the update rule and the loss are typeset
        page.locator("#ins-lr").get_by_label("1", exact=True).check()
        page.get_by_role("button", name=tr("ins.train_button", lang), exact=True).click()
        first = page.locator("#ins-train-panels img").first
        first.wait_for(state="visible", timeout=120_000)
        assert page.locator("#ins-train-panels img").count() == 5 and image_is_not_blank(element_png(first))
        text = page.locator("#ins-train-text")
        text.get_by_text(tr("ins.train_up", lang)[:12]).wait_for(timeout=60_000)
        assert "→" in text.inner_text() and "**" not in text.inner_text()
        shot(page, f"inside_step6_{locale}")
    finally:
        page.close()
