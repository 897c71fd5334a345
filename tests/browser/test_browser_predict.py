"""Predict, then look (issue 32 part 5) in a real browser, for the two moments test_browser_lesson_links.py does not
cover: linear vs cosine twins and word order. Nothing is said before the click; one click says what happened (the
words come from predict.py's answer functions) and runs the view."""

import pytest
from support import need
from support.browser import element_png, image_is_not_blank, in_ci, open_page, shot

from gendemo.app.i18n import tr
from gendemo.app.ui import predict
from gendemo.app.ui.prompts_tab import EXPERIMENT
from gendemo.core.paths import CHECKPOINT_DIR

pytestmark = pytest.mark.browser

LANG = {"en-US": "en", "zh-CN": "zh-CN"}
WRONG = {"en-US": "Not this time", "zh-CN": "这次不对"}
RIGHT = {"en-US": "That is what happens", "zh-CN": "结果正是如此"}
DRAWING = {"en-US": "twin: step", "zh-CN": "双胞胎：第"}  # the progress bar's words while a twin draws
PROMPT = {"en-US": "a purple five", "zh-CN": "a cyan four"}  # what the twins draw: no other test draws these
# every text the twins' samples block shows from now on (the progress bar's words come and go)
_WATCH = """() => { window.gdSeen = []; const el = document.querySelector('#twin-samples');
    new MutationObserver(() => window.gdSeen.push(el.innerText)).observe(el, {subtree: true, childList: true,
    characterData: true}); }"""


def _choose(page, key: str, label: str):
    """Click the radio button of `#ask-KEY` whose words are `label` (exactly: one label may hold another's words)."""
    page.locator(f"#ask-{key} label").filter(has_text=label).first.click()


@pytest.mark.parametrize("locale", in_ci("zh-CN", ["en-US", "zh-CN"]))
def test_predicting_the_twins_says_which_ended_ahead_and_draws_with_both(browser, app_client, locale):
    """Linear vs cosine: a wrong guess is told which twin ends ahead on this run (the twins' own verdict on their
    cards, twins_answer) and why it might; the click draws the prompt with both twins (the progress says a twin is
    drawing, and a new picture comes)."""
    need(
        all((CHECKPOINT_DIR / f"schedule_{s}.safetensors").exists() for s in ("linear", "cosine")),
        "schedule twin checkpoints missing (python -m gendemo.train schedule_linear / schedule_cosine)",
    )
    lang = LANG[locale]
    right, facts = predict.twins_answer(lang)
    guess = next(v for v in ("linear", "cosine", "neither") if v != right)  # a wrong one: the answer is then said
    page = open_page(browser, app_client.base_url + "?tab=noising&section=schedule_twins", locale)
    try:
        page.locator("#ask-tw").wait_for(state="visible")
        page.locator("#ask-tw").scroll_into_view_if_needed()
        assert page.locator("#ask-tw-reveal").is_hidden()
        # the picture the section opens with is there before the click, so the click's run is seen by its progress
        page.locator("#twin-samples img").first.wait_for(state="visible", timeout=60_000)
        # a prompt of this test's own: a repeated one is answered from the answer cache, without drawing
        page.locator("#twin-prompt input, #twin-prompt textarea").first.fill(PROMPT[locale])
        before = page.locator("#twin-samples img").first.get_attribute("src")
        page.evaluate(_WATCH)
        _choose(page, "tw", tr(f"ask.tw.{guess}", lang))
        reveal = page.locator("#ask-tw-reveal")
        reveal.wait_for(state="visible")
        said = reveal.inner_text()
        assert WRONG[locale] in said and tr(f"ask.tw.{guess}", lang) in said, said
        assert facts["who"] and facts["who"] in said, said  # e.g. "on this run it is the cosine twin"
        assert ("Why it might" if lang == "en" else "可能的原因") in said, said
        # the click pressed "Draw with both twins": the progress names a twin at a step, then the verdict is back
        page.wait_for_function(
            "(w) => (window.gdSeen || []).some(t => t.includes(w))", arg=DRAWING[locale], timeout=60_000, polling=200
        )
        page.wait_for_function(
            "old => { const i = document.querySelector('#twin-samples img'); return i && i.src && i.src !== old"
            " && i.complete && i.naturalWidth > 0; }",
            arg=before,
            timeout=90_000,
        )
        says = "What the measurement says" if lang == "en" else "测量结果说明什么"
        page.wait_for_function(
            "(w) => !document.querySelector('#twin-samples [data-testid=status-tracker]')?.innerText.trim()"
            " && document.querySelector('#twin-verdict').innerText.includes(w)",
            arg=says,
            timeout=90_000,
        )
        assert image_is_not_blank(element_png(page.locator("#twin-samples img").first))
    finally:
        shot(page, f"predict_twins_{locale}")


@pytest.mark.parametrize("locale", in_ci("en-US", ["en-US", "zh-CN"]))
def test_predicting_word_order_runs_the_experiment(browser, app_client, locale):
    """Word order: a wrong guess is told what happens (word_order_answer's "some") and why; the click sets the
    chapter's prompt, mode and seed and runs the experiment: the pictures and the similarity table appear."""
    need((CHECKPOINT_DIR / "diffusion.safetensors").exists(), "diffusion checkpoint missing")
    lang = LANG[locale]
    right, facts = predict.word_order_answer(lang)
    assert right == "some"
    start = {p.name: p.start() for p in EXPERIMENT.params}
    page = open_page(browser, app_client.base_url + "?tab=prompts", locale)
    try:
        page.locator("#ask-wo").wait_for(state="visible")
        assert page.locator("#ask-wo-reveal").is_hidden()
        assert page.locator("#pr-gallery img").count() == 0  # nothing drawn yet: the click draws it
        # change the prompt first: the click puts the chapter's back
        page.locator("#pr-prompt textarea, #pr-prompt input").first.fill("thin blue two")
        _choose(page, "wo", tr("ask.wo.all", lang))
        reveal = page.locator("#ask-wo-reveal")
        reveal.wait_for(state="visible")
        said = reveal.inner_text()
        assert WRONG[locale] in said and tr("ask.wo.answer", lang, **facts) in said, said
        assert ("embedding" if lang == "en" else "嵌入") in said and RIGHT[locale] not in said, said
        box = page.locator("#pr-prompt textarea, #pr-prompt input").first
        page.wait_for_function(
            "(v) => [...document.querySelectorAll('#pr-prompt textarea, #pr-prompt input')].some(e => e.value === v)",
            arg=start["prompt"],
        )
        assert box.input_value() == start["prompt"]
        assert page.locator("#pr-mode input[value=permute]").is_checked()
        assert page.locator("#pr-seed input[type=number]").input_value() == str(start["seed"])
        # the experiment ran: every order of the three words drawn, and the table of similarities
        page.locator("#pr-gallery img").first.wait_for(state="visible", timeout=90_000)
        page.wait_for_function("() => document.querySelector('#pr-table').innerText.includes('0.9')", timeout=30_000)
        page.wait_for_function(
            "() => [...document.querySelectorAll('#pr-gallery img')].filter(i => i.complete && i.naturalWidth > 0)"
            ".length >= 6"
        )
        assert image_is_not_blank(element_png(page.locator("#pr-gallery img").first))
        assert "green" in page.locator("#pr-table").inner_text()
    finally:
        shot(page, f"predict_word_order_{locale}")
