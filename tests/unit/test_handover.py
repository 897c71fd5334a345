"""The handover: the two-pass network for the steps t ≥ handover_t, the guidance-distilled one below, on one path."""

import pytest
import torch
from support.unets import TINY, tiny_net

from gendemo.diffusion import sampling
from gendemo.diffusion.handover import HANDOVER_T, HandoverNet
from gendemo.diffusion.model import Diffusion
from gendemo.diffusion.sampling import ddim_timesteps, generate, predict_eps
from gendemo.diffusion.schedules import make_schedule
from gendemo.diffusion.unet import UNetConfig

DISTILLED = UNetConfig(**{**TINY.__dict__, "guidance_input": True})


def pair():
    early, late = tiny_net(TINY, seed=0), tiny_net(DISTILLED, seed=1)
    with torch.no_grad():
        late.null_text.copy_(early.null_text)  # as the distillation leaves it: the student starts as the teacher
    return early, late


@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_each_step_is_the_chosen_networks_own_prediction(precision):
    early, late = pair()
    net = HandoverNet(early, late, handover_t=440)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 3, 28, 28, generator=g)
    text = torch.nn.functional.normalize(torch.randn(2, 384, generator=g), dim=1)
    null = net.null_embedding(2)
    with torch.no_grad():
        for t, want in ((1000, early), (440, early), (439, late), (1, late)):
            assert net.at(t) is want
            got = predict_eps(net, x, t, text, null, 4.0, precision)
            assert torch.equal(got, predict_eps(want, x, t, text, null, 4.0, precision)), t


def test_a_run_hands_over_once_where_it_says(monkeypatch):
    early, late = pair()
    model = Diffusion(HandoverNet(early, late), make_schedule("cosine", 1000))
    seen = []
    real = sampling.predict_eps

    def spy(net, x, t, *args, **kwargs):
        seen.append((t, net.at(t)))
        return real(net, x, t, *args, **kwargs)

    monkeypatch.setattr(sampling, "predict_eps", spy)
    text = torch.nn.functional.normalize(torch.randn(1, 384), dim=1)
    out = generate(model, None, [""], n=2, steps=25, guidance=4.0, seed=0, text_emb=text)
    assert out.shape == (2, 3, 28, 28) and out.min() >= 0 and out.max() <= 1
    ts = ddim_timesteps(1000, 25)
    assert [t for t, _ in seen] == ts
    # DDIM 25 of T = 1,000: t = 1000 … 440 (15 steps) on the two-pass network, 400 … 40 (10) on the distilled one
    assert [net for _, net in seen] == [early] * 15 + [late] * 10 and HANDOVER_T == 440


def test_the_pair_must_be_a_teacher_then_its_distilled_copy():
    early, late = pair()
    with pytest.raises(ValueError, match="two-pass network first"):
        HandoverNet(late, early)
    other = tiny_net(DISTILLED, seed=2)  # a distilled net whose null embedding is not the teacher's
    with pytest.raises(ValueError, match="null embeddings differ"):
        HandoverNet(early, other)
    with pytest.raises(ValueError, match="at least 1"):
        HandoverNet(early, late, handover_t=0)
