"""The GAN tabs in a real browser:
each main action runs, its picture appears, is not blank, and changes with the seed."""

import pytest
from support import need
from support.browser import element_png, image_is_not_blank, in_ci, open_page, open_section, open_tab, shot  # noqa: F401

from gendemo.core.paths import CHECKPOINT_DIR

pytestmark = pytest.mark.browser


def need_gan(*files):
    for f in files or ("gan.safetensors",):
        need((CHECKPOINT_DIR / f).exists(), f"{CHECKPOINT_DIR / f} not built yet")


def run_and_grab(page, button, image, previous=None):
    """Click, wait until the image is there (and differs from `previous` when given), return its PNG screenshot."""
    page.locator(button).click()
    img = page.locator(f"{image} img")
    img.wait_for(state="visible")
    if previous is not None:
        page.wait_for_function(
            "([sel, old]) => { const i = document.querySelector(sel); return i && i.src !== old; }",
            arg=[f"{image} img", previous],
        )
    page.wait_for_timeout(300)  # let the new picture paint
    # A tab now opens with its picture, so the click may re-render the same one: a screenshot taken while it repaints
    # is blank. Look again for a while before returning what is there.
    png = element_png(img)
    for _ in range(30):
        if image_is_not_blank(png):
            break
        page.wait_for_timeout(500)
        png = element_png(img)
    return img.get_attribute("src"), png


def set_number(page, elem_id, value, box="input"):
    box = page.locator(f"#{elem_id} {box}")
    box.fill(str(value))
    box.press("Enter")


def test_gan_sample_in_browser(browser, app_client):
    """Generate draws, a new seed draws other digits, and the classifier's count of them is under the picture (#33: the
    learner was asked to count 64 digits by eye). 249 digits, not a square: the last row simply ends, with no grey
    filler cells after it (#33: they looked like failed digits)."""
    need_gan()
    page = open_page(browser, app_client.base_url)
    try:
        page.get_by_role("tab", name="GAN", exact=True).click()  # not "Conditional GAN"
        src0, png0 = run_and_grab(page, "#gan-sample-button", "#gan-samples")
        assert image_is_not_blank(png0)
        page.locator("#gan-tally").get_by_text("The classifier reads these 64 digits").wait_for()
        set_number(page, "gan-seed", 7)
        src1, png1 = run_and_grab(page, "#gan-sample-button", "#gan-samples", previous=src0)
        assert image_is_not_blank(png1) and png1 != png0
        set_number(page, "gan-n", 249, "input[type=number]")
        run_and_grab(page, "#gan-sample-button", "#gan-samples", previous=src1)
        page.locator("#gan-tally").get_by_text("these 249 digits").wait_for()
        grid = _served_png(page, "#gan-samples img", mode="RGBA")
        cell = grid.shape[1] // 16  # 16 digits to a row: 15 full rows and 9 digits in the last
        assert grid[-cell // 2, -cell // 2, 3] == 0, "a filler cell after the last digit is drawn"
        assert grid[-cell // 2, cell // 2, 3] == 255 and grid[cell // 2, -cell // 2, 3] == 255
    finally:
        shot(page, "gan_sample_en")


def test_gan_timeline_in_browser(browser, app_client):
    need_gan("gan_timeline.npz")
    page = open_page(browser, app_client.base_url)
    try:
        page.get_by_role("tab", name="GAN", exact=True).click()  # not "Conditional GAN"
        _, png = run_and_grab(page, "#gan-timeline-button", "#gan-timeline-samples")
        assert image_is_not_blank(png)
        page.locator("#gan-timeline-summary").get_by_text("Epoch").first.wait_for()
    finally:
        shot(page, "gan_timeline_en")


def test_mode_collapse_in_browser(browser, app_client):
    need_gan()
    page = open_page(browser, app_client.base_url)
    try:
        open_tab(page, "Mode collapse")
        open_section(page, "mc-samples-section")  # the samples, sorted by digit, fold away under the counts
        _, png = run_and_grab(page, "#mc-button", "#mc-grouped")
        assert image_is_not_blank(png)
        page.locator("#mc-summary").get_by_text("KL").first.wait_for()
    finally:
        shot(page, "mode_collapse_en")


def test_cgan_in_browser(browser, app_client):
    need_gan("cgan.safetensors")
    page = open_page(browser, app_client.base_url)
    try:
        open_tab(page, "Conditional GAN")
        src0, png0 = run_and_grab(page, "#cgan-button", "#cgan-samples")
        assert image_is_not_blank(png0)
        set_number(page, "cgan-seed", 3)
        _, png1 = run_and_grab(page, "#cgan-button", "#cgan-samples", previous=src0)
        assert png1 != png0
    finally:
        shot(page, "cgan_en")


def test_latent_walk_in_browser_chinese(browser, app_client):
    need_gan()
    page = open_page(browser, app_client.base_url, locale="zh-CN")
    try:
        open_tab(page, "潜在空间")
        src0, png0 = run_and_grab(page, "#walk-button", "#walk-out")
        assert image_is_not_blank(png0)
        page.locator("#walk-reads").get_by_text("分类器").first.wait_for()  # the handler answered in Chinese
        set_number(page, "walk-seed", 5)
        _, png1 = run_and_grab(page, "#walk-button", "#walk-out", previous=src0)
        assert png1 != png0
    finally:
        shot(page, "latent_walk_zh")


_MARKER_JS = """
(sel) => {
  const svg = document.querySelector(sel + ' svg.marks');
  if (!svg) return null;
  // the x axis: its whole-number tick labels and where they sit, to read a position as an epoch
  const ticks = [...svg.querySelectorAll('.role-axis-label text')]
    .filter(t => /^\\d+$/.test(t.textContent))  // the y axes' labels are written with a decimal point
    .map(t => [Number(t.textContent), /translate\\(([-\\d.]+),/.exec(t.getAttribute('transform') || '')])
    .filter(([v, m]) => m).map(([v, m]) => [v, Number(m[1])]);
  // vertical segments: a path from (x, y0) to (x, y1)
  const lines = [...svg.querySelectorAll('.mark-line path')].map(p => {
    const m = /^M([-\\d.]+),([-\\d.]+)L([-\\d.]+),([-\\d.]+)$/.exec(p.getAttribute('d') || '');
    if (!m || Math.abs(m[1] - m[3]) > 0.01 || Math.abs(m[2] - m[4]) < 20) return null;
    return [Number(m[1]), p.getAttribute('stroke')];
  }).filter(Boolean);
  const legend = [...svg.querySelectorAll('.role-legend-label text')].map(t => t.textContent);
  const symbols = [...svg.querySelectorAll('.role-legend-symbol path')].map(p => p.getAttribute('stroke'));
  return {ticks, lines, legend, symbols};
}
"""


def chosen_epoch_marks(page, sel: str):
    """The vertical segments drawn on the line chart `sel`, as (the epoch they stand at, read off the x axis's ticks;
    their colour, None when Vega gave them none: a line that is not drawn), and the legend: entry → its colour."""
    got = page.evaluate(_MARKER_JS, sel)
    assert got and len(got["ticks"]) >= 2, got
    (v0, x0), (v1, x1) = got["ticks"][0], got["ticks"][-1]
    marks = [(v0 + (x - x0) * (v1 - v0) / (x1 - x0), stroke) for x, stroke in got["lines"]]
    return marks, dict(zip(got["legend"], got["symbols"]))


def assert_marked(page, epoch: int, lang: str):
    """Both timeline charts mark `epoch` with one drawn vertical line, named in the legend (in the page's language,
    in the line's own colour) beside the two curves and nothing else. #33 picture 1: at any epoch but 200 the legend
    kept "epoch 200" and the marker had no colour, so it was not drawn."""
    from gendemo.app.i18n import tr

    name = tr("gan.s_mark", lang)
    for sel in ("#gan-loss-plot", "#gan-d-plot"):
        for _ in range(40):  # the chart redraws a moment after the new data arrives
            marks, legend = chosen_epoch_marks(page, sel)
            if any(abs(at - epoch) < 1.5 for at, _ in marks):
                break
            page.wait_for_timeout(250)
        assert len(marks) == 1 and abs(marks[0][0] - epoch) < 1.5, (sel, epoch, marks)
        assert marks[0][1], f"{sel}: the marker at epoch {epoch} has no colour (not drawn)"
        assert len(legend) == 3 and legend.get(name) == marks[0][1], (sel, name, legend, marks)


@pytest.mark.parametrize("locale", in_ci("en-US", ["en-US", "zh-CN"]))
def test_gan_tab_opens_with_its_pictures_and_plays_the_run(browser, app_client, locale):
    """#12 items 14 and 15 and the "play" moment: without any click the samples, the timeline and its plots are there;
    an example runs; Play moves the epoch slider and the marker to the last epoch. #33 picture 1: the charts' marker
    and legend follow the epoch (example 60, then Play)."""
    need_gan("gan.safetensors", "gan_timeline.npz")
    lang = "en" if locale == "en-US" else "zh-CN"
    page = open_page(browser, app_client.base_url, locale)
    try:
        for sel in ("#gan-samples img", "#gan-timeline-samples img", "#gan-share-plot img"):
            img = page.locator(sel)
            img.wait_for(state="visible")
            assert image_is_not_blank(element_png(img)), sel
        summary = page.locator("#gan-timeline-summary")
        summary.get_by_text("200").first.wait_for()
        assert ("Epoch 200" if locale == "en-US" else "第 200 轮") in summary.inner_text()
        assert_marked(page, 200, lang)
        # the classifier's count of the 64 digits, and examples that say what their numbers are, in the page's language
        tally, example = {"en": ("these 64 digits", "64 digits · seed 0 · remedy recipe"),
                          "zh-CN": ("这 64 个数字", "64 个数字 · 种子 0 · 改良配方")}[lang]  # fmt: skip
        page.locator("#gan-tally").get_by_text(tally).wait_for()
        page.locator("#gan-sample-section").get_by_role("button", name=example).wait_for()
        # the chapter's epoch 60, from its example: the marker moves there on both charts
        page.locator("#tab-gan").get_by_role("button", name="60", exact=True).click()
        summary.get_by_text("60").first.wait_for()
        assert_marked(page, 60, lang)
        if locale != "en-US":  # the Chinese page's texts are checked; playing and the example are the same code
            return
        # Play: the slider starts over at 1 and comes back to the last epoch
        page.locator("#gan-play-button").click()
        page.wait_for_function(
            "() => document.querySelector('#gan-epoch input[type=number]').value === '200'", timeout=90_000
        )
        page.locator("#gan-timeline-summary").get_by_text("200").first.wait_for()
        assert_marked(page, 200, lang)
        # an example fills the controls *and* runs: seed 7 and 256 digits make a different, larger picture
        before = page.locator("#gan-samples img").get_attribute("src")
        page.get_by_text("256 digits · seed 7 · remedy recipe").click()
        page.wait_for_function(
            "old => { const i = document.querySelector('#gan-samples img'); return i && i.src !== old; }", arg=before
        )
    finally:
        shot(page, f"gan_opened_{locale}")


@pytest.mark.parametrize("locale", in_ci("zh-CN", ["en-US", "zh-CN"]))
def test_gan_family_tabs_open_with_content(browser, app_client, locale):
    """#12 item 14: every GAN-family tab shows its default result without a click (tables with real headers, not
    "1 2 3"), and the default interpolation goes between two different digits (item 15)."""
    need_gan("gan.safetensors", "cgan.safetensors", "gan_directions.safetensors")
    page = open_page(browser, app_client.base_url, locale)
    tabs = {
        "en-US": ["Mode collapse", "Conditional GAN", "Latent space", "Ask the discriminator"],
        "zh-CN": ["模式坍塌", "条件 GAN", "潜在空间", "问问判别器"],
    }
    try:
        names = tabs[locale]
        expected = {
            0: ["#mc-compare img", "#mc-grouped img", "#mc-trajectory img"],
            1: ["#cgan-samples img"],
            2: ["#walk-out img", "#grid-out img", "#path-out img", "#vec-out img", "#interp-out img", "#dir-strip img"],
            3: ["#disc-lineup img"],
        }
        for i, name in enumerate(names):
            page.get_by_role("tab", name=name, exact=True).click()
            if i == 0:  # Mode collapse: the run over 200 epochs and the samples fold away under the counts
                open_section(page, "mc-trajectory-section")
                open_section(page, "mc-samples-section")
            if i == 2:  # Latent space opens on the walk; its other sections fold away under it
                for section in ("latent-map", "latent-vector", "latent-interp", "latent-directions"):
                    open_section(page, section)
            for sel in expected[i]:
                img = page.locator(sel).first
                img.wait_for(state="visible")
                assert image_is_not_blank(element_png(img)), sel
        page.get_by_role("tab", name=names[0], exact=True).click()
        header = page.locator("#mc-table thead").inner_text()
        assert "KL" in header and "1\n2\n3" not in header
        page.get_by_role("tab", name=names[2], exact=True).click()
        norms = page.locator("#interp-norms").inner_text()
        assert norms.strip(), "the interpolation opened without its lengths"
    finally:
        shot(page, f"gan_family_opened_{locale}")


def _served_png(page, selector, mode="RGB"):
    """The picture an <img> really shows, fetched from its src (not a screenshot: no scaling, no repaint timing)."""
    import io

    import numpy as np
    from PIL import Image

    src = page.locator(selector).get_attribute("src")
    return np.asarray(Image.open(io.BytesIO(page.request.get(src).body())).convert(mode))


def test_mode_collapse_bar_chart_follows_the_chosen_generator(browser, app_client):
    """#12 item 1: after switching generator (epoch 1 → epoch 2 → final) the bar chart shows the run just made — the
    same picture the handler draws for those inputs — not the previous one."""
    import numpy as np
    from PIL import Image

    from gendemo.app.ui.mode_collapse_tab import mode_collapse

    need_gan("gan.safetensors", "gan_timeline.npz")
    page = open_page(browser, app_client.base_url)
    try:
        open_tab(page, "Mode collapse")
        page.locator("#mc-compare img").wait_for(state="visible")
        for source, words in (("1", "epoch 1"), ("2", "epoch 2"), ("final", "Final generator")):
            page.locator("#mc-source input").click()
            page.get_by_role("option", name=source if source != "final" else "final (end of training)").first.click()
            before = page.locator("#mc-compare img").get_attribute("src")
            page.locator("#mc-button").click()
            page.locator("#mc-summary").get_by_text(words).first.wait_for()
            page.wait_for_function(
                "old => { const i = document.querySelector('#mc-compare img'); return i && i.src !== old; }",
                arg=before,
            )
            page.wait_for_timeout(500)  # any late second update would land now
            want = np.asarray(Image.open(mode_collapse(source, 1000, 0, "remedy")[0]).convert("RGB"))
            served = _served_png(page, "#mc-compare img")
            assert np.array_equal(served, want), f"bar chart is stale after {source}"
        # #33: the chart spans its picture (a second, removed axes had left it a quarter of the width)
        drawn = (served.min(axis=2) < 200).mean(axis=0) > 0.02  # columns with more than a speck of ink
        assert drawn[: len(drawn) // 4].any() and drawn[-len(drawn) // 4 :].any(), (
            "the chart fills only part of its box"
        )
        assert drawn.mean() > 0.5, drawn.mean()  # 0.2 before
    finally:
        shot(page, "mode_collapse_switch_en")


@pytest.mark.parametrize(
    ("locale", "tab", "said"),
    in_ci("en-US", [("en-US", "Latent space", "Clicked point"), ("zh-CN", "潜在空间", "点中")]),
)
def test_click_in_the_latent_map_draws_that_digit(browser, app_client, locale, tab, said):
    """#12's "click in the latent map": a click on the two-dimension map draws the digit at that point, large."""
    need_gan()
    page = open_page(browser, app_client.base_url, locale)
    try:
        open_tab(page, tab)
        open_section(page, "latent-map")  # the map: a section one click under the walk
        grid = page.locator("#grid-out img")
        grid.wait_for(state="visible")  # the map is there when its section opens
        box = grid.bounding_box()
        grid.click(position={"x": box["width"] * 0.7, "y": box["height"] * 0.2})
        page.locator("#grid-pick-text").get_by_text(said).first.wait_for()
        big = page.locator("#grid-pick-out img")
        big.wait_for(state="visible")
        assert image_is_not_blank(element_png(big))
    finally:
        shot(page, f"latent_pick_{locale}")


@pytest.mark.parametrize(
    ("locale", "tab", "word"), in_ci("zh-CN", [("en-US", "Mode collapse", "epoch"), ("zh-CN", "模式坍塌", "轮")])
)
def test_mode_collapse_generator_list_reads_on_its_own(browser, app_client, locale, tab, word):
    """#12 item 15: the generator list showed bare numbers, some with a "●" explained only under the list. Each choice
    now says what it is — which epoch, and whether its digits are drawn now or were counted in training — in the
    page's language."""
    import re

    need_gan("gan.safetensors")
    page = open_page(browser, app_client.base_url, locale)
    try:
        open_tab(page, tab)
        page.locator("#mc-source input").click()
        options = page.get_by_role("option")
        options.first.wait_for()
        texts = [t.strip() for t in options.all_inner_texts()]
        assert len(texts) > 5, texts
        for t in texts:
            assert "●" not in t and not re.fullmatch(r"[\d\s]+", t), texts
            assert (
                ("drawn now" in t or "counted in training" in t)
                if locale == "en-US"
                else re.search(r"[\u4e00-\u9fff]", t)
            ), texts
        assert sum(word in t for t in texts) == len(texts) - 1, texts  # every epoch named as one (all but "final")
        # #33: the chosen generator's name fits its box ("final (end of training) →c" was cut off)
        page.keyboard.press("Escape")
        value, needed, shown = page.locator("#mc-source input").evaluate("e => [e.value, e.scrollWidth, e.clientWidth]")
        assert value and needed <= shown + 1, (value, needed, shown)
    finally:
        shot(page, f"mode_collapse_sources_{locale}")
