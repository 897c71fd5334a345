"""The chapter's GAN: architecture, seeded sampling, the statistics the mode-collapse tab reports, and the side files
(timeline, snapshots) the app reads. Everything here runs on tiny, randomly initialised models in a temp dir."""

import math

import numpy as np
import pytest
import torch
import torch.nn as nn

from gendemo.core.checkpoints import CheckpointError, save_checkpoint
from gendemo.core.metrics import CHAPTER_SHARES, class_shares, entropy_bits, frechet_between, kl_to_uniform, share_table
from gendemo.gan.model import (
    CGANConfig,
    CondDiscriminator,
    CondGenerator,
    Discriminator,
    GANConfig,
    Generator,
    load_gan,
    minibatch_spread,
)
from gendemo.gan.sampling import noise, sample_cgan, sample_gan


def linear_widths(seq):
    return [(m.in_features, m.out_features) for m in seq if isinstance(m, nn.Linear)]


def test_generator_is_the_chapters_mlp():
    g = Generator()
    assert g.cfg.noise_dim == 10
    assert linear_widths(g.net) == [(10, 256), (256, 512), (512, 1024), (1024, 784)]
    acts = [m for m in g.net if not isinstance(m, nn.Linear)]
    assert [type(a) for a in acts] == [nn.LeakyReLU] * 3 + [nn.Tanh]
    assert all(0 < a.negative_slope < 1 for a in acts[:3])
    out = g(torch.randn(5, 10) * 10)
    assert out.shape == (5, 1, 28, 28)
    assert out.min() >= -1 and out.max() <= 1


def test_discriminator_mirrors_it_with_a_sigmoid_output():
    d = Discriminator().eval()
    assert linear_widths(d.net) == [(784, 1024), (1024, 512), (512, 256), (256, 1)]
    assert sum(isinstance(m, nn.LeakyReLU) for m in d.net) == 3
    logit = d(torch.rand(4, 1, 28, 28))
    assert logit.shape == (4,)
    p = torch.sigmoid(logit)  # the chapter's sigmoid output; training uses the logits form
    assert ((p > 0) & (p < 1)).all()


def test_minibatch_spread_is_the_feature_std_across_each_group():
    h = torch.tensor([[0.0, 2.0], [1.0, 1.0], [2.0, 0.0], [3.0, 5.0]])  # B = 4, two groups of 2: rows {0, 2} and {1, 3}
    # group {0, 2}: std of (0, 2) = 1 and of (2, 0) = 1 → 1; group {1, 3}: std of (1, 3) = 1 and (1, 5) = 2 → 1.5
    assert minibatch_spread(h, 2).squeeze(1).tolist() == [1.0, 1.5, 1.0, 1.5]
    assert minibatch_spread(h[:1], 4).item() == 0.0  # one image alone has no spread
    assert minibatch_spread(h[:3], 2).shape == (3, 1)  # 3 does not split into pairs: one group of 3
    d = Discriminator(GANConfig(d_mbstd=4, d_dropout=0.0)).eval()
    assert linear_widths(d.net)[-1] == (257, 1)  # the last layer reads the spread too
    x = torch.rand(8, 1, 28, 28) * 2 - 1
    assert d(x).shape == (8,) and d(x[:1]).shape == (1,)
    same = x[:1].expand(8, -1, -1, -1)  # eight copies of one picture: spread 0, so D's verdict is its single verdict
    assert torch.allclose(d(same), d(x[:1]).expand(8), atol=1e-6)
    with pytest.raises(ValueError, match="packs images"):
        Discriminator(GANConfig(d_mbstd=4, d_pack=2))


def test_conditional_gan_takes_one_hot_labels():
    cfg = CGANConfig(noise_dim=8, g_channels=16, d_channels=8)
    g, d = CondGenerator(cfg).eval(), CondDiscriminator(cfg).eval()
    assert g.fc[0].in_features == 8 + 10
    assert d.net[0].in_channels == 1 + 10  # the image plus ten label planes
    x = sample_cgan(g, torch.tensor([0, 3, 9]), seed=1)
    assert x.shape == (3, 1, 28, 28) and x.min() >= 0 and x.max() <= 1
    assert d(x * 2 - 1, torch.tensor([0, 3, 9])).shape == (3,)


def test_sampling_is_deterministic_per_seed_and_differs_across_seeds():
    torch.manual_seed(0)
    g = Generator().eval()
    a, b, c = sample_gan(g, 8, 3), sample_gan(g, 8, 3), sample_gan(g, 8, 4)
    assert torch.equal(a, b)
    assert not torch.allclose(a, c)
    assert a.min() >= 0 and a.max() <= 1
    assert torch.equal(noise(4, 10, 7), noise(4, 10, 7))


def test_all_ones_gives_kl_ln10_and_zero_entropy():
    p = class_shares(torch.ones(500, dtype=torch.long))
    assert kl_to_uniform(p) == pytest.approx(math.log(10))
    assert entropy_bits(p) == pytest.approx(0.0, abs=1e-12)
    st = share_table(p)
    assert st["shares_percent"][1] == 100.0 and st["min_share_percent"] == 0.0


def test_uniform_gives_zero_kl_and_log2_10_bits():
    p = class_shares(torch.arange(1000) % 10)
    assert kl_to_uniform(p) == pytest.approx(0.0, abs=1e-12)
    assert entropy_bits(p) == pytest.approx(math.log2(10))


def test_chapter_table_matches_its_kl():
    assert sum(CHAPTER_SHARES) == pytest.approx(100.0)
    assert kl_to_uniform(np.array(CHAPTER_SHARES) / 100) == pytest.approx(0.114, abs=0.002)


def test_shares_sum_to_100_percent():
    pred = torch.randint(0, 10, (777,), generator=torch.Generator().manual_seed(0))
    st = share_table(class_shares(pred))
    assert sum(st["shares_percent"]) == pytest.approx(100.0, abs=0.06)
    assert class_shares(pred).sum() == pytest.approx(1.0)


def test_frechet_of_a_set_to_itself_is_zero_and_grows_with_a_shift():
    f = torch.randn(400, 16, generator=torch.Generator().manual_seed(0))
    assert frechet_between(f, f) == pytest.approx(0.0, abs=1e-6)
    assert frechet_between(f, f + 1.0) == pytest.approx(16.0, rel=1e-3)  # ‖Δμ‖² = 16, same covariance


def tiny_gan(path):
    torch.manual_seed(0)
    g = Generator()
    return save_checkpoint(path, g.state_dict(), kind="gan", config=GANConfig()), g


def test_gan_checkpoint_round_trip_and_corruption(tmp_path):
    _, g = tiny_gan(tmp_path / "gan.safetensors")
    g2, card = load_gan(tmp_path / "gan.safetensors")
    assert torch.equal(sample_gan(g.eval(), 4, 1), sample_gan(g2, 4, 1))
    data = bytearray((tmp_path / "gan.safetensors").read_bytes())
    data[-10] ^= 0xFF
    (tmp_path / "gan.safetensors").write_bytes(bytes(data))
    with pytest.raises(CheckpointError, match="sha256.*python -m gendemo.train gan"):
        load_gan(tmp_path / "gan.safetensors")


def test_timeline_round_trip_and_checks(tmp_path):
    from gendemo.gan.artifacts import load_timeline, save_timeline

    E = 3
    tl = {
        "samples": [torch.randint(0, 256, (64, 28, 28), dtype=torch.uint8) for _ in range(E)],
        "shares": [torch.full((10,), 0.1) for _ in range(E)],
        "loss_d": [1.0, 0.9, 0.8],
        "loss_g": [0.7, 0.8, 0.9],
        "d_real": [0.6] * 3,
        "d_fake": [0.4] * 3,
    }
    path = tmp_path / "gan_timeline.npz"
    save_timeline(path, tl, kind="gan_timeline", training={})
    got = load_timeline(path)
    assert got["samples"].shape == (E, 64, 28, 28) and got["samples"].dtype == np.uint8
    assert np.allclose(got["shares"].sum(1), 1)
    assert got["card"]["epochs"] == E
    path.write_bytes(path.read_bytes()[:-5])
    with pytest.raises(CheckpointError, match="sha256"):
        load_timeline(path)
    with pytest.raises(CheckpointError, match="missing"):
        load_timeline(tmp_path / "nope.npz")


def test_snapshots_load_per_epoch(tmp_path):
    from gendemo.gan.artifacts import load_snapshots

    gens = {e: Generator() for e in (1, 10)}
    state = {f"epoch{e}.{k}": v.half() for e, g in gens.items() for k, v in g.state_dict().items()}
    save_checkpoint(tmp_path / "gan_snapshots.safetensors", state, kind="gan_snapshots", config=GANConfig())
    snaps = load_snapshots(tmp_path / "gan_snapshots.safetensors")
    assert sorted(snaps) == [1, 10]
    ref = sample_gan(gens[10].half().float().eval(), 4, 0)
    assert torch.allclose(sample_gan(snaps[10], 4, 0), ref, atol=1e-5)


def test_optional_auxiliary_head_names_the_digit():
    cfg = CGANConfig(noise_dim=8, g_channels=16, d_channels=8, aux_weight=1.0)
    d = CondDiscriminator(cfg).eval()
    logit, aux = d(torch.rand(3, 1, 28, 28), torch.tensor([1, 2, 3]), with_aux=True)
    assert logit.shape == (3,) and aux.shape == (3, 10)
    plain = CondDiscriminator(CGANConfig(noise_dim=8, g_channels=16, d_channels=8))
    assert plain.aux is None and not any(k.startswith("aux") for k in plain.state_dict())


def test_label_matching_of_a_conditional_discriminator():
    import math

    from gendemo.gan.evaluate import evaluate_label_matching

    class Knows(CondDiscriminator):  # reads the label written into the picture's brightness; +5 when it matches
        def forward(self, x, digits, with_aux=False):
            written = (((x.mean((1, 2, 3)) + 1) / 2) * 10).round().long()
            return torch.where(written == digits, 5.0, -5.0)

    labels = torch.tensor([0, 3, 3, 7, 9])
    images = (labels.float() / 10).view(-1, 1, 1, 1).expand(-1, 1, 28, 28)
    cfg = CGANConfig(noise_dim=8, g_channels=16, d_channels=8)
    got = evaluate_label_matching(Knows(cfg).eval(), images, labels)
    sig = lambda v: 1 / (1 + math.exp(-v))  # noqa: E731
    assert got["d_under_true_label"] == round(sig(5), 4) and got["d_under_wrong_labels"] == round(sig(-5), 4)
    assert got["true_label_scored_highest"] == 1.0 and got["n_real"] == 5


def test_one_pass_of_the_loop_moves_only_its_network_and_keeps_no_gradients():
    """Steps 1-8 on a tiny G and D: step 5 moves D only, step 8 moves G only, and afterwards neither network holds a
    gradient buffer (a live run waiting for its turn keeps none; thirty share one server)."""
    from gendemo.gan.step import discriminator_step, generator_step

    torch.manual_seed(0)
    G = nn.Sequential(nn.Linear(4, 784), nn.Tanh(), nn.Unflatten(1, (1, 28, 28)))
    D = nn.Sequential(nn.Flatten(), nn.Linear(784, 1))
    opt_g, opt_d = torch.optim.Adam(G.parameters(), 1e-3), torch.optim.Adam(D.parameters(), 1e-3)
    g0, d0 = [p.clone() for p in G.parameters()], [p.clone() for p in D.parameters()]
    real, z = torch.rand(8, 1, 28, 28) * 2 - 1, torch.randn(8, 4)
    discriminator_step(G, D, opt_d, real, z)
    assert all(torch.equal(a, b) for a, b in zip(g0, G.parameters()))
    assert not any(torch.equal(a, b) for a, b in zip(d0, D.parameters()))
    d1 = [p.clone() for p in D.parameters()]
    generator_step(G, D, opt_g, torch.randn(8, 4))
    assert all(torch.equal(a, b) for a, b in zip(d1, D.parameters()))
    assert not any(torch.equal(a, b) for a, b in zip(g0, G.parameters()))
    assert all(p.grad is None for p in [*G.parameters(), *D.parameters()])


def test_kept_networks_are_built_when_asked_for_and_come_out_the_same(tmp_path):
    from gendemo.core.quantize import quantize_state
    from gendemo.gan.artifacts import load_snapshots

    torch.manual_seed(2)
    gens = {e: Generator() for e in (1, 10, 60)}
    state = quantize_state({f"epoch{e}.{k}": v for e, g in gens.items() for k, v in g.state_dict().items()})
    save_checkpoint(tmp_path / "gan_snapshots.safetensors", state, kind="gan_snapshots", config=GANConfig())
    snaps = load_snapshots(tmp_path / "gan_snapshots.safetensors")
    assert len(snaps) == 3 and 60 in snaps and 2 not in snaps
    first = {k: v.clone() for k, v in snaps[10].state_dict().items()}
    assert snaps[10] is snaps[10]  # the last one asked for stays built
    snaps[1], snaps[60]  # noqa: B018 — others asked for: epoch 10's network is let go …
    assert len(snaps._built) == snaps.keep == 1
    again = snaps[10].state_dict()  # … and built again from the stored weights: the same numbers
    assert all(torch.equal(again[k], v) for k, v in first.items())
    assert all(p.dtype == torch.float32 for p in snaps[10].parameters()) and not snaps[10].training
    stored = sum(v.numel() * v.element_size() for sub in snaps._stored.values() for v in sub.values())
    built = sum(p.numel() * 4 for p in snaps[10].parameters())
    assert stored < 0.35 * 3 * built  # held as stored (int8 and float16), not as three float32 networks
    with pytest.raises(KeyError):
        snaps[2]
