import json
import sys

import numpy as np
import pytest
import torch
from support import ROOT, need, procs

from gendemo.classifier.fast import fold_batchnorm, judge, make_fast_copy
from gendemo.classifier.model import Classifier, ClassifierConfig, normalize, predict, to_ink
from gendemo.classifier.preprocess import mnist_preprocess
from gendemo.core.paths import CHECKPOINT_DIR


def test_penultimate_features_and_logits_shapes():
    m = Classifier(ClassifierConfig(channels=(4, 8), features=16)).eval()
    x = torch.rand(5, 1, 28, 28)
    assert m.features(x).shape == (5, 16) and m(x).shape == (5, 10)


def test_colour_becomes_ink_by_max_not_luminance():
    x = torch.zeros(1, 3, 28, 28)
    x[0, 2, 10:20, 12:15] = 0.9  # a pure blue stroke: luminance would give ~0.1
    ink = to_ink(x)
    assert ink.shape == (1, 1, 28, 28) and abs(ink.max().item() - 0.9) < 1e-6


def test_drawing_is_prepared_like_mnist():
    page = np.ones((300, 200), np.float32)  # white paper
    page[40:260, 150:170] = 0.0  # a dark vertical stroke near the right edge
    d = mnist_preprocess(page)
    assert d.shape == (28, 28)
    assert d.max() > 0.9 and d[0].max() == 0 and d[:, 0].max() == 0  # inverted: white digit, black border
    ys, xs = np.nonzero(d > 0.1)
    assert ys.max() - ys.min() + 1 <= 21  # longest side scaled into 20 px
    total = d.sum()
    cy, cx = (d.sum(1) * np.arange(28)).sum() / total, (d.sum(0) * np.arange(28)).sum() / total
    assert abs(cy - 13.5) <= 1 and abs(cx - 13.5) <= 1  # centred by mass


def test_blank_drawing_gives_blank_digit():
    assert mnist_preprocess(np.ones((50, 50))).max() == 0


def trained_looking_classifier(seed=0) -> Classifier:
    """A small classifier whose BatchNorms hold non-trivial statistics and affine weights (fresh ones are the identity
    and would make folding look right whatever it did)."""
    torch.manual_seed(seed)
    m = Classifier(ClassifierConfig(channels=(4, 8), features=16))
    for bn in m.modules():
        if isinstance(bn, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)):
            bn.running_mean.uniform_(-0.5, 0.5)
            bn.running_var.uniform_(0.5, 2.0)
            bn.weight.data.uniform_(0.5, 1.5)
            bn.bias.data.uniform_(-0.3, 0.3)
    return m.eval()


def test_folding_batchnorm_keeps_the_outputs_in_fp32():
    m = trained_looking_classifier()
    folded = fold_batchnorm(m.body)
    assert not any(isinstance(x, (torch.nn.BatchNorm1d, torch.nn.BatchNorm2d)) for x in folded)
    x = normalize(torch.rand(6, 1, 28, 28))
    with torch.no_grad():
        assert torch.allclose(folded(x), m.body(x), atol=1e-5, rtol=0)


def test_fast_copy_judges_as_the_plain_classifier():
    m = trained_looking_classifier(1)
    before = {k: v.clone() for k, v in m.state_dict().items()}
    fast = make_fast_copy(m)
    assert fast is not m and any(isinstance(x, torch.nn.BatchNorm2d) for x in m.body)  # the shared model is untouched
    assert all(torch.equal(v, m.state_dict()[k]) for k, v in before.items())
    x = torch.rand(7, 3, 28, 28)  # colour, as the generators' digits come: judge reads ink as predict does
    want = predict(m, x)[0]
    got = judge(fast, x, batch_size=4)  # two batches
    assert got.dtype == torch.float32 and got.device.type == "cpu" and got.shape == (7, 10)
    assert torch.allclose(got, want, atol=2e-2, rtol=0)  # bf16 autocast where the CPU has it: ~3 significant digits


@pytest.mark.heavy  # all 10,000 test digits: CI runs it, the inner loop does not
def test_committed_classifier_reaches_99_3_percent(real_mnist):
    need((CHECKPOINT_DIR / "classifier.safetensors").exists(), "classifier checkpoint missing")
    r = procs.run(
        [sys.executable, "-m", "gendemo.evaluate", "classifier", "--data-dir", str(real_mnist), "--device", "cpu"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert r.returncode == 0, r.stderr[-2000:]
    result = json.loads(r.stdout.strip().splitlines()[-1])
    assert result["model"] == "classifier" and result["n"] == 10_000
    assert result["accuracy"] >= 0.993, result
