"""Prompts drawn as one batch (issue 30): each prompt gets, frame by frame, the digits it draws alone (bit for bit
where the network's rows stand alone in a batch, which the check finds out), and a sampler that draws noise at every
step is refused."""

import pytest
import torch
from test_diffusion import ENC, tiny_model

from gendemo.diffusion.batching import Job, generate_together, rows_stand_alone, slots
from gendemo.diffusion.model import Diffusion
from gendemo.diffusion.sampling import generate_stream
from gendemo.diffusion.schedules import make_schedule


def test_each_prompt_of_a_batch_gets_the_digits_it_draws_alone():
    m = tiny_model()
    jobs = [Job("a red seven", 4, 1), Job("a blue three", 4, 2), Job("", 4, 3)]
    together = list(generate_together(m, ENC, jobs, steps=10, guidance=3.0, every=2, start=True))
    own = rows_stand_alone(m, 3.0, 4, "fp32")
    for i, job in enumerate(jobs):
        alone = generate_stream(m, ENC, [job.text], n=4, steps=10, guidance=3.0, seed=job.seed, every=2, start=True)
        alone = list(alone)
        assert [(f.step, f.steps, f.t, f.done) for f in alone] == [
            (fs[i].step, fs[i].steps, fs[i].t, fs[i].done) for fs in together
        ]
        for a, fs in zip(alone, together):
            if own:
                assert torch.equal(a.x_t, fs[i].x_t) and torch.equal(a.x0, fs[i].x0)
            else:
                torch.testing.assert_close(a.x0, fs[i].x0, atol=1e-3, rtol=0)
    assert not torch.equal(together[-1][0].x0, together[-1][1].x0)  # other prompts and seeds, other digits


class _BatchSensitive(torch.nn.Module):
    """A network whose noise estimate depends on how many rows it sees (as some kernels' rounding does)."""

    class cfg:
        in_channels, guidance_input = 3, False

    def __init__(self):
        super().__init__()
        self.w = torch.nn.Parameter(torch.ones(1))

    def null_embedding(self, n):
        return torch.zeros(n, 384)

    def forward(self, x, t, text):
        return x * 0.5 + 1e-3 * x.shape[0]


def test_the_check_finds_rows_that_do_not_stand_alone():
    m = Diffusion(_BatchSensitive(), make_schedule("cosine", 1000))
    assert not rows_stand_alone(m, 3.0, 4, "fp32")
    assert slots(8) == 5 and slots(40) == 1 and not rows_stand_alone(m, 3.0, 40, "fp32")  # one prompt: no batch


def test_ddpm_is_not_batched():
    with pytest.raises(ValueError, match="ddpm"):
        next(generate_together(tiny_model(), ENC, [Job("a red seven", 1, 0)], steps=10, guidance=3.0, sampler="ddpm"))
