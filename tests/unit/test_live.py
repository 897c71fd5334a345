"""The live GAN trainer's engine on a tiny synthetic data set: the chapter's step, deterministic per seed."""

import math

import pytest
import torch

from gendemo.classifier.model import Classifier, ClassifierConfig
from gendemo.gan.live import LiveRun
from gendemo.gan.recipes import RECIPES, recipe


def tiny_data(n=256):
    g = torch.Generator().manual_seed(0)
    x = (torch.rand(n, 1, 28, 28, generator=g) * 40).to(torch.uint8)
    for i in range(n):  # digit d is a bright bar at column 2d+4, as the tiny IDX set of the other tests
        d = i % 10
        x[i, 0, 4:24, 2 * d + 4 : 2 * d + 7] = 255
    return x


def judge():
    torch.manual_seed(0)
    return Classifier(ClassifierConfig(channels=(4, 8), features=16)).eval()


def small(name="chapter", **kw):
    return recipe(name).with_changes(batch_size=32, **kw)


@pytest.mark.train
def test_same_seed_same_run_and_another_seed_differs():
    data, j = tiny_data(), judge()
    runs = [LiveRun(data, j, small(), seed=s) for s in (3, 3, 4)]
    for r in runs:
        r.train(5)
    a, b, c = (r.report() for r in runs)
    assert torch.equal(a.samples, b.samples) and a.history == b.history
    assert not torch.equal(a.samples, c.samples)
    assert a.step == 5 and a.images_seen == 5 * 32 and a.epoch == pytest.approx(5 * 32 / 256)
    assert a.samples.shape == (64, 1, 28, 28) and a.samples.min() >= 0 and a.samples.max() <= 1


@pytest.mark.train
def test_report_closes_one_point_of_the_curves():
    r = LiveRun(tiny_data(), judge(), small("remedy", d_steps=2, noise_dim=2), seed=0)
    first = r.report()  # before any training: a picture, no curve point yet
    assert first.step == 0 and first.history["step"] == []
    r.train(3)
    rep = r.report()
    r.train(2)
    rep = r.report()
    h = rep.history
    assert h["step"] == [3.0, 5.0] and len(h["loss_d"]) == len(h["kl"]) == 2
    assert all(0 <= v <= 1 for v in h["d_real"] + h["d_fake"])
    assert rep.shares.sum() == pytest.approx(1.0) and 0 <= rep.kl <= math.log(10) + 1e-9
    assert rep.images_seen == 5 * 2 * 32  # two D updates per step, each on its own real batch


def test_step_in_detail_shows_the_nine_steps():
    r = LiveRun(tiny_data(), judge(), small(), seed=1)
    d = r.step_in_detail(show=4)
    assert d.step == 1 and r.step == 1
    assert d.fake.shape == d.real.shape == d.new_fake.shape == (4, 1, 28, 28)
    for v in (d.d_real_before, d.d_fake_before, d.d_real_after, d.d_fake_after, d.d_new_before, d.d_new_after):
        assert 0 <= v <= 1
    assert d.real_label == 1.0 and d.loss_d > 0 and d.loss_g > 0
    # Gradient descent on D moves its verdicts the way its labels ask (reals up or fakes down), and G's step moves
    # D's verdict on the same fresh fakes up.
    assert (d.d_real_after - d.d_real_before) - (d.d_fake_after - d.d_fake_before) > 0
    assert d.d_new_after > d.d_new_before


def test_recipes_and_bad_input():
    assert RECIPES["chapter"].real_label == 1.0 and RECIPES["chapter"].d_dropout == 0.0
    assert RECIPES["remedy"].real_label == 0.9 and RECIPES["remedy"].d_dropout == 0.3
    with pytest.raises(ValueError, match="unknown recipe 'nope'"):
        recipe("nope")
    with pytest.raises(ValueError, match="at least one batch"):
        LiveRun(tiny_data(16), judge(), small(), seed=0)


def test_the_live_step_is_the_training_step():
    # One algorithm: the CLI's GAN task and the live engine both call gendemo.gan.step.
    import inspect

    import gendemo.gan.live as live
    import gendemo.gan.train as train

    for mod in (live, train):
        src = inspect.getsource(mod)
        assert "discriminator_step(" in src and "generator_step(" in src
        assert "binary_cross_entropy" not in src


@pytest.mark.train
def test_points_every_few_steps_and_kl_at_fewer():
    """The app's runs (issue 30): the loss curves get a point every point_every steps whenever the run is reported,
    and a judged KL point every kl_every steps, so a report at a step is the same however often it was asked."""
    r = LiveRun(tiny_data(), judge(), small(), seed=0, point_every=2, kl_every=4)
    r.train(3)
    r.report()  # a report between points closes none
    r.train(5)
    h = r.report().history
    assert h["step"] == [2.0, 4.0, 6.0, 8.0] and h["kl_step"] == [4.0, 8.0] and len(h["kl"]) == 2
