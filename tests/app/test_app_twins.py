"""The Noising tab's "Which schedule trains better?" section: the sentences and plots computed from two cards (no app
needed), and /schedule_twins through gradio_client against the committed twins."""

import pytest
from PIL import Image
from support import need
from support.fuzz_inputs import is_own_message

from gendemo.app.i18n import tr
from gendemo.core.paths import CHECKPOINT_DIR
from gendemo.diffusion.twin_verdict import judge_twins

TWINS_PRESENT = all((CHECKPOINT_DIR / f"schedule_{s}.safetensors").exists() for s in ("linear", "cosine"))


def card(schedule, points):
    curve = [
        {"step": s, "digit_accuracy": d, "colour_accuracy": c, "frechet_distance": f, "n": 480} for s, d, c, f in points
    ]
    return {
        "schedule": schedule,
        "config": {"channels": [16, 32, 64]},
        "training": {"steps": points[-1][0], "batch_size": 64, "lr": 1e-3, "seed": 0, "train_config": {}},
        "metrics": {
            "curve": curve,
            "n": 480,
            "prompts": 120,
            "sampler": "ddim",
            "steps": 25,
            "guidance": 3.0,
            "seed": 0,
        },
    }


LIN = card("linear", [(1000, 0.30, 0.60, 9.0), (4000, 0.70, 0.90, 3.0)])
COS = card("cosine", [(1000, 0.45, 0.62, 8.5), (4000, 0.85, 0.91, 2.9)])


@pytest.mark.parametrize("lang", ["en", "zh-CN"])
def test_verdict_text_states_the_figures_and_the_outcome(lang):
    from gendemo.app.ui.schedule_twins import verdict_text

    text = verdict_text(LIN, COS, lang)
    assert judge_twins(LIN, COS).outcome == "supports"
    # the figures are the cards' last points, formatted as the app shows them
    for figure in ("70.0%", "85.0%", "90.0%", "91.0%", "3.000", "2.900", "4,000"):
        assert figure in text, figure
    assert tr("twin.v.supports", lang, cos_where="X", lin_where="").split("X")[0] in text
    assert tr("twin.m.digit_accuracy", lang) in text  # where the cosine twin is ahead
    # one earlier point, where cosine led on digit accuracy (0.45 vs 0.30 of 480)
    assert tr("twin.earlier", lang, k=1, c=1, l=0) in text
    if lang == "zh-CN":
        assert any("\u4e00" <= ch <= "\u9fff" for ch in text)
    # the other way round, the sentence says the claim is not backed
    assert tr("twin.v.contradicts", lang, lin_where="X").split("X")[0] in verdict_text(
        card("linear", [(1000, 0.45, 0.62, 8.0), (4000, 0.85, 0.91, 2.9)]),
        card("cosine", [(1000, 0.30, 0.60, 9.0), (4000, 0.70, 0.90, 3.0)]),
        lang,
    )
    # twins that have learned digits get no "too early" sentence; twins near chance (like the first, 600-step pair) do
    early = tr("twin.early", lang, best=0.0)[:12]
    assert early not in text
    assert early in verdict_text(
        card("linear", [(300, 0.09, 0.09, 374.0), (600, 0.10, 0.18, 326.0)]),
        card("cosine", [(300, 0.09, 0.70, 205.0), (600, 0.18, 0.95, 102.0)]),
        lang,
    )


def test_curve_plots_come_from_the_cards():
    from gendemo.app.ui.schedule_twins import curve_plots

    digit, colour, frechet = curve_plots(LIN, COS, "en")
    frame = digit.value
    assert frame["columns"] == ["training step", "digit accuracy", "schedule"]
    assert sorted(map(tuple, frame["data"])) == [
        (1000, 0.3, "linear"),
        (1000, 0.45, "cosine"),
        (4000, 0.7, "linear"),
        (4000, 0.85, "cosine"),
    ]
    assert {r[1] for r in frechet.value["data"]} == {9.0, 3.0, 8.5, 2.9}
    assert colour.value["columns"][1] == "colour accuracy"


def test_schedule_twins_through_client(app_client):
    need(TWINS_PRESENT, "schedule twin checkpoints missing (python -m gendemo.train schedule_linear / schedule_cosine)")
    from gendemo.diffusion.twins import twin_card

    samples, rows, verdict, digit, colour, frechet = app_client.predict("a red seven", 0, api_name="/schedule_twins")
    im = Image.open(samples)
    assert 3.5 * im.height < im.width < 4.5 * im.height  # two rows of eight digits
    assert "linear-β twin" in rows and "cosine twin" in rows and "of 8" in rows
    lin, cos = twin_card("schedule_linear"), twin_card("schedule_cosine")
    v = judge_twins(lin, cos)
    assert v.outcome != "not_comparable", v.problem
    for key in ("digit_accuracy", "colour_accuracy"):
        assert f"{lin['metrics'][key]:.1%}" in verdict and f"{cos['metrics'][key]:.1%}" in verdict
    assert f"{lin['metrics']['frechet_distance']:.3f}" in verdict
    assert "What the measurement says" in verdict
    steps = {c["step"] for c in lin["metrics"]["curve"]}
    assert {r[0] for r in digit["value"]["data"]} == steps and len(digit["value"]["data"]) == 2 * len(steps)
    assert {r[2] for r in frechet["value"]["data"]} == {"linear", "cosine"}
    # the same seed gives the same pictures (both rows from fixed noise); another seed, others
    again = Image.open(app_client.predict("a red seven", 0, api_name="/schedule_twins")[0]).tobytes()
    other = Image.open(app_client.predict("a red seven", 1, api_name="/schedule_twins")[0]).tobytes()
    assert again == im.tobytes() and other != again


@pytest.mark.parametrize("prompt,seed", [("x" * 5000, 0), ("a red seven", "many"), ("a red seven", -3)])
def test_schedule_twins_bad_input_gets_a_clear_message(app_client, prompt, seed):
    need(TWINS_PRESENT, "schedule twin checkpoints missing")
    with pytest.raises(Exception) as e:
        app_client.predict(prompt, seed, api_name="/schedule_twins")
    assert is_own_message(str(e.value)), str(e.value)
