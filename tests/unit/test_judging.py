import pytest
import torch
from support import need

from gendemo.core.paths import CHECKPOINT_DIR
from gendemo.diffusion.captions import PALETTE_NAMES, colourize
from gendemo.diffusion.judging import FAILURES_PATH, MAX_FAILURES, asked_in, load_failures, read_images


@pytest.mark.parametrize(
    "text, asked",
    [
        ("a red 7", (7, 0)),
        ("draw a lavender seven for me", (7, 8)),
        ("the number 4 written in blue ink", (4, 5)),
        ("a lavender digit", (None, 8)),
        ("a thick 3", (3, None)),
        ("a 7 or a 1", (None, None)),  # two digits: nothing single to match
        ("a red or blue 2", (2, None)),
        ("", (None, None)),
    ],
)
def test_asked_in(text, asked):
    assert asked_in(text) == asked


@pytest.fixture(scope="module")
def judge():
    need((CHECKPOINT_DIR / "classifier.safetensors").exists(), "classifier checkpoint missing")
    from gendemo.classifier.model import load_classifier

    return load_classifier()[0]


def test_read_images_reports_the_classifier_and_the_colour(judge):
    from gendemo.classifier.model import predict

    ink = torch.zeros(10, 1, 28, 28)
    ink[:, :, 5:23, 12:16] = 1.0  # a bar: a 1 for the classifier, a clean stroke for the colour
    imgs = colourize(ink, torch.arange(10))
    readings = read_images(judge, imgs)
    probs, _ = predict(judge, imgs)
    assert [r.digit for r in readings] == probs.argmax(1).tolist()
    assert [r.digit_p for r in readings] == pytest.approx(probs.max(1).values.tolist(), abs=1e-5)
    assert [r.colour for r in readings] == list(range(10))
    assert all(r.colour_cos == pytest.approx(1.0, abs=1e-4) for r in readings)  # exactly the palette hue
    assert read_images(judge, imgs[:0]) == []


def test_committed_failure_gallery_is_real_and_current():
    from gendemo.core.checkpoints import read_card

    need(FAILURES_PATH.exists(), "no failure gallery (python -m gendemo.evaluate diffusion --failures)")
    stats, failures = load_failures()
    need((CHECKPOINT_DIR / "diffusion.safetensors").exists(), "diffusion checkpoint missing")
    assert stats["checkpoint_sha256"] == read_card(CHECKPOINT_DIR / "diffusion.safetensors")["sha256"]
    assert 0 < len(failures) <= MAX_FAILURES and len(failures) <= stats["wrong"] < stats["images"]
    assert stats["wrong"] <= stats["digit_wrong"] + stats["colour_wrong"]
    for f in failures:  # each one really misses what its prompt asks
        r = f.reading
        assert (f.asked_digit is not None and r.digit != f.asked_digit) or (
            f.asked_colour is not None and r.colour != f.asked_colour
        ), f
        assert f.image().size == (28, 28) and 0 <= r.colour < len(PALETTE_NAMES)
