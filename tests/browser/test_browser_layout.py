"""The page's frame in a real browser: every tab can be seen and reached at ordinary window sizes."""

import pytest
from support.browser import open_page, shot

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
