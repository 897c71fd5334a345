import math

import pytest
import torch

from gendemo.diffusion.sampling import ddim_timesteps
from gendemo.diffusion.schedules import cosine_alpha_bar, make_schedule

T = 1000


def test_linear_matches_closed_form():
    s = make_schedule("linear", T)
    assert s.betas.shape == (T,) and s.betas.dtype == torch.float32
    assert s.beta(1).item() == pytest.approx(1e-4) and s.beta(T).item() == pytest.approx(0.02)
    betas = torch.linspace(1e-4, 0.02, T, dtype=torch.float64)
    # ᾱ_t = Π_{s=1..t} (1 − β_s), checked at a few chapter steps.
    for t in (1, 2, 10, 500, 999, 1000):
        assert s.alpha_bar(t).item() == pytest.approx(torch.prod(1 - betas[:t]).item(), rel=1e-5), t


def test_cosine_matches_closed_form_until_the_clip():
    s = make_schedule("cosine", T)
    f = lambda t: math.cos((t / T + 0.008) / 1.008 * math.pi / 2) ** 2
    for t in (1, 10, 250, 500, 900, 990):
        assert s.alpha_bar(t).item() == pytest.approx(f(t) / f(0), rel=1e-4, abs=1e-7), t
    assert s.betas.max().item() == pytest.approx(0.999)  # the last β would be 1 without the clip
    assert s.betas[:-1].max().item() < 0.999
    assert torch.allclose(cosine_alpha_bar(torch.tensor([0.0]), T), torch.tensor([1.0], dtype=torch.float64))


def test_indexing_convention_chapter_t_vs_arrays():
    for name in ("linear", "cosine"):
        s = make_schedule(name, T)
        assert s.alpha_bar(0).item() == 1.0  # t = 0 is the clean image
        assert s.alpha_bar(1).item() == pytest.approx(1 - s.betas[0].item())  # t = 1 is array index 0
        assert s.alpha_bar(T).item() == s.alpha_bars[T - 1].item()
        assert s.alpha(5).item() == s.alphas[4].item() and s.beta(5).item() == s.betas[4].item()
        assert torch.all(s.alpha_bars[1:] < s.alpha_bars[:-1])  # signal only ever drops
        assert torch.all(s.snr[1:] < s.snr[:-1])
        assert torch.allclose(
            s.snr.double(), s.alpha_bars.double() / (1 - s.alpha_bars.double()), rtol=2e-3
        )  # ours is computed in fp64


def test_cosine_keeps_more_signal_in_the_middle():
    lin, cos = make_schedule("linear", T), make_schedule("cosine", T)
    assert cos.alpha_bar(500).item() > 3 * lin.alpha_bar(500).item()  # figure 6-8: the cosine row fades later
    assert lin.alpha_bar(T).item() < 1e-4 and cos.alpha_bar(T).item() < 1e-4  # both end in (practically) pure noise


@pytest.mark.parametrize("ours,theirs", [("linear", "linear"), ("cosine", "squaredcos_cap_v2")])
def test_against_diffusers(ours, theirs):
    diffusers = pytest.importorskip("diffusers", reason="diffusers is a test-only dependency (requirements-dev.txt)")
    ref = diffusers.DDPMScheduler(num_train_timesteps=T, beta_start=1e-4, beta_end=0.02, beta_schedule=theirs)
    s = make_schedule(ours, T)
    assert torch.allclose(s.betas, ref.betas.float(), atol=1e-6)
    assert torch.allclose(s.alpha_bars, ref.alphas_cumprod.float(), atol=1e-5, rtol=1e-4)


def test_ddim_trailing_spacing_matches_diffusers():
    diffusers = pytest.importorskip("diffusers", reason="diffusers is a test-only dependency (requirements-dev.txt)")
    ref = diffusers.DDIMScheduler(num_train_timesteps=T, beta_schedule="squaredcos_cap_v2", timestep_spacing="trailing")
    for steps in (10, 25, 50, 100):
        ref.set_timesteps(steps)
        # diffusers counts from 0: its timestep k is the chapter's t = k + 1.
        assert ddim_timesteps(T, steps) == [int(k) + 1 for k in ref.timesteps], steps
    assert ddim_timesteps(T, 25)[0] == T and len(ddim_timesteps(T, 25)) == 25


def test_unknown_schedule():
    with pytest.raises(ValueError, match="unknown schedule 'quadratic'"):
        make_schedule("quadratic")


def test_constant_beta_is_the_chapters_words_with_ddpms_total():
    from gendemo.diffusion.schedules import make_schedule

    lin, const = make_schedule("linear"), make_schedule("constant")
    assert torch.all(const.betas == const.betas[0]) and const.betas[0].item() == pytest.approx(0.01005)
    assert const.betas.double().sum().item() == pytest.approx(lin.betas.double().sum().item(), rel=1e-6)
    for t in (1, 100, 500, 1000):  # ᾱ_t = (1 − β)^t in closed form
        assert const.alpha_bar(t).item() == pytest.approx((1 - 0.01005) ** t, rel=1e-4)
    # the same end (Σβ equal, and −log ᾱ_T ≈ Σβ for small β) but far less signal early on
    assert const.alpha_bar(1000).item() == pytest.approx(lin.alpha_bar(1000).item(), rel=0.05)
    assert const.alpha_bar(100).item() < 0.5 * lin.alpha_bar(100).item()
