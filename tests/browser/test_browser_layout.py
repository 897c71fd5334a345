"""The page's frame in a real browser: every tab can be seen and reached at ordinary window sizes."""

import pytest
from support.browser import in_ci, open_page, shot

from gendemo.app.i18n import tr
from gendemo.app.tabs import tab_modules

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("locale", ["en-US", "zh-CN"])
@pytest.mark.parametrize("size", [(1440, 1000), (1024, 768)])
def test_every_tab_is_visible_without_a_menu(browser, app_client, locale, size):
    """#12 item 8: at 1440 px the English "Digit classifier" tab hid behind a "⋯" menu; the tab bar now wraps."""
    page = open_page(browser, app_client.base_url, locale, viewport=size)
    lang = "en" if locale == "en-US" else "zh-CN"
    try:
        for mod in tab_modules().values():
            tab = page.get_by_role("tab", name=tr(mod.TAB_KEY, lang), exact=True)
            tab.wait_for(state="visible")
            box = tab.bounding_box()
            assert box and box["x"] >= 0 and box["x"] + box["width"] <= size[0], (mod.TAB_KEY, box)
        tab.click()  # the last tab (the classifier) opens with one click
        assert tab.get_attribute("aria-selected") == "true"
    finally:
        shot(page, f"tabs_{locale}_{size[0]}")


_SQUEEZED_JS = """
(tab) => {  // labels that wrap because something beside them takes their room (a slider's number box)
  const lines = (el) => {
    const tops = new Set(), walk = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let n = walk.nextNode(); n; n = walk.nextNode()) {
      if (!n.nodeValue.trim()) continue;
      const r = document.createRange();
      r.selectNodeContents(n);
      for (const x of r.getClientRects()) if (x.width > 0) tops.add(Math.round(x.top));
    }
    return tops.size;
  };
  const out = [];
  for (const s of document.querySelectorAll('#tab-' + tab + ' [data-testid=block-info]')) {
    const r = s.getBoundingClientRect(), n = r.width ? lines(s) : 0;
    if (n < 2) continue;
    const text = s.textContent.trim(), room = (s.closest('.head') || s.parentElement).getBoundingClientRect().width;
    if ([...text].length <= 6 || r.width < 0.6 * room)
      out.push(tab + ': "' + text + '" wraps over ' + n + ' lines in ' + Math.round(r.width) + ' of ' +
        Math.round(room) + ' px');
  }
  return out;
}
"""


# the main button and first result of each section of the Inside, Prompts and Classifier tabs: (tab, section's
# sub-tab or None, button, result)
LAPTOP = (
    ("inside", "ins-learn", "ins-button", "ins-panels"),
    ("inside", "ins-steps", "ins-step", "ins-step-panels"),
    ("prompts", "pr-experiment", "pr-button", "pr-gallery"),
    ("prompts", "pr-img2img", "pr-i2i-button", "pr-result"),
    ("classify", None, "classify-button", "classify-probs"),
)


@pytest.mark.parametrize("locale", in_ci("zh-CN", ["en-US", "zh-CN"]))
def test_a_laptop_shows_whole_labels_and_each_sections_button_and_result(browser, app_client, locale):
    """Issue 33, on a 1440×1000 laptop. In zh-CN a slider's label broke mid-word ("引导强/度") and one ran down five
    lines: the slider's number box took its room; a label that wraps now has the whole width of its control, on every
    tab. And each section of the Inside, Prompts and Classifier tabs shows its main button and (the top of) its result
    without scrolling; the deeper sections are one click away."""
    page = open_page(browser, app_client.base_url, locale, viewport=(1440, 1000))
    squeezed, beyond = [], []
    try:
        for name in tab_modules():
            page.locator(f"#tab-{name}-button").click()
            page.locator(f"#tab-{name} .block").first.wait_for(state="visible")
            page.wait_for_timeout(300)  # the tab's controls laid out
            squeezed += page.evaluate(_SQUEEZED_JS, name)
        for tab, section, button, result in LAPTOP:
            page.locator(f"#tab-{tab}-button").click()
            if section:
                page.locator(f"#{section}-button").click()
            page.locator(f"#{button}").wait_for(state="visible")
            page.wait_for_timeout(300)
            at = page.evaluate(  # from the top of the page, as a learner sees it before scrolling
                "(ids) => ids.map(i => { const r = document.getElementById(i).getBoundingClientRect();"
                " return [r.top + scrollY, r.bottom + scrollY]; })",
                [button, result],
            )
            if at[0][1] > 1000 or at[1][0] > 1000 - 100:
                beyond.append(f"{section or tab}: button ends at {at[0][1]:.0f} px, result starts at {at[1][0]:.0f} px")
    finally:
        shot(page, f"laptop_{locale}")
    assert not squeezed, squeezed
    assert not beyond, beyond
