"""Lesson links in a real browser (issue 32): a link opens its tab with its values and runs it; "Link to this view"
gives back every tab's settings; a bad address still opens the page, with a note."""

import urllib.parse

import pytest
from support.browser import in_ci, open_page, shot

from gendemo.app.endpoints import ENDPOINTS
from gendemo.app.ui.lesson_links import VIEWS

pytestmark = pytest.mark.browser


def selected_tab(page) -> str:
    page.wait_for_function("() => document.querySelector('button[role=tab][aria-selected=true]')")
    return page.evaluate(
        "() => { const b = document.querySelector('button[role=tab][aria-selected=true]');"
        " return b.getAttribute('aria-controls') || b.id || b.textContent; }"
    )


def control_value(page, elem_id: str):
    """What a control shows: a number box's or text box's value, a radio's checked value, a dropdown's text."""
    return page.evaluate(
        """(id) => {
          const root = document.getElementById(id);
          if (!root) return null;
          const checked = [...root.querySelectorAll('input[type=radio]:checked, input[type=checkbox]:checked')];
          if (root.querySelector('input[type=radio], input[type=checkbox]'))
            return checked.map(i => i.value || i.parentElement.textContent.trim()).join(',');
          const box = root.querySelector('input[type=number], textarea, input');
          return box ? box.value : null;
        }""",
        elem_id,
    )


@pytest.mark.parametrize("locale", in_ci("zh-CN", ["en-US", "zh-CN"]))
def test_a_lesson_link_opens_its_tab_with_its_values_and_runs_it(browser, app_client, locale):
    url = app_client.base_url + "?tab=cgan&digit=3&n=16&seed=5&run=1&hide=seed"
    page = open_page(browser, url, locale)
    try:
        page.locator("#tab-cgan").wait_for(state="visible")
        page.wait_for_function("() => document.querySelector('#cgan-n input[type=number]')?.value === '16'")
        assert page.locator("#cgan-seed").is_hidden()  # hidden for this visit
        assert page.locator("#cgan-digit input").input_value() == "3"
        # it ran: the classifier's report counts the 16 digits of the link, not the 10 × 10 the tab opens with
        words = "of 16" if locale == "en-US" else "16 个样本"
        page.locator("#cgan-report").get_by_text(words).wait_for(timeout=90_000)
        assert page.locator("#lesson-note").is_hidden()  # nothing to say about a correct link
    finally:
        shot(page, f"lesson_link_{locale}")


@pytest.mark.parametrize("locale", in_ci("en-US", ["en-US", "zh-CN"]))
def test_a_section_link_unfolds_its_section(browser, app_client, locale):
    url = app_client.base_url + "?tab=latent&section=latent_grid&dim_x=4&dim_y=7&seed=11"
    page = open_page(browser, url, locale)
    try:
        page.locator("#grid-dx").wait_for(state="visible")  # the closed "noise space" section is open
        page.wait_for_function("() => document.querySelector('#grid-dy input[type=number]')?.value === '7'")
        assert control_value(page, "grid-dx") == "4" and control_value(page, "grid-seed") == "11"
    finally:
        shot(page, f"lesson_section_{locale}")


def _other_value(p):
    """A value of parameter p different from its default, as a link writes it."""
    if p.kind in ("int", "seed"):
        lo, hi = p.bounds()
        d = int(p.start())
        return str(d + 1 if d + 1 <= hi else d - 1)
    if p.kind == "float":
        lo, hi = p.bounds()
        return f"{hi:g}" if float(p.start()) != hi else f"{lo:g}"
    if p.kind == "choice":
        return str(next(v for v in p.values() if v != p.start()))
    if p.kind == "choices":
        return str(p.values()[-1])
    if p.kind == "prompt":
        return "a blue two"
    return str(p.start())  # text: an epoch or a source, checked by the handler against its own list


def test_link_to_this_view_round_trips_every_tab(browser, app_client):
    """For each tab: a link with a value other than the default for each parameter of its main view opens the page;
    "Link to this view" then writes the same values back (so the controls held them, and the link reads them)."""
    page = None
    for tab, views in VIEWS.items():
        ep = ENDPOINTS[views[0]]
        want = {p.name: _other_value(p) for p in ep.params if p.link}
        url = app_client.base_url + "?" + urllib.parse.urlencode({"tab": tab, **want}, quote_via=urllib.parse.quote)
        page = open_page(browser, url, "zh-CN")
        try:
            page.locator(f"#tab-{tab}").wait_for(state="visible")
            page.wait_for_timeout(1500)  # the load event fills the controls
            page.locator(f"#link-btn-{tab}").click()
            box = page.locator(f"#link-{tab} textarea, #link-{tab} input").first
            page.wait_for_function(
                "(id) => { const b = document.querySelector('#' + id + ' textarea, #' + id + ' input');"
                " return b && b.value.startsWith('http'); }",
                arg=f"link-{tab}",
            )
            link = box.input_value()
            parts = urllib.parse.urlsplit(link)
            assert parts.netloc == urllib.parse.urlsplit(app_client.base_url).netloc, link
            got = dict(urllib.parse.parse_qsl(parts.query))
            assert got.pop("tab") == tab
            for p in ep.params:
                if not p.link:
                    continue
                if p.kind in ("int", "seed", "float"):
                    assert float(got[p.name]) == pytest.approx(float(want[p.name])), (tab, p.name, link)
                else:
                    assert got[p.name] == want[p.name], (tab, p.name, link)
            assert page.locator("#lesson-note").is_hidden(), page.locator("#lesson-note").inner_text()
        finally:
            shot(page, f"lesson_roundtrip_{tab}")
            page.context.close()


@pytest.mark.parametrize(
    "query, words",
    [
        ("tab=nope&seed=3", "no tab called"),
        ("tab=..%2F..%2Fetc%2Fpasswd", "no tab called"),
        ("tab=gan&seed=-5", "Seed was set to 0"),
        ("tab=gan&recipe=%7B%22a%22%3A%5B1%2C2%5D%7D", "must be one of"),
        ("tab=diffusion&prompt=" + "x" * 10_000, "characters"),
        ("tab=cgan&zzz=1", "ignored: zzz"),
        ("tab=%5Bclick%20here%5D(http%3A%2F%2Fevil.example)%3Cimg%20src%3Dx%3E", "[click here](http://evil.example)"),
    ],
    ids=["unknown-tab", "path", "negative-seed", "json", "10kB", "unknown-name", "markdown"],
)
def test_a_bad_link_still_opens_the_page_with_a_note(browser, app_client, query, words):
    page = open_page(browser, app_client.base_url + "?" + query, "en-US")
    try:
        note = page.locator("#lesson-note")
        note.wait_for(state="visible")
        assert words in note.inner_text()
        assert note.locator("a, img").count() == 0  # what a link echoes back is shown as text, never as markup
        page.locator("#gan-samples img").wait_for(state="attached")  # the page itself opened as usual
        if "seed=-5" in query:
            assert control_value(page, "gan-seed") == "0"
    finally:
        page.context.close()


@pytest.mark.parametrize("locale", in_ci("zh-CN", ["en-US", "zh-CN"]))
def test_the_chapter_maps_links_each_open_a_view(browser, app_client, locale):
    """The map is the first thing on the page, closed; opened, its links open the tabs they name, with no note (the
    values they set are all valid)."""
    page = open_page(browser, app_client.base_url, locale)
    try:
        first = page.evaluate("() => document.querySelector('#chapter-map, #tab-gan').id")
        assert first == "chapter-map"  # above the tabs
        assert page.locator("#chapter-map-list").is_hidden()  # closed by default
        page.locator("#chapter-map > button.label-wrap").click()
        anchors = page.locator("#chapter-map-list a")
        anchors.first.wait_for()
        hrefs = [anchors.nth(i).get_attribute("href") for i in range(anchors.count())]
        assert len(hrefs) == 18, hrefs
        words = "图 6-14" if locale == "zh-CN" else "Figure 6-14"
        assert words in page.locator("#chapter-map-list").inner_text()
        # each tab names its figures under its views, in the page's language
        page.locator("#tab-gan-button").click()
        fig = "图 6-4：" if locale == "zh-CN" else "Figure 6-4:"
        page.locator("#figures-gan").get_by_text(fig).wait_for()
    finally:
        shot(page, f"chapter_map_{locale}")
        page.context.close()
    # every link's values are checked without a browser (tests/app/test_chapter_map.py: each plans a view with no
    # note); here the first link of each tab shows that the page opens the tab a link names (9 page loads, not 18)
    per_tab = {}
    for href in hrefs:
        per_tab.setdefault(dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(href).query))["tab"], href)
    assert len(per_tab) >= 8, per_tab
    for tab, href in per_tab.items():
        url = urllib.parse.urljoin(app_client.base_url, href)
        page = open_page(browser, url, locale)
        try:
            page.locator(f"#tab-{tab}").wait_for(state="visible")
            page.locator(f"#link-btn-{tab}").wait_for(state="visible")
            page.wait_for_timeout(500)
            assert page.locator("#lesson-note").is_hidden(), (href, page.locator("#lesson-note").inner_text())
        finally:
            page.context.close()


@pytest.mark.parametrize("locale", in_ci("en-US", ["en-US", "zh-CN"]))
def test_predict_then_look_reveals_after_one_click_and_runs_the_view(browser, app_client, locale):
    """Mode collapse: nothing is said before the click; one click shows the verdict and why, switches to the chapter's
    recipe and counts its digits."""
    page = open_page(browser, app_client.base_url + "?tab=mode_collapse", locale)
    try:
        page.locator("#ask-mc").wait_for(state="visible")
        assert page.locator("#ask-mc-reveal").is_hidden()
        page.locator("#ask-mc label").filter(has_text="7").first.click()
        reveal = page.locator("#ask-mc-reveal")
        reveal.wait_for(state="visible")
        words = ("Not this time", "mode collapse") if locale == "en-US" else ("这次不对", "模式崩溃")
        assert all(w in reveal.inner_text() for w in words), reveal.inner_text()
        checked = page.locator("#mc-recipe input[value=chapter]")
        page.wait_for_function("() => document.querySelector('#mc-recipe input[value=chapter]')?.checked")
        assert checked.is_checked()
        # the count ran, on the chapter's recipe: its most common digit is the one the verdict named
        top = "most common 1 at" if locale == "en-US" else "最常见的 1 占"
        page.wait_for_function(
            "(w) => (document.querySelector('#mc-summary')?.innerText || '').includes(w)", arg=top, timeout=120_000
        )
    finally:
        shot(page, f"predict_mc_{locale}")


def test_predicting_guidance_zero_draws_the_four_scales(browser, app_client):
    """Guidance 0 vs 7: a section link opens the guidance section; the right guess says so and why, and the click
    draws the four guidance scales (their judged text appears)."""
    page = open_page(browser, app_client.base_url + "?tab=diffusion&section=diffusion_guidance", "zh-CN")
    try:
        page.locator("#ask-g").wait_for(state="visible")
        page.locator("#ask-g label").filter(has_text="任何数字").first.click()
        reveal = page.locator("#ask-g-reveal")
        reveal.wait_for(state="visible")
        assert "结果正是如此" in reveal.inner_text() and "不带提示词" in reveal.inner_text()
        page.wait_for_function(
            "() => (document.querySelector('#gen-guide-text')?.innerText || '').includes('7')", timeout=180_000
        )
    finally:
        shot(page, "predict_guidance_zh-CN")
