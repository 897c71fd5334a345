"""Issue 30, part 7: live runs of one shape trained as one batched computation (gendemo/gan/batched.py), the path the
scheduler takes for runs on a GPU, give the same runs as separate steps. Checked on the CPU: no GPU is needed to test
the arithmetic (its speed on a GPU is another matter)."""

import pytest
import torch

from gendemo.gan.batched import Stack, shape_key, train_together
from gendemo.gan.live import LiveRun

pytestmark = pytest.mark.train


def runs(name, seeds, **changes):
    from test_live import judge, small, tiny_data

    data, j = tiny_data(), judge()
    out = []
    for i, seed in enumerate(seeds):
        # each run its own learning rates, β1 and real label: they may differ within a batch, shapes may not
        knobs = {"lr_g": 2e-4 * (1 + i), "lr_d": 1e-4 * (1 + i), "beta1": 0.5 + 0.1 * i, **changes}
        if name == "remedy":
            knobs["real_label"] = 0.9 - 0.05 * i
        out.append(LiveRun(data, j, small(name, **knobs), seed=seed, point_every=2))
    return out


def near(x: torch.Tensor, y: torch.Tensor, rel: float = 1e-3) -> bool:
    """Equal up to rounding, as Adam amplifies it: the mean difference against the mean size. The batched products
    round differently from the separate ones (≈ 1e-6 after one step), and Adam moves a weight by up to ±lr whatever
    the size of its gradient: where a unit's gradients nearly cancel, that rounding can move its weights a step either
    way (seen after four steps of the chapter's recipe: weights 1e-4 apart relative to their size, Adam's moments
    5e-3). A wrong minibatch, noise, mask or Adam term moves every weight by about a step (≈ 4e-2 relative after
    four) and changes the moments entirely."""
    return (x - y).abs().mean().item() <= rel * y.abs().mean().item() + 1e-12


def weights(r: LiveRun) -> list[torch.Tensor]:
    return [*r.G.parameters(), *r.D.parameters()]


def close(a: LiveRun, b: LiveRun):
    for pa, pb in zip(weights(a), weights(b)):
        assert near(pa, pb), (pa - pb).abs().mean()
    for oa, ob in ((a.opt_g, b.opt_g), (a.opt_d, b.opt_d)):
        for pa, pb in zip(oa.param_groups[0]["params"], ob.param_groups[0]["params"]):
            sa, sb = oa.state[pa], ob.state[pb]
            assert float(sa["step"]) == float(sb["step"])
            for name in ("exp_avg", "exp_avg_sq"):  # Adam's moments
                assert near(sa[name], sb[name], 2e-2), name
    # the same random numbers were drawn: minibatches, noise and dropout masks
    assert a.step == b.step and torch.equal(a.gen.get_state(), b.gen.get_state())
    assert torch.equal(a.drop_gen.get_state(), b.drop_gen.get_state())
    assert torch.allclose(a._sums, b._sums, atol=1e-3) and a._n == b._n
    assert a.curves.step == b.curves.step
    assert a.curves.loss_d == pytest.approx(b.curves.loss_d, abs=1e-3)


@pytest.mark.parametrize(
    "name,changes",
    [("chapter", {}), ("remedy", {}), ("chapter", {"d_steps": 2, "noise_dim": 2})],
    ids=["chapter", "remedy-dropout-spread", "two-d-steps"],
)
def test_a_batched_step_of_k_runs_equals_k_separate_steps(name, changes):
    together = runs(name, (0, 1, 2), **changes)
    apart = [r.fork() for r in together]
    assert len({shape_key(r) for r in together}) == 1
    train_together(together, 1)  # from fresh optimisers (no Adam state yet) …
    for r in apart:
        r.train(1)
    for a, b in zip(together, apart):  # one update of each network: every weight within rounding
        for pa, pb in zip(weights(a), weights(b)):
            if a.recipe.d_steps == 1:  # (two D updates: the second may already move a weight either way)
                assert (pa - pb).abs().max() < 5e-5  # far below a step (lr ≥ 1e-4) the other way
            assert near(pa, pb)
    train_together(together, 1)  # … to a point closed (point_every = 2) …
    for r in apart:
        r.train(1)
    for a, b in zip(together, apart):
        close(a, b)
    train_together(together, 2)  # … and on from the state written back
    for r in apart:
        r.train(2)
    for a, b in zip(together, apart):
        close(a, b)
        assert near(a.report().samples, b.report().samples)


def test_runs_batched_together_do_not_mix():
    """Each run in a batch of three trains exactly as in a batch of its own: nothing of one run reaches another."""
    together = runs("remedy", (0, 1, 2))
    alone = [r.fork() for r in together]
    for n in (1, 1, 2):
        train_together(together, n)
        for r in alone:
            train_together([r], n)
    for a, b in zip(together, alone):
        for pa, pb in zip(weights(a), weights(b)):
            assert (pa - pb).abs().max() < 1e-5


def test_runs_of_other_shapes_are_not_stacked_together():
    a = runs("chapter", (0,))[0]
    b = runs("chapter", (0,), d_steps=2)[0]
    c = runs("remedy", (0,))[0]
    assert len({shape_key(a), shape_key(b), shape_key(c)}) == 3
    assert Stack([a]).params_g[0].shape == (1, 256, 10)


def test_the_scheduler_trains_runs_of_one_shape_in_one_turn():
    from gendemo.gan.scheduler import Scheduler

    s = Scheduler(thread=False, batched=True, report_seconds=0.0)  # batched as on a GPU, here on the CPU
    made = runs("remedy", (0, 1, 2)) + runs("chapter", (3,))
    seats = [s.start(f"s{i}", ("k", i), lambda r=r: r, budget=600) for i, r in enumerate(made)]
    first = s.turn()
    assert first is seats[0].job
    steps = [seat.step for seat in seats]
    assert steps[0] == steps[1] == steps[2] >= 1 and steps[3] == 0  # the three remedy runs together, not the chapter's
    assert all(len(s.frames_for(seat)) == 2 for seat in seats[:3])  # the starting point and a frame after the turn
    s.turn()
    assert seats[3].step >= 1
