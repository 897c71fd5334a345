"""The "Train it yourself" tab in a real browser, English and Chinese: Start shows a trained picture and a status,
Stop ends the run, One step shows the chapter's loop as a table."""

import pytest
from support import mnist_present, need
from support.browser import element_png, image_is_not_blank, in_ci, open_page, shot

pytestmark = pytest.mark.browser

TAB = {"en-US": "Train it yourself", "zh-CN": "亲手训练"}
PAUSED = {"en-US": "Paused", "zh-CN": "已暂停"}
STEP = {"en-US": "chapter step", "zh-CN": "本章步骤"}


def set_slider(page, elem_id, value):
    box = page.locator(f"#{elem_id} input[type=number]")
    box.fill(str(value))
    box.press("Enter")


@pytest.mark.parametrize("locale", in_ci("zh-CN", ["en-US", "zh-CN"]))
def test_start_watch_stop_and_step(browser, app_client, locale):
    need(mnist_present(), "MNIST not prepared (python -m gendemo.data --from ../shared/data/mnist)")
    page = open_page(browser, app_client.base_url, locale=locale)
    try:
        page.get_by_role("tab", name=TAB[locale], exact=True).click()
        set_slider(page, "live-budget", 5)
        page.locator("#live-start").click()
        img = page.locator("#live-samples img")
        img.wait_for(state="visible", timeout=90_000)
        page.locator("#live-status").get_by_text(PAUSED[locale]).wait_for(timeout=90_000)
        page.wait_for_timeout(300)
        assert image_is_not_blank(element_png(img))
        # A long run, stopped: the status stops changing and the page stays usable.
        set_slider(page, "live-budget", 120)
        page.locator("#live-continue").click()
        page.wait_for_timeout(3000)
        page.locator("#live-stop").click()
        page.locator("#live-status").get_by_text(PAUSED[locale]).wait_for(timeout=30_000)  # stopped, not failed
        before = page.locator("#live-status").inner_text()
        page.wait_for_timeout(3000)
        assert page.locator("#live-status").inner_text() == before
        assert page.locator("#live-samples img").is_visible()  # the pictures stay
        assert page.get_by_text("Error", exact=True).count() == 0
        page.locator("#live-step").click()
        page.locator("#live-step-table").get_by_text(STEP[locale]).wait_for(timeout=60_000)
        step_img = page.locator("#live-step-images img")
        step_img.wait_for(state="visible")
        assert image_is_not_blank(element_png(step_img))
    finally:
        shot(page, f"live_{locale}")
