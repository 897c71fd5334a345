"""The two recipes of the chapter's GAN, the exported discriminators and what the app asks them, the collapse
trajectory helpers, and the typed path through the noise space."""

import json
import math

import numpy as np
import pytest
import torch

from gendemo.core.metrics import crossings, kl_per_epoch, moving_average
from gendemo.gan.discriminate import pure_noise, real_probability, under_every_label
from gendemo.gan.latent import segment
from gendemo.gan.model import (
    CGANConfig,
    CondDiscriminator,
    Discriminator,
    GANConfig,
    load_discriminator,
)
from gendemo.gan.recipes import RECIPES, artifact, recipe
from gendemo.train import main as train_main


def test_chapter_recipe_is_the_loop_as_printed_and_remedy_differs_only_in_d():
    ch, rm = RECIPES["chapter"], RECIPES["remedy"]
    assert (ch.real_label, ch.d_dropout, ch.d_pack) == (1.0, 0.0, 1)
    assert (ch.batch_size, ch.noise_dim) == (128, 10)  # 60,000 / 128 → the chapter's 468 minibatches
    # the remedy handicaps only the discriminator: the generator's side of the loop is the chapter's
    assert (rm.noise_dim, rm.batch_size, rm.lr_g, rm.beta1) == (ch.noise_dim, ch.batch_size, ch.lr_g, ch.beta1)
    assert rm != ch


def test_recipe_names_fail_loudly_and_map_to_files():
    assert artifact(None) == "gan" and artifact("remedy") == "gan" and artifact("chapter") == "gan_chapter"
    with pytest.raises(ValueError, match="unknown recipe 'bogus'"):
        recipe("bogus")
    with pytest.raises(ValueError, match="unknown recipe"):
        artifact("bogus")


def test_packed_discriminator_judges_packs_and_single_pictures_as_copies():
    torch.manual_seed(0)
    d = Discriminator(GANConfig(d_pack=2, d_dropout=0.0)).eval()
    x = torch.rand(6, 1, 28, 28)
    assert d(x * 2 - 1).shape == (3,)  # six pictures → three packs of two
    p = real_probability(d, x)
    assert p.shape == (6,) and ((p >= 0) & (p <= 1)).all()
    # one picture is judged as a pack of two copies of itself
    want = torch.sigmoid(d(torch.stack([x[4], x[4]]) * 2 - 1))
    assert torch.allclose(p[4], want[0], atol=1e-6)


def test_a_spread_reading_discriminator_judges_a_lone_picture_among_real_company():
    torch.manual_seed(3)
    d = Discriminator(GANConfig(d_mbstd=4, d_dropout=0.0)).eval()
    with torch.no_grad():
        d.net[-1].weight[0, -1] = 50.0  # the spread's weight in the last layer, large enough to matter
    x, company = torch.rand(3, 1, 28, 28), torch.rand(5, 1, 28, 28)
    p = real_probability(d, x, company=company)
    assert p.shape == (3,)
    for i in range(3):  # each picture as the first of one group of four: itself and the first three companions
        group = torch.cat([x[i : i + 1], company[:3]]) * 2 - 1
        assert torch.allclose(p[i], torch.sigmoid(d(group)[0]), atol=1e-5)
    # the company is what the spread is read from: other companions, another verdict
    assert not torch.allclose(p, real_probability(d, x, company=company.flip(0)), atol=1e-3)
    # without company a batch is judged in groups, as in training
    assert torch.allclose(real_probability(d, x), torch.sigmoid(d(x * 2 - 1)), atol=1e-6)
    with pytest.raises(ValueError, match="needs 3 companions"):
        real_probability(d, x, company=company[:2])


def test_real_probability_is_the_sigmoid_of_the_logit():
    torch.manual_seed(1)
    d = Discriminator(GANConfig(d_dropout=0.0)).eval()
    x = torch.rand(5, 1, 28, 28)
    assert torch.allclose(real_probability(d, x), torch.sigmoid(d(x * 2 - 1)), atol=1e-6)
    with pytest.raises(ValueError, match="takes no labels"):
        real_probability(d, x, torch.zeros(5, dtype=torch.long))


def test_conditional_discriminator_under_every_label():
    torch.manual_seed(2)
    d = CondDiscriminator(CGANConfig(noise_dim=8, g_channels=16, d_channels=8)).eval()
    x = torch.rand(1, 1, 28, 28)
    every = under_every_label(d, x)
    assert every.shape == (10,)
    for k in (0, 3, 9):
        assert torch.allclose(every[k], real_probability(d, x, torch.tensor([k]))[0], atol=1e-6)
    assert every.std() > 0  # the label changes the verdict
    with pytest.raises(ValueError, match="needs a digit label"):
        real_probability(d, x)


def test_pure_noise_is_seeded_and_in_range():
    a, b, c = pure_noise(4, 0), pure_noise(4, 0), pure_noise(4, 1)
    assert a.shape == (4, 1, 28, 28) and torch.equal(a, b) and not torch.equal(a, c)
    assert a.min() >= 0 and a.max() <= 1


def test_kl_per_epoch_closed_forms_and_crossings():
    shares = np.array([[1.0] + [0.0] * 9, [0.1] * 10, [0.0] * 10])
    kl = kl_per_epoch(shares)
    assert kl[0] == pytest.approx(math.log(10)) and kl[1] == pytest.approx(0.0) and np.isnan(kl[2])
    assert moving_average([0, 3, 6, 9], k=3).tolist() == [1.5, 3.0, 6.0, 7.5]
    assert crossings([2.0, 0.5, 0.05, 0.2, 0.3], 0.114) == [(2, "down"), (3, "up")]


def test_segment_runs_from_start_to_end_in_two_dimensions_only():
    z0 = torch.randn(10)
    z = segment(z0, 0, 2, (2.0, 5.0), (6.0, 1.0), 5)
    assert z.shape == (5, 10)
    assert z[0, [0, 2]].tolist() == [2.0, 5.0] and z[-1, [0, 2]].tolist() == [6.0, 1.0]
    assert z[2, [0, 2]].tolist() == [4.0, 3.0]
    others = [i for i in range(10) if i not in (0, 2)]
    assert torch.equal(z[:, others], z0[others].expand(5, -1))


@pytest.mark.train
def test_chapter_recipe_trains_to_its_own_files_with_its_discriminator(tmp_path, tiny_mnist):
    out = tmp_path / "ck" / "gan_chapter.safetensors"
    args = ["gan", "--recipe", "chapter", "--data-dir", str(tiny_mnist), "--out", str(out)]
    args += ["--run-dir", str(tmp_path / "run"), "--quiet", "--no-eval", "--batch-size", "32", "--steps", "3"]
    train_main(args)
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["kind"] == "gan_chapter" and card["training"]["recipe"] == "chapter"
    assert card["training"]["real_label"] == 1.0 and card["config"]["d_dropout"] == 0.0
    d, dcard = load_discriminator(
        "gan_chapter_discriminator", path=out.with_name("gan_chapter_discriminator.safetensors")
    )
    assert dcard["kind"] == "gan_chapter_discriminator" and isinstance(d, Discriminator) and not d.training


def test_recipe_is_refused_for_other_models(tmp_path, tiny_mnist):
    with pytest.raises(SystemExit):
        train_main(["classifier", "--recipe", "chapter", "--data-dir", str(tiny_mnist), "--run-dir", str(tmp_path)])
