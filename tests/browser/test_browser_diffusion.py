import pytest
from support import ROOT, need
from support.browser import (  # noqa: F401
    element_png,
    image_is_not_blank,
    in_ci,
    open_page,
    open_section,
    open_tab,
    shot,
    unclipped_texts,
)

from gendemo.app.i18n import tr
from gendemo.core.paths import CHECKPOINT_DIR

pytestmark = pytest.mark.browser


# the top and bottom of an element on the page, in px from the page's top
_BOX = (
    "(s) => { const r = document.querySelector(s).getBoundingClientRect(); "
    "return [r.top + scrollY, r.bottom + scrollY]; }"
)


def test_noising_tab(browser, app_client):
    """The rows and the curves; issue 33: the button and the rows above a 1440 × 1000 laptop's fold (the twins one
    click away), the formula typeset, "all three rows" (it said "both rows" over three), and the upload's label whole
    on a line of its own above the photo (it was cut off, lying over the photo)."""
    page = open_page(browser, app_client.base_url, viewport=(1440, 1000))
    try:
        open_tab(page, "Noising: linear vs cosine")
        page.locator("#noise-rows img").wait_for(state="visible")
        for sel in ("#noise-button", "#noise-rows img"):
            top, bottom = page.evaluate(_BOX, sel)
            assert bottom <= 1000, (sel, top, bottom)
        intro = page.locator("#noise-intro")
        assert intro.locator(".katex").count() >= 3 and "All three rows use the very same noise" in intro.inner_text()
        assert not page.locator("#twin-samples").is_visible()  # the twins: a closed section
        label = "Image to noise (any size or format)"
        assert unclipped_texts(page, "#noise-image", [label]) == {label: "ok"}
        said = page.locator("#noise-image label", has_text=label).first.bounding_box()
        photo = page.locator("#noise-image img").first.bounding_box()
        assert said["y"] + said["height"] <= photo["y"] + 1, (said, photo)
        page.locator("#noise-button").click()
        rows = page.locator("#noise-rows img")
        rows.wait_for(state="visible")
        page.locator("#noise-alpha canvas, #noise-alpha svg").first.wait_for(state="visible")
        assert image_is_not_blank(element_png(rows))
        assert image_is_not_blank(element_png(page.locator("#noise-alpha")))
    finally:
        shot(page, "noising_en")


DISTILLED = {  # the Network choice's default, the guidance-distilled copy, and what the status then says
    "en-US": ("its guidance-distilled copy (one pass a step, faster)", "guidance-distilled copy predicted the noise"),
    "zh-CN": ("它的引导蒸馏版（每步只算一遍，更快）", "由引导蒸馏版预测噪声"),
}
MODEL = {  # the first option, the diffusion model itself: the finished status names no other network
    "en-US": ("the diffusion model (guidance: two passes a step)", "Done:"),
    "zh-CN": ("扩散模型（引导时每步算两遍）", "完成："),
}
HANDOVER = {  # the third option: the model for the noisy steps, the copy after them
    "en-US": ("both in turn: the model while the digit takes shape, then the copy (faster)", "Two networks shared"),
    "zh-CN": ("两者接力：数字成形时用扩散模型，之后用蒸馏版（更快）", "这次由两个网络接力"),
}
# the run is over once the judged digits are a picture other than `before` (a run clears them while it streams)
NEW_RESULT = "b => { const i = document.querySelector('#gen-judged img'); return !!i && i.getAttribute('src') !== b; }"
SAMPLERS = ["DDIM", "DPM-Solver++ 2M", "DDPM"]  # the sampler choices by name, not as ids (ddim, dpmpp2m, ddpm)


@pytest.mark.parametrize(
    "locale,tab,button",
    in_ci("zh-CN", [("en-US", "Diffusion: prompt → digit", "Generate"), ("zh-CN", "扩散：提示词 → 数字", "生成")]),
)
def test_diffusion_tab_streams_digits(browser, app_client, locale, tab, button):
    need((CHECKPOINT_DIR / "diffusion.safetensors").exists(), "diffusion checkpoint missing")
    page = open_page(browser, app_client.base_url, locale=locale)
    try:
        open_tab(page, tab)
        assert page.locator("#gen-sampler label").all_inner_texts() == SAMPLERS
        before = page.locator("#gen-judged img").first.get_attribute("src")  # the opening run's digits
        page.locator("#gen-prompt textarea").fill("a blue five")
        page.get_by_role("button", name=button, exact=True).click()
        page.wait_for_function(NEW_RESULT, arg=before, timeout=120_000)
        result = page.locator("#gen-judged img").first
        assert image_is_not_blank(element_png(result))
        assert image_is_not_blank(element_png(page.locator("#gen-process img")))
        status = page.locator("#gen-status")
        status.get_by_text(DISTILLED[locale][1]).wait_for(timeout=30_000)  # the default network: the distilled copy
        # the same prompt on the diffusion model, then on the handover: each time a new result, and the status says
        # which network ran
        for option, said in (MODEL[locale], HANDOVER[locale]):
            before = page.locator("#gen-judged img").first.get_attribute("src")
            page.locator("#gen-network").get_by_text(option, exact=True).click()
            page.get_by_role("button", name=button, exact=True).click()
            page.wait_for_function(NEW_RESULT, arg=before, timeout=120_000)
            status.get_by_text(said).wait_for(timeout=30_000)
            text = status.inner_text()
            assert said in text and DISTILLED[locale][1] not in text, text
            assert image_is_not_blank(element_png(page.locator("#gen-judged img").first))
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
        _img2img(page, "en-US")
        page.locator("#pr-upload input[type=file]").set_input_files(str(ROOT / "examples" / "blurry_4.png"))
        page.locator("#pr-i2i-button").click()
        result = page.locator("#pr-result img")
        result.wait_for(state="visible", timeout=120_000)
        assert image_is_not_blank(element_png(result))
    finally:
        shot(page, "prompts_en")


@pytest.mark.parametrize(
    "locale,tab,words",
    in_ci(
        "zh-CN",
        [
            ("en-US", "Noising: linear vs cosine", ["linear", "constant β", "cosine", "schedule"]),
            ("zh-CN", "加噪：线性与余弦", ["线性", "恒定 β", "余弦", "噪声调度"]),
        ],
    ),
)
def test_noising_plots_have_a_readable_legend(browser, app_client, locale, tab, words):
    """#12 item 7: the schedule plots (and #10's β_t plot) show a legend whose entries are visible (not cut off below
    the plot), in the page's language, the constant-β row among them."""
    from support.browser import unclipped_texts

    page = open_page(browser, app_client.base_url, locale)
    try:
        open_tab(page, tab)
        for plot in ("#noise-alpha", "#noise-snr", "#noise-beta"):
            page.locator(f"{plot} svg text", has_text=words[0]).first.wait_for(state="attached")
            page.locator(plot).scroll_into_view_if_needed()
            seen = unclipped_texts(page, plot, words)
            assert all(v == "ok" for v in seen.values()), (plot, seen)
    finally:
        shot(page, f"noising_legend_{locale}")


def _img2img(page, locale: str):
    """The Prompts tab's second section (a sub-tab): img2img."""
    page.get_by_role("tab", name=tr("pr.i2i_tab", "en" if locale == "en-US" else "zh-CN"), exact=True).click()


_TABLE_HEADS = "() => [...document.querySelectorAll('table thead')].filter(e => e.offsetParent).map(e => e.innerText)"

SPEAKS = {  # per language: tab names, words that must be on the page, words that must not
    "en-US": {
        "diffusion": "Diffusion: prompt → digit",
        "prompts": "Prompts, seeds & img2img",
        "heads": ["Prompt", "Experiment"],
        "examples": ["“a thick green three” · seed 1", "no prompt · guidance 1 · 16 digits"],
        "cells": ["reorder the words", "swap the colour word"],
        "title": "Examples",
        "not": ["__i18n__", "调换词序", "示例"],
    },
    "zh-CN": {
        "diffusion": "扩散：提示词 → 数字",
        "prompts": "提示词、种子与图生图",
        "heads": ["实验"],
        "examples": ["“a thick green three” · 种子 1", "不写提示词 · 引导强度 1 · 16 个数字"],
        "cells": ["调换词序", "替换颜色词"],
        "title": "示例",
        "not": ["__i18n__", "reorder the words", "Examples", "Layer 1", "select the draw tool", "schedule"],
    },
}


# the Chinese page runs in CI: untranslated English is the likelier slip than the reverse
@pytest.mark.parametrize("locale", in_ci("zh-CN", ["en-US", "zh-CN"]))
def test_example_tables_are_headed_and_the_page_speaks_one_language(browser, app_client, locale):
    """#12 items 9 and 10: example tables have column headers and choice labels in the page's language only (no
    "ddim 25 3 0 8" rows, no raw keys, no English-first "reorder the words · 调换词序"), titled "Examples"/"示例"; in
    Chinese nothing of Gradio's own English shows on these tabs (the sketchpad's hint and layer menu). Issue 33: the
    Diffusion tab's examples are labelled buttons in the page's language (its table ran past the page with 140-px
    rows, a blank prompt and a DDPM row that said 25 steps)."""
    want = SPEAKS[locale]
    page = open_page(browser, app_client.base_url, locale)
    try:
        open_tab(page, want["diffusion"])
        buttons = page.locator("#gen-examples button")
        buttons.filter(has_text=want["examples"][0]).first.wait_for()
        labels = [t.strip() for t in buttons.all_inner_texts()]
        assert len(labels) == 8 and all(labels) and want["examples"][1] in labels, labels
        assert not page.locator("#gen-examples table").count()
        open_tab(page, want["prompts"])  # its first section, the experiment
        page.wait_for_function(f"() => ({_TABLE_HEADS})().some(h => h.includes({want['heads'][0]!r}))")
        text = page.locator("body").inner_text()
        for w in [*want["cells"], want["title"]]:
            assert w in text, w
        assert " · " not in page.locator("#pr-mode").inner_text()  # one language, not "English · 中文"
        _img2img(page, locale)  # the sketchpad's section
        page.locator("#pr-draw .pixi-target canvas").wait_for()
        page.wait_for_timeout(1000)
        text = page.locator("body").inner_text()
        for w in want["not"]:
            assert w not in text, w
    finally:
        shot(page, f"examples_headed_{locale}")


def test_a_new_drawing_replaces_the_img2img_upload(browser, app_client):
    """#12 item 2 in img2img: a stroke on the sketchpad after an upload removes the upload, so Redraw starts from the
    drawing (the handler takes the upload when there is one)."""
    from support.browser import draw_stroke

    page = open_page(browser, app_client.base_url)
    try:
        open_tab(page, "Prompts, seeds & img2img")
        _img2img(page, "en-US")
        page.locator("#pr-draw .pixi-target canvas").wait_for()
        page.locator("#pr-upload input[type=file]").set_input_files(str(ROOT / "examples" / "blurry_4.png"))
        page.locator("#pr-upload img").wait_for()
        page.wait_for_timeout(1000)
        draw_stroke(page, "#pr-draw", [(0.5, 0.15), (0.5, 0.85)])
        page.locator("#pr-upload img").wait_for(state="detached")
    finally:
        shot(page, "img2img_latest_input_en")


def _captions_sit_below_their_pictures(page, gallery: str) -> int:
    """Every thumbnail's caption lies under its picture (not over the digit) and is shown whole (no "…"), and nothing
    (a label, a toolbar) lies over the top of the picture."""
    page.locator(gallery).scroll_into_view_if_needed()
    boxes = page.eval_on_selector_all(
        f"{gallery} .thumbnail-item",
        """items => items.map(it => {
            const img = it.querySelector('img').getBoundingClientRect();
            const cap = it.querySelector('.caption-label');
            const c = cap.getBoundingClientRect();
            const cut = cap.scrollWidth > cap.clientWidth + 1;
            const top = document.elementFromPoint(img.left + img.width / 2, img.top + 4);
            const covered = top !== null && top !== it.querySelector('img') && top !== it;
            return {img_bottom: img.bottom, img_h: img.height, cap_top: c.top, cut: cut, covered: covered};
        })""",
    )
    assert boxes, gallery
    for b in boxes:
        assert b["img_h"] > 40 and b["cap_top"] >= b["img_bottom"] - 1 and not b["cut"] and not b["covered"], (
            gallery,
            b,
        )
    return len(boxes)


# each judged caption's lines as the browser lays them out: its height over its line height
_CAPTION_LINES = """sel => [...document.querySelectorAll(sel + ' .caption-label')].map(c =>
    Math.round(c.getBoundingClientRect().height / parseFloat(getComputedStyle(c).lineHeight)))"""


@pytest.mark.parametrize(
    "locale,tab,button,colour,reads",
    in_ci(
        "zh-CN",
        [
            ("en-US", "Diffusion: prompt → digit", "Generate", "red", "reads"),
            ("zh-CN", "扩散：提示词 → 数字", "生成", "红色", "识别为"),
        ],
    ),
)
def test_diffusion_digits_are_judged_and_failures_shown(browser, app_client, locale, tab, button, colour, reads):
    """#10 items 4 and 5: each generated digit carries the judge's reading under it, the status line says how many
    match and which colour word was mapped, and the failure gallery opens with its pictures. Issue 33: a reading is
    two lines, the digit and the colour, each with its mark (in Chinese it wrapped to four, a ✓ alone on the last)."""
    import re

    need((CHECKPOINT_DIR / "diffusion.safetensors").exists(), "diffusion checkpoint missing")
    page = open_page(browser, app_client.base_url, locale=locale, viewport=(1440, 1000))
    try:
        open_tab(page, tab)
        page.locator("#gen-prompt textarea").fill("a crimson five")
        page.get_by_role("button", name=button, exact=True).click()
        page.locator("#gen-status").get_by_text("crimson → red").wait_for(timeout=120_000)
        status = page.locator("#gen-status").inner_text()
        assert "Judged:" in status or "评判：" in status, status
        caps = page.locator("#gen-judged .caption-label")
        texts = caps.all_inner_texts()
        line = rf"^\d \(\d+%\)\s[✓✗]\n{colour} \(\d\.\d\d\)\s[✓✗]$"
        assert len(texts) == 8 and all(re.match(line, t.strip()) for t in texts), texts
        _captions_sit_below_their_pictures(page, "#gen-judged")
        assert page.evaluate(_CAPTION_LINES, "#gen-judged") == [2] * 8  # as laid out: two lines, no mark alone
        page.locator("#gen-failures .label-wrap").first.click()
        fails = page.locator("#gen-fail-gallery .caption-label")
        fails.first.wait_for(state="visible", timeout=30_000)
        assert reads in fails.first.inner_text()
        assert _captions_sit_below_their_pictures(page, "#gen-fail-gallery") >= 1
        assert image_is_not_blank(element_png(page.locator("#gen-fail-gallery img").first))
    finally:
        shot(page, f"diffusion_judged_{locale}")


GEN = {
    "en-US": {
        "tab": "Diffusion: prompt → digit",
        "stopped": "Stopped at step",
        "of": " of 1000",
        "step100": "Step 100 of 1000",
        "replayed": "Replaying step 0 of 25 (t = 1000) · DDIM: the pure noise",
        "guide": ["guidance 0 ·", "guidance 1 ·", "guidance 4 ·", "guidance 7 ·"],
        "notice": "What to notice:",
        "example": "“a thick green three” · seed 1",
        "replaying": "Replaying",
    },
    "zh-CN": {
        "tab": "扩散：提示词 → 数字",
        "stopped": "已在第",
        "of": " / 1000 步",
        "step100": "第 100 / 1000 步",
        "replayed": "正在回放第 0 / 25 步（t = 1000）· DDIM：这次运行出发时的纯噪声",
        "guide": ["引导强度 0 ·", "引导强度 1 ·", "引导强度 4 ·", "引导强度 7 ·"],
        "notice": "请注意：",
        "example": "“a thick green three” · 种子 1",
        "replaying": "正在回放",
    },
}


@pytest.mark.parametrize("locale", in_ci("zh-CN", ["en-US", "zh-CN"]))
def test_stop_keeps_what_was_made_and_says_so(browser, app_client, locale):
    """#12 item 11: Stop during a DDPM run keeps the last streamed picture, shows the guess of the clean image made so
    far as the result, and says where it stopped ("Stopped at step k of 1000"), instead of a frozen "Step 150 of
    1000"; nothing streamed afterwards overwrites it, and the replay slider offers the steps made."""
    need((CHECKPOINT_DIR / "diffusion.safetensors").exists(), "diffusion checkpoint missing")
    want = GEN[locale]
    page = open_page(browser, app_client.base_url, locale=locale)
    try:
        open_tab(page, want["tab"])
        page.locator("#gen-sampler label").nth(2).click()  # ddpm
        page.locator("#gen-n input[type=number]").fill("2")
        page.locator("#gen-n input[type=number]").press("Enter")
        page.locator("#gen-button").click()
        page.locator("#gen-process img").wait_for(state="visible", timeout=120_000)
        page.wait_for_function(  # two frames streamed (steps 50 and 100), so the replay slider has a range
            f"() => document.querySelector('#gen-status').innerText.includes({want['step100']!r})", timeout=120_000
        )
        page.locator("#gen-stop").click()
        status = page.locator("#gen-status")
        page.wait_for_function(
            f"() => document.querySelector('#gen-status').innerText.includes({want['stopped']!r})", timeout=30_000
        )
        page.wait_for_timeout(3000)  # a frame streamed after Stop would overwrite the status: none may come
        text = status.inner_text()
        assert want["stopped"] in text and want["of"] in text, text
        assert image_is_not_blank(element_png(page.locator("#gen-process img")))
        assert image_is_not_blank(element_png(page.locator("#gen-judged img").first))  # the guess so far, judged
        assert page.locator("#gen-judged .caption-label").count() == 2
        page.locator("#gen-replay").wait_for(state="visible")
    finally:
        shot(page, f"diffusion_stopped_{locale}")


@pytest.mark.parametrize("locale", in_ci("en-US", ["en-US", "zh-CN"]))
def test_scrub_back_through_a_finished_run(browser, app_client, locale):
    """#12 wow item: after a run the slider replays its kept frames — x_t and x̂0 at an earlier step — from the stored
    pictures, and says which step it shows. Issue 33: it goes back to the pure noise the run started from (it began
    at step 5 of 25), and a new run started from an example hides the last run's replay (its slider and "Replaying
    step 15 of 25 · DDIM" stayed on during the next run)."""
    need((CHECKPOINT_DIR / "diffusion.safetensors").exists(), "diffusion checkpoint missing")
    want = GEN[locale]
    page = open_page(browser, app_client.base_url, locale=locale)
    try:
        open_tab(page, want["tab"])
        page.locator("#gen-button").click()
        box = page.locator("#gen-replay input[type=number]")
        box.wait_for(state="visible", timeout=120_000)
        page.wait_for_function("() => document.querySelector('#gen-replay input[type=number]').value === '26'")
        final = element_png(page.locator("#gen-process img"))
        box.fill("1")
        box.press("Enter")
        page.wait_for_function(
            f"() => document.querySelector('#gen-replay-text').innerText.includes({want['replayed']!r})",
            timeout=30_000,
        )
        page.wait_for_timeout(500)
        earlier = element_png(page.locator("#gen-process img"))
        assert image_is_not_blank(earlier) and earlier != final
        page.locator("#gen-examples button", has_text=want["example"]).click()
        page.locator("#gen-replay").wait_for(state="hidden", timeout=10_000)
        assert want["replaying"] not in page.locator("#gen-replay-text").inner_text()
    finally:
        shot(page, f"diffusion_replay_{locale}")


@pytest.mark.parametrize("locale", in_ci("zh-CN", ["en-US", "zh-CN"]))
def test_guidance_side_by_side(browser, app_client, locale):
    """#12 wow item: one button draws the prompt and seed at guidance 0 / 1 / 4 / 7 in one view, each group captioned
    under its picture with its scale and judged count, with a sentence on what to notice (issue 33: in Chinese its
    bold showed as a literal **)."""
    need((CHECKPOINT_DIR / "diffusion.safetensors").exists(), "diffusion checkpoint missing")
    want = GEN[locale]
    page = open_page(browser, app_client.base_url, locale=locale)
    try:
        open_tab(page, want["tab"])
        open_section(page, "gen-guide-section")
        page.locator("#gen-guide-button").click()
        caps = page.locator("#gen-guide .caption-label")
        caps.first.wait_for(state="visible", timeout=120_000)
        texts = caps.all_inner_texts()
        assert len(texts) == 4 and all(t.startswith(w) for t, w in zip(texts, want["guide"])), texts
        said = page.locator("#gen-guide-text")
        assert want["notice"] in said.inner_text() and "*" not in said.inner_text()
        bold = said.locator("strong").all_inner_texts()
        assert any(t.startswith(want["notice"].rstrip(":：")) for t in bold), bold
        assert _captions_sit_below_their_pictures(page, "#gen-guide") == 4
        assert image_is_not_blank(element_png(page.locator("#gen-guide img").first))
    finally:
        shot(page, f"diffusion_guidance_{locale}")


@pytest.mark.parametrize(
    "locale,tab,expected",
    in_ci(
        "en-US",
        [
            ("en-US", "Prompts, seeds & img2img", "not a rule"),
            ("zh-CN", "提示词、种子与图生图", "并不是规律"),
        ],
    ),
)
def test_reordered_words_say_why_the_digits_are_alike(browser, app_client, locale, tab, expected):
    """#12 item 12, corrected by #31 item 3: "reorder the words" on a prompt whose orders all draw the same red seven
    gets a sentence computed from the result (cosines and the judge's readings) saying that this is this prompt and
    seed, not a rule — figure 6-11's fourth vase differed (the opening prompt and seed show orders that diverge:
    test_browser_chapter_truth)."""
    need((CHECKPOINT_DIR / "diffusion.safetensors").exists(), "diffusion checkpoint missing")
    page = open_page(browser, app_client.base_url, locale=locale)
    try:
        open_tab(page, tab)
        page.locator("#pr-prompt textarea").fill("a thick slanted red seven")
        page.locator("#pr-button").click()
        page.wait_for_function(
            f"() => document.querySelector('#pr-table').innerText.includes({expected!r})", timeout=120_000
        )
    finally:
        shot(page, f"prompts_reorder_{locale}")


@pytest.mark.parametrize(
    "locale,tab,method,colour_note",
    [
        # the example's 1,400 DDPM passes (≈ 50–70 s) make this one slow; test_app_diffusion checks its result
        pytest.param(
            "en-US", "Prompts, seeds & img2img", "350 DDPM steps", "your picture is white", marks=pytest.mark.slow
        ),
        ("zh-CN", "提示词、种子与图生图", None, "你的图片是白色"),
    ],
)
def test_img2img_clean_up_example_and_the_colour_that_lost(browser, app_client, locale, tab, method, colour_note):
    """#12 items 6 and 13: the first img2img example is the clean-up (blurry 4, DDPM, 0.35) and runs when clicked,
    showing four redrawn 4s judged ✓; a white drawing asked for in red at strength 0.5 gets the sentence on why the
    prompt's colour lost. The example's 1,400 DDPM network calls take ≈ 50 s, so it runs in one language."""
    from support.browser import draw_stroke

    need((CHECKPOINT_DIR / "diffusion.safetensors").exists(), "diffusion checkpoint missing")
    page = open_page(browser, app_client.base_url, locale)
    try:
        open_tab(page, tab)
        _img2img(page, locale)
        status = page.locator("#pr-i2i-status")
        if method:
            page.locator("#pr-i2i-examples tbody tr").first.click()
            status.get_by_text(method).wait_for(timeout=120_000)
            captions = page.locator("#pr-i2i-judged .caption-label")
            captions.nth(3).wait_for()
            assert [c.count("✓") for c in captions.all_inner_texts()] == [2, 2, 2, 2]  # digit and colour ✓, four times
        draw_stroke(page, "#pr-draw", [(0.5, 0.15), (0.5, 0.85)])
        # the stroke removes the example's upload once the sketchpad has exported it (a second or two here); a learner
        # is slower than that, a test that clicks at once would redraw the example's 4
        page.locator("#pr-upload img").wait_for(state="detached", timeout=30_000)
        page.locator("#pr-i2i-prompt textarea").fill("a red one")
        page.locator("#pr-strength input[type=number]").fill("0.5")
        page.locator("#pr-strength input[type=number]").press("Enter")
        page.locator("#pr-i2i-button").click()
        status.get_by_text(colour_note).wait_for(timeout=120_000)
    finally:
        shot(page, f"img2img_cleanup_{locale}")
