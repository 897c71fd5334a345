"""The trained U-Net's forward pass computed the way a CPU with native bf16 runs it fastest, for sampling only.

FastUNet(net)(x, t, text) is UNet.forward(x, t, text) under bf16 autocast, rearranged (measured in
docs/BENCHMARKS.md and tests/unit/test_fast_unet.py; same weights, same checkpoint):
- The convolutions get bf16 weights in channels-last (NHWC) layout, converted once. oneDNN convolves NHWC bf16 directly;
  given NCHW it reorders every input and output (the copies were a sixth of a step, the convolutions themselves 2.5×
  slower). Every activation stays bf16 NHWC from the first layer to the last: no autocast casts of weights per call.
- GroupNorm is computed from per-channel sums: PyTorch's own GroupNorm kernel on bf16 NHWC input is ~50× slower than
  on NCHW (torch 2.14, this CPU). Its statistics, its affine and the block's FiLM scale and shift fold into one
  per-image, per-channel a·x + b (one pass, then SiLU in place) instead of four passes.
- The conditioning vector: the text half is computed once per sampling run (cached by tensor identity), the time half
  once per step for the whole batch (every image is at the same t), and the fifteen FiLM layers run as one matrix
  product.
The textbook module (unet.UNet) stays the reference: training uses it, and the tests hold this path to it.
"""

from __future__ import annotations

import copy
import weakref

import torch
import torch.nn as nn
import torch.nn.functional as F

from gendemo.diffusion.unet import ResBlock, UNet, timestep_embedding

CL = torch.channels_last


def _norm_affine(x, norm: nn.GroupNorm, scale=None, shift=None) -> torch.Tensor:
    """GroupNorm(x), then ·(1 + scale) + shift if given, as one x·a + b with a, b per image and channel.
    x: (B, C, H, W) bf16 channels-last; scale, shift: (B, C) fp32 (FiLM).
    The per-channel sums come back rounded to bf16 (relative error ≤ 2⁻⁹, the inputs' own precision); asking for fp32
    sums costs a full fp32 copy of x. The group statistics and a, b are computed in fp32."""
    b, c = x.shape[:2]
    g = norm.num_groups
    n = x.numel() // (b * g)
    sums = torch.stack((x.sum((2, 3)), (x * x).sum((2, 3)))).float().view(2, b, g, c // g).sum(3) / n  # (2, B, G)
    mean, var = sums[0], (sums[1] - sums[0].square()).clamp_min(0)
    rstd = torch.rsqrt(var + norm.eps)
    a = rstd.repeat_interleave(c // g, 1) * norm.weight  # (B, C): x̂ = (x − mean)·rstd, then ·γ + β
    off = norm.bias - mean.repeat_interleave(c // g, 1) * a
    if scale is not None:  # (x̂γ + β)(1 + s) + shift
        a = a * (1 + scale)
        off = off * (1 + scale) + shift
    return torch.addcmul(off[:, :, None, None].to(x.dtype), x, a[:, :, None, None].to(x.dtype))


class FastUNet:
    """A bf16 channels-last inference copy of a UNet (eval mode, CPU). Call it like the UNet, or use eps() for the
    guided noise estimate of one sampling step. Build it with for_net(), which reuses the copy while the weights are
    unchanged."""

    def __init__(self, net: UNet, dtype: torch.dtype = torch.bfloat16):
        self.cfg = net.cfg
        self.dtype = dtype
        self.stamp = _stamp(net)
        # fp32 pieces, shared with the net (not copied): the conditioning MLPs, the norms' γ, β and the null vector
        self.time_mlp, self.text_mlp, self.null_text = net.time_mlp, net.text_mlp, net.null_text
        # a copy whose convolution weights are bf16 channels-last; its norms are not used (the fp32 originals are)
        self.low = copy.deepcopy(net).to(dtype).to(memory_format=CL)
        self.blocks = [b for b in net.modules() if isinstance(b, ResBlock)]
        low_blocks = [m for m in self.low.modules() if isinstance(m, ResBlock)]  # the same order as self.blocks
        self.low_blocks = {id(b): lb for b, lb in zip(self.blocks, low_blocks)}
        self.film_w = torch.cat([b.film.weight for b in self.blocks]).detach()
        self.film_b = torch.cat([b.film.bias for b in self.blocks]).detach()
        self.film_sizes = [b.film.out_features for b in self.blocks]
        # the fp32 net's module tree, for its structure and its norms (the net itself is not held: the cache of copies
        # is keyed weakly on it)
        self.down, self.mid1, self.mid_attn, self.mid2 = net.down, net.mid1, net.mid_attn, net.mid2
        self.up, self.out_norm = net.up, net.out_norm
        self._text_cache = None

    # ---- conditioning: silu(time_mlp(emb(t)) + text_mlp(text·scale)), then every block's FiLM in one product

    def text_features(self, text: torch.Tensor) -> torch.Tensor:
        return self.text_mlp(text.float() * self.cfg.text_scale)

    def _cached_text_features(self, text: torch.Tensor, null: torch.Tensor) -> torch.Tensor:
        # The prompts are fixed for a whole sampling run: key on the very tensors (weakly, so a freed tensor whose
        # memory is reused cannot match) and their version counters (an in-place change invalidates).
        c = self._text_cache
        if c is not None and c[0]() is text and c[1]() is null and c[2] == (text._version, null._version):
            return c[3]
        feats = self.text_features(torch.cat([text, null]))
        self._text_cache = (weakref.ref(text), weakref.ref(null), (text._version, null._version), feats)
        return feats

    def _films(self, cond: torch.Tensor) -> dict[int, tuple[torch.Tensor, torch.Tensor]]:
        films = F.linear(cond, self.film_w, self.film_b).split(self.film_sizes, dim=1)
        return {id(b): f.chunk(2, dim=1) for b, f in zip(self.blocks, films)}  # block → (scale, shift), (B, C) each

    # ---- the network body, mirroring UNet.forward

    def _block(self, blk: ResBlock, x: torch.Tensor, films) -> torch.Tensor:
        low = self.low_blocks[id(blk)]
        h = low.conv1(F.silu(_norm_affine(x, blk.norm1), inplace=True))
        scale, shift = films[id(blk)]
        h = F.silu(_norm_affine(h, blk.norm2, scale, shift), inplace=True)
        return low.conv2(h) + low.skip(x)

    def _attention(self, x: torch.Tensor) -> torch.Tensor:
        att, low = self.mid_attn, self.low.mid_attn
        b, c, hh, ww = x.shape
        d = c // att.heads
        qkv = low.qkv(_norm_affine(x, att.norm))  # (b, 3c, h, w) in NHWC memory, i.e. (b, hw, 3, heads, d)
        q, k, v = qkv.permute(0, 2, 3, 1).reshape(b, hh * ww, 3, att.heads, d).permute(2, 0, 3, 1, 4).unbind(0)
        o = F.scaled_dot_product_attention(q, k, v)  # (b, heads, hw, d)
        o = o.permute(0, 2, 1, 3).reshape(b, hh, ww, c).permute(0, 3, 1, 2)  # back to (b, c, h, w), NHWC memory
        return x + low.out(o)

    def body(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        low = self.low
        films = self._films(cond)
        h = low.stem(x.to(self.dtype).contiguous(memory_format=CL))
        hs = [h]
        for i, blocks in enumerate(self.down):
            for blk in blocks:
                h = self._block(blk, h, films)
                hs.append(h)
            if i < len(low.downsample):
                h = low.downsample[i](h)
                hs.append(h)
        h = self._block(self.mid1, h, films)
        if self.cfg.attention:
            h = self._attention(h)
        h = self._block(self.mid2, h, films)
        for i, blocks in enumerate(self.up):
            for blk in blocks:
                h = self._block(blk, torch.cat([h, hs.pop()], dim=1), films)
            if i < len(low.upsample):
                h = low.upsample[i](F.interpolate(h, scale_factor=2, mode="nearest"))
        h = F.silu(_norm_affine(h, self.out_norm), inplace=True)
        return low.out(h).float().contiguous()  # fp32, NCHW: the sampler's arithmetic stays fp32

    def __call__(self, x: torch.Tensor, t: torch.Tensor, text: torch.Tensor) -> torch.Tensor:
        """UNet.forward's signature and result (to bf16 precision)."""
        cond = F.silu(self.time_mlp(timestep_embedding(t, self.cfg.cond_dim)) + self.text_features(text))
        return self.body(x, cond)

    def eps(self, x: torch.Tensor, t: int, text: torch.Tensor, null: torch.Tensor, guidance: float) -> torch.Tensor:
        """sampling.predict_eps for guidance ∉ {0, 1}: conditional and unconditional halves as one doubled batch."""
        b = x.shape[0]
        temb = self.time_mlp(timestep_embedding(torch.tensor([int(t)]), self.cfg.cond_dim))  # (1, cd): one t for all
        cond = F.silu(temb + self._cached_text_features(text, null))  # (2B, cd)
        out = self.body(torch.cat([x, x]), cond)
        c, u = out[:b], out[b:]
        return u + guidance * (c - u)


def _stamp(net: nn.Module) -> tuple:
    # Which weights a copy was made from: an optimiser step or load_state_dict bumps a parameter's version counter.
    return tuple((p.data_ptr(), p._version, p.dtype, p.device) for p in net.parameters())


_COPIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def usable(net, device: torch.device, precision: str) -> bool:
    """The fast path serves bf16 sampling on the CPU of an eval-mode UNet held in fp32."""
    return (
        precision == "bf16"
        and device.type == "cpu"
        and isinstance(net, UNet)
        and not net.training
        and net.null_text.dtype == torch.float32
        and net.null_text.device.type == "cpu"
    )


def for_net(net: UNet) -> FastUNet:
    """The net's FastUNet, rebuilt when its weights changed since the last call (≈ 10 ms)."""
    fast = _COPIES.get(net)
    if fast is None or fast.stamp != _stamp(net):
        fast = FastUNet(net)
        _COPIES[net] = fast
    return fast
