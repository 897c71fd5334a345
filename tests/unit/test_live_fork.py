"""Forking the recorded chapter run (issue 32 part 3): 8-bit snapshots, and a live run that starts from them."""

import pytest
import torch

from gendemo.core.checkpoints import save_checkpoint
from gendemo.core.quantize import SCALE_SUFFIX, dequantize_state, quantize_state
from gendemo.gan.artifacts import FORK_CHOICES, FORK_EPOCHS, kept_epochs, load_snapshots
from gendemo.gan.live import LiveRun, Start
from gendemo.gan.model import Discriminator, GANConfig, Generator
from tests.unit.test_live import judge, small, tiny_data


def test_int8_rows_are_within_half_a_step_and_vectors_stay_float16():
    torch.manual_seed(0)
    w = torch.randn(5, 7) * torch.tensor([[0.01], [1.0], [3.0], [0.2], [100.0]])
    state = {"w": w, "b": torch.randn(5)}
    q = quantize_state(state)
    assert q["w"].dtype == torch.int8 and q["w" + SCALE_SUFFIX].shape == (5,) and q["b"].dtype == torch.float16
    back = dequantize_state(q)
    step = w.abs().amax(1, keepdim=True) / 127
    assert ((back["w"] - w).abs() <= step / 2 + 1e-7).all()
    # each row's largest weight comes back (to float rounding)
    rows = torch.arange(5)
    top = w.abs().argmax(1)
    assert torch.allclose(back["w"][rows, top], w[rows, top], rtol=1e-6)
    assert torch.equal(back["b"], state["b"].half().float())
    with pytest.raises(ValueError, match="scale"):
        dequantize_state({"w": q["w"]})
    with pytest.raises(ValueError, match="q8scale"):
        quantize_state({"x.q8scale": torch.ones(2)})


def test_the_chapter_run_keeps_the_fork_epochs():
    assert kept_epochs("chapter") == FORK_EPOCHS[:-1] == (1, 10, 20, 60, 100, 150)
    assert kept_epochs("remedy") == (1, 10, 60)
    assert FORK_CHOICES[0] == 0 and FORK_CHOICES[1:] == FORK_EPOCHS


def test_discriminator_snapshots_load_per_epoch(tmp_path):
    torch.manual_seed(1)
    discs = {e: Discriminator() for e in (1, 20)}
    state = quantize_state({f"epoch{e}.{k}": v for e, d in discs.items() for k, v in d.state_dict().items()})
    path = tmp_path / "gan_chapter_discriminator_snapshots.safetensors"
    save_checkpoint(path, state, kind="gan_chapter_discriminator_snapshots", config=GANConfig())
    got = load_snapshots(path, name="gan_chapter_discriminator_snapshots", net="discriminator")
    assert sorted(got) == [1, 20]
    x = torch.rand(6, 1, 28, 28) * 2 - 1
    with torch.no_grad():
        want, have = discs[20].eval()(x), got[20](x)
    assert (have - want).abs().max() < 0.05 * want.abs().max() + 0.05  # 8 bits: close, not equal
    assert not torch.equal(have, want)


def _start(epoch=60):
    torch.manual_seed(2)
    G, D = Generator(), Discriminator()
    return Start(epoch=epoch, G=G.state_dict(), D=D.state_dict()), G.eval(), D.eval()


def test_a_fork_starts_from_the_recorded_networks_and_counts_its_epochs():
    data, j = tiny_data(), judge()
    start, G, D = _start(60)
    run = LiveRun(data, j, small(), seed=0, start=start)
    rep = run.report()
    with torch.no_grad():
        want = (G(run.fixed_z) + 1) / 2
    assert torch.allclose(rep.samples, want, atol=1e-6)  # step 0 draws what the recorded G drew
    assert rep.start_epoch == 60 and rep.epoch == 60
    run.train(4)
    assert run.report().epoch == pytest.approx(60 + 4 * 32 / 256)
    # the fork trains: its generator has left the recorded one
    assert not torch.allclose(run.report().samples, want, atol=1e-4)
    # the same start and seed is the same run
    twin = LiveRun(data, j, small(), seed=0, start=start)
    twin.train(4)
    assert torch.equal(twin.report().samples, run.report().samples)


def test_a_fork_into_the_remedy_reads_the_spread_with_weight_zero():
    data, j = tiny_data(), judge()
    start, _, D = _start(10)
    run = LiveRun(data, j, small("remedy"), seed=0, start=start)
    assert run.D.net[-1].in_features == D.net[-1].in_features + 1
    assert torch.equal(run.D.net[-1].weight[:, -1], torch.zeros(1))
    x = torch.rand(8, 1, 28, 28) * 2 - 1
    run.D.eval()
    with torch.no_grad():
        assert torch.allclose(run.D(x), D(x), atol=1e-5)  # D's verdicts are the recorded ones until it learns


def test_a_fork_needs_the_recorded_noise_size():
    data, j = tiny_data(), judge()
    start, _, _ = _start(1)
    with pytest.raises(ValueError, match="noise numbers"):
        LiveRun(data, j, small(noise_dim=100), seed=0, start=start)


@pytest.mark.train
def test_a_chapter_run_ships_its_kept_pairs_in_8_bits_and_its_final_pair_in_float16(tmp_path, tiny_mnist):
    from gendemo.core.checkpoints import load_checkpoint
    from gendemo.train import main as train_main

    out = tmp_path / "out" / "gan_chapter.safetensors"
    common = ["gan", "--recipe", "chapter", "--data-dir", str(tiny_mnist), "--out", str(out), "--quiet", "--no-eval"]
    train_main([*common, "--run-dir", str(tmp_path / "run"), "--batch-size", "32", "--epochs", "1"])
    gens = load_snapshots(out.with_name("gan_chapter_snapshots.safetensors"), name="gan_chapter_snapshots")
    discs = load_snapshots(
        out.with_name("gan_chapter_discriminator_snapshots.safetensors"),
        name="gan_chapter_discriminator_snapshots",
        net="discriminator",
    )
    assert sorted(gens) == sorted(discs) == [1]
    packed, card = load_checkpoint(
        out.with_name("gan_chapter_discriminator_snapshots.safetensors"), "gan_chapter_discriminator_snapshots"
    )
    assert packed["epoch1.net.0.weight"].dtype == torch.int8 and card["epochs"] == [1]
    final, _ = load_checkpoint(out, "gan_chapter")
    assert {v.dtype for v in final.values()} == {torch.float16}
    # after one epoch the kept G is the final G, 8 bits against float16
    final_g = Generator()
    final_g.load_state_dict({k: v.float() for k, v in final.items()})
    z = torch.randn(4, 10)
    with torch.no_grad():
        assert torch.allclose(gens[1](z), final_g.eval()(z), atol=0.05)


def test_fork_pairs_come_from_the_kept_pairs_or_the_final_one():
    from gendemo.gan.artifacts import fork_pair

    shelf = {
        "gan_chapter": "G200",
        "gan_chapter_discriminator": "D200",
        "gan_chapter_snapshots": {e: f"G{e}" for e in FORK_EPOCHS[:-1]},
        "gan_chapter_discriminator_snapshots": {e: f"D{e}" for e in FORK_EPOCHS[:-1]},
    }
    assert fork_pair(200, shelf.__getitem__) == ("G200", "D200")
    assert fork_pair(60, shelf.__getitem__) == ("G60", "D60")
    with pytest.raises(ValueError, match="epoch 5"):
        fork_pair(5, shelf.__getitem__)
