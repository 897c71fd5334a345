"""Predict, then look (issue 32): the answers come from the project's measurements, and the page asks before it
shows. Nothing of a learner's guess is kept (no state, no store)."""

import gradio as gr

from gendemo.app.i18n import tr
from gendemo.app.ui import predict
from gendemo.core.checkpoints import read_card
from gendemo.core.paths import CHECKPOINT_DIR


def test_the_mode_collapse_answer_is_the_cards_most_frequent_digit():
    right, facts = predict.mode_collapse_answer("en")
    shares = read_card(CHECKPOINT_DIR / "gan_chapter.safetensors", "gan_chapter")["metrics"]["shares_percent"]
    assert int(right) == shares.index(max(shares)) and facts["share"] == max(shares)
    assert facts["book_top"] == 1 and facts["book"] == 21.4  # table 6-1
    assert f"{max(shares):.1f} %" in tr("ask.mc.why", "en", **facts)


def test_the_twins_answer_follows_their_own_verdict():
    from gendemo.diffusion.twin_verdict import judge_twins
    from gendemo.diffusion.twins import twin_card

    outcome = judge_twins(twin_card("schedule_linear"), twin_card("schedule_cosine")).outcome
    right, facts = predict.twins_answer("zh-CN")
    assert right == {"supports": "cosine", "contradicts": "linear"}.get(outcome, "neither")
    assert facts["who"] == tr(f"ask.tw.{right}", "zh-CN")


def test_each_question_stands_on_the_page_before_its_view_and_keeps_nothing():
    import app

    blocks = {getattr(b, "elem_id", None): b for b in app.demo.blocks.values()}
    for key in ("mc", "g", "tw", "wo"):
        radio = blocks[f"ask-{key}"]
        assert isinstance(radio, gr.Radio) and radio.value is None  # nothing chosen until the learner clicks
        assert blocks[f"ask-{key}-reveal"].visible is False  # the answer is not on the page before the click
    # no session state anywhere near a question: the guess is only the radio's value on the page
    for fn in app.demo.fns.values():
        if any(
            getattr(app.demo.blocks.get(t), "elem_id", "") in ("ask-mc", "ask-g", "ask-tw", "ask-wo")
            for t, _ in fn.targets
        ):
            assert not any(isinstance(c, gr.State) for c in [*fn.inputs, *fn.outputs])
            assert fn.api_visibility == "private"


def test_a_guess_is_answered_with_the_verdict_and_why():
    import app

    def answer_of(elem_id, guess):
        for fn in app.demo.fns.values():
            if any(getattr(app.demo.blocks.get(t), "elem_id", "") == elem_id for t, _ in fn.targets) and fn.fn:
                return fn.fn(guess, None)
        raise LookupError(elem_id)

    said = answer_of("ask-g", "any")  # one output (the reveal): its value alone, not a list of one
    assert isinstance(said, gr.Markdown) and said.visible and "That is what happens" in said.value
    reveal, recipe, source = answer_of("ask-mc", "7")  # the reveal, then the recipe and source it switches to
    assert "Not this time" in reveal.value and (recipe, source) == ("chapter", "final")
    assert "You said: the cosine twin" in answer_of("ask-tw", "cosine").value
