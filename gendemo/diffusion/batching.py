"""Several prompts drawn as one batch (issue 30).

A class sends its prompts within a minute, and they queue one behind another in the diffusion lane. The network costs
far less per digit in a larger batch (the distilled U-Net in bf16 on 2 cores: 17.5 ms a step for 8 digits, 54.5 ms for
40), so the prompt that runs can draw the ones waiting behind it in the same batch.

A prompt drawn with others must give the digits it gives alone, bit for bit: the same seed is the same picture. So each
keeps its own starting noise (its seed's generator), its own text embedding (encoded alone: a padded batch of texts
need not give the same numbers), and the batch shares the sampler, the steps and the guidance scale. DDIM and
DPM-Solver++ add no noise after x_T, so the network's batch is the only difference left: prompts of n digits are
batched only where the network gives n rows the same numbers alone and in every place of a batch (`rows_stand_alone`,
checked once per network, precision, guidance and n). On this project's 2-core machine 8 and 16 digits did, in bf16
and fp32 alike, and 3 did not (their solo batch takes other kernels).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import torch

from gendemo.core.device import resolve_precision
from gendemo.diffusion.sampling import Frame, embed_prompts, predict_eps, pure_noise, stream_from

BATCHABLE = ("ddim", "dpmpp2m")  # samplers whose only randomness is x_T (DDPM draws fresh noise at every step)
MAX_DIGITS = 40  # digits in one batch: five prompts of eight
PROBE_STEPS = (1000, 500, 20)  # the schedule's noisiest step, a middle one and a late one


@dataclass(frozen=True)
class Job:
    text: str  # the prompt as the app encodes it ("" draws without a prompt)
    n: int  # digits
    seed: int  # its starting noise x_T


_checked: dict[tuple, bool] = {}
_checked_lock = threading.Lock()


def slots(n: int) -> int:
    """How many prompts of n digits one batch takes."""
    return max(1, MAX_DIGITS // max(1, int(n)))


@torch.no_grad()
def rows_stand_alone(model, guidance: float, n: int, precision: str = "auto") -> bool:
    """Whether the network gives n rows the same noise estimate, bit for bit, alone and in each place of a batch of
    2 … slots(n) prompts of n digits (at PROBE_STEPS). It does not everywhere: on 2 cores, 8 digits drawn with others
    were their own to the bit, 3 digits were not (their solo batch takes other kernels; up to 0.06 apart within 25
    steps). Checked once per network, precision ("auto": the device's), guidance (a guided two-pass network doubles
    its batch) and n; ≈ 0.8 s on 2 cores."""
    net, precision = model.net, resolve_precision(precision, model.device)
    key = (id(net), precision, float(guidance), int(n))
    with _checked_lock:
        if key in _checked:
            return _checked[key]
    k = slots(n)
    dev = model.device
    g = torch.Generator().manual_seed(0)
    x = torch.randn((k * n, net.cfg.in_channels, 28, 28), generator=g).to(dev)
    text = torch.randn((k * n, net.null_embedding(1).shape[-1]), generator=g).to(dev)
    null = net.null_embedding(k * n).to(dev, torch.float32)
    same = k > 1
    for t in PROBE_STEPS if same else ():
        alone = [
            predict_eps(net, x[i * n : (i + 1) * n], t, text[i * n : (i + 1) * n], null[:n], guidance, precision)
            for i in range(k)
        ]
        for m in range(2, k + 1):  # a batch of m prompts: each of its places
            whole = predict_eps(net, x[: m * n], t, text[: m * n], null[: m * n], guidance, precision)
            same = same and all(torch.equal(alone[i], whole[i * n : (i + 1) * n]) for i in range(m))
    with _checked_lock:
        _checked[key] = same
    return same


def _split(f: Frame, sizes: list[int]) -> list[Frame]:
    return [Frame(f.step, f.steps, f.t, a, b, f.done) for a, b in zip(f.x_t.split(sizes), f.x0.split(sizes))]


@torch.no_grad()
def generate_together(
    model,
    encoder,
    jobs: Sequence[Job],
    *,
    steps: int,
    guidance: float,
    sampler: str = "ddim",
    every: int = 5,
    precision: str = "auto",
    start: bool = False,
) -> Iterator[list[Frame]]:
    """generate_stream for each job, computed as one batch: at each frame, one Frame per job with its own digits
    (job by job, as generate_stream(model, encoder, [job.text], n=job.n, seed=job.seed, …) would give it)."""
    if sampler not in BATCHABLE:
        raise ValueError(f"sampler {sampler!r} cannot be batched (choose from {', '.join(BATCHABLE)})")
    xs, embs = [], []
    for job in jobs:  # each as generate_stream makes it: its own embedding, its own generator for x_T
        embs.append(embed_prompts(model.net, encoder, [job.text])[0].repeat_interleave(job.n, 0))
        xs.append(pure_noise(model, job.n, job.seed)[0])
    x, emb, sizes = torch.cat(xs), torch.cat(embs), [job.n for job in jobs]  # x: (Σn, C, 28, 28)
    same = {"sampler": sampler, "steps": steps, "guidance": guidance, "precision": precision, "every": every}
    # the generator is never drawn from: DDIM and DPM-Solver++ add no noise after x_T
    for f in stream_from(model, x, emb, torch.Generator(), start=start, **same):
        yield _split(f, sizes)
