"""Weights stored in 8 bits: each row of a weight matrix as int8 with its own scale (symmetric, absmax per row).

Used where the repository has to hold many copies of the same networks (the chapter run's G and D after seven epochs,
which a learner forks): fp16 would be 5.9 MB an epoch, int8 with a scale per row 2.9 MB. A row's largest weight is
exact; every other is off by at most half a step, 1/254 of that row's largest magnitude. Biases and 1-D tensors stay
float16 (they are a few kB).

    packed = quantize_state(G.state_dict())     # {'net.0.weight': int8 (out, in), 'net.0.weight.q8scale': (out,), …}
    G.load_state_dict(dequantize_state(packed))  # float32 again
"""

from __future__ import annotations

import torch

SCALE_SUFFIX = ".q8scale"  # the key of a quantised matrix's per-row scales: '<matrix key>.q8scale'


def quantize_state(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    out: dict[str, torch.Tensor] = {}
    for k, v in state.items():
        if k.endswith(SCALE_SUFFIX):
            raise ValueError(f"a key already ends in {SCALE_SUFFIX!r}: {k!r}")
        v = v.detach().float().cpu()
        if v.ndim == 2:  # (out, in): one scale per output row
            scale = v.abs().amax(dim=1).clamp_min(1e-12) / 127
            out[k] = (v / scale[:, None]).round().clamp(-127, 127).to(torch.int8)
            out[k + SCALE_SUFFIX] = scale.float()
        else:
            out[k] = v.half()
    return out


def dequantize_state(state: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """The float32 state dict back (a state without quantised matrices comes back as float32 too)."""
    out = {}
    for k, v in state.items():
        if k.endswith(SCALE_SUFFIX):
            continue
        scale = state.get(k + SCALE_SUFFIX)
        if v.dtype == torch.int8:
            if scale is None or scale.shape != v.shape[:1]:
                raise ValueError(f"int8 tensor {k!r} has no per-row scale of shape {tuple(v.shape[:1])}")
            out[k] = v.float() * scale.float()[:, None]
        else:
            out[k] = v.float()
    return out
