"""The trained U-Net's forward pass computed the way a CPU runs it fastest, for sampling only: in bf16 where the CPU
has it natively, in fp32 where it has not (many hosted CPUs; there the layout tricks below make a step ≈ 1.5–2× faster
than the module in fp32, the same function within 1e-4: tests/unit/test_fast_unet.py).

FastUNet(net)(x, t, text) is UNet.forward(x, t, text) under bf16 autocast, rearranged; same weights, same checkpoint
(speed: python -m gendemo.bench --only diffusion, against the module in the same run; agreement:
tests/unit/test_fast_unet.py):
- The convolutions get bf16 weights in channels-last (NHWC) layout, converted once. oneDNN convolves NHWC bf16 directly;
  given NCHW it reorders every input and output (the copies were a sixth of a step, the convolutions themselves 2.5×
  slower). Every activation stays bf16 NHWC from the first layer to the last: no autocast casts of weights per call.
- GroupNorm is computed from per-channel sums: PyTorch's own GroupNorm kernel on bf16 NHWC input is 10–50× slower
  than on NCHW (torch 2.14, this CPU). Its statistics, its affine and the block's FiLM scale and shift fold into one
  per-image, per-channel a·x + b (one pass, then SiLU in place) instead of four passes.
- The conditioning vector: the text half is computed once per sampling run (cached by tensor identity), the time half
  once per step for the whole batch (every image is at the same t), and the fifteen FiLM layers run as one matrix
  product.
The textbook module (unet.UNet) stays the reference: training uses it, and the tests hold this path to it.
"""

from __future__ import annotations

import weakref

import torch
import torch.nn as nn
import torch.nn.functional as F

from gendemo.diffusion.unet import Attention, ResBlock, UNet, guidance_features, timestep_embedding

CL = torch.channels_last


class _Conv:
    """A convolution with bf16 channels-last weights, called without nn.Module's per-call hook machinery."""

    def __init__(self, conv: nn.Conv2d, dtype: torch.dtype):
        self.w = conv.weight.detach().to(dtype).contiguous(memory_format=CL)
        self.b = conv.bias.detach().to(dtype)
        self.stride, self.padding = conv.stride, conv.padding

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.w, self.b, self.stride, self.padding)


class _Norm:
    """GroupNorm from per-channel sums: for x (B, C, H, W) bf16 channels-last, each image's group mean and 1/std per
    channel (B, C) in fp32. The sums come back rounded to bf16 (relative error ≤ 2⁻⁹, the inputs' own precision):
    asking torch for fp32 sums costs a full fp32 copy of x."""

    def __init__(self, norm: nn.GroupNorm):
        self.groups, self.eps = norm.num_groups, norm.eps
        self.weight, self.bias = norm.weight.detach(), norm.bias.detach()  # γ, β in fp32, (C,)
        self.weight4, self.bias4 = self.weight[:, None, None], self.bias[:, None, None]  # (C, 1, 1), to broadcast
        self._avg: dict[tuple[int, int], torch.Tensor] = {}

    def average(self, c: int, hw: int) -> torch.Tensor:
        # (C, C): per-channel sums @ this = each channel's group mean (block diagonal, 1/(HW·C/G))
        if (c, hw) not in self._avg:
            k = c // self.groups
            self._avg[c, hw] = torch.block_diag(*[torch.full((k, k), 1.0 / (hw * k))] * self.groups)
        return self._avg[c, hw]

    def stats(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        b, c, h, w = x.shape
        s = torch.stack((x.sum((2, 3)), x.square().sum((2, 3)))).float() @ self.average(c, h * w)  # (2, B, C)
        mean, ex2 = s.view(2, b, c, 1, 1).unbind(0)  # (B, C, 1, 1) each: every later product broadcasts over H, W
        rstd = torch.addcmul(ex2, mean, mean, value=-1).clamp_min_(0).add_(self.eps).rsqrt_()  # 1/√(E[x²] − mean² + ε)
        return mean, rstd

    def __call__(self, x: torch.Tensor, gamma=None, beta=None) -> torch.Tensor:
        """(x − mean)·rstd·γ + β as one x·a + b; gamma, beta (B, C, 1, 1) replace the norm's own γ, β (FiLM)."""
        mean, rstd = self.stats(x)
        a = rstd * (self.weight4 if gamma is None else gamma)
        off = torch.addcmul(self.bias4 if beta is None else beta, mean, a, value=-1)
        return torch.addcmul(off.to(x.dtype), x, a.to(x.dtype))


class _Block:
    """A ResBlock: silu(norm1(x)) → conv1 → norm2 with FiLM → silu → conv2, plus the skip."""

    def __init__(self, blk: ResBlock, dtype: torch.dtype):
        self.norm1, self.norm2 = _Norm(blk.norm1), _Norm(blk.norm2)
        self.conv1, self.conv2 = _Conv(blk.conv1, dtype), _Conv(blk.conv2, dtype)
        self.skip = _Conv(blk.skip, dtype) if isinstance(blk.skip, nn.Conv2d) else None
        # FiLM folded into norm2's affine: (x̂γ + β)(1 + scale) + shift = x̂·γ' + β' with γ' = γ(1 + scale) and
        # β' = β(1 + scale) + shift, both linear in cond, so one linear layer (rows γ', then β') gives both.
        w, b = blk.film.weight.detach(), blk.film.bias.detach()
        c = w.shape[0] // 2
        g, be = self.norm2.weight, self.norm2.bias
        self.film_w = torch.cat([g[:, None] * w[:c], be[:, None] * w[:c] + w[c:]])
        self.film_b = torch.cat([g * (1 + b[:c]), be * (1 + b[:c]) + b[c:]])

    def __call__(self, x: torch.Tensor, film: torch.Tensor) -> torch.Tensor:
        gamma, beta = film.chunk(2, dim=1)
        h = self.conv1(F.silu(self.norm1(x), inplace=True))
        h = self.conv2(F.silu(self.norm2(h, gamma, beta), inplace=True))
        return h + (self.skip(x) if self.skip is not None else x)


class _Attention:
    def __init__(self, att: Attention, dtype: torch.dtype):
        self.heads = att.heads
        self.norm, self.qkv, self.out = _Norm(att.norm), _Conv(att.qkv, dtype), _Conv(att.out, dtype)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        b, c, hh, ww = x.shape
        qkv = self.qkv(self.norm(x))  # (b, 3c, h, w) in NHWC memory: (b, hw, 3, heads, c/heads), as UNet splits it
        q, k, v = qkv.permute(0, 2, 3, 1).reshape(b, hh * ww, 3, self.heads, -1).permute(2, 0, 3, 1, 4).unbind(0)
        o = F.scaled_dot_product_attention(q, k, v)  # (b, heads, hw, c/heads)
        return x + self.out(o.permute(0, 2, 1, 3).reshape(b, hh, ww, c).permute(0, 3, 1, 2))  # (b, c, h, w), NHWC


class FastUNet:
    """A bf16 (or fp32) channels-last inference copy of a UNet (eval mode, CPU). Call it like the UNet, or use eps()
    for the guided noise estimate of one sampling step. Build it with for_net(), which reuses the copy while the
    weights are unchanged. Shares the net's conditioning MLPs and null vector (fp32) but does not hold the net
    itself."""

    def __init__(self, net: UNet, dtype: torch.dtype = torch.bfloat16):
        self.cfg, self.dtype, self.stamp = net.cfg, dtype, _stamp(net)
        self.time_mlp, self.text_mlp, self.null_text = net.time_mlp, net.text_mlp, net.null_text
        self.guidance_mlp = net.guidance_mlp if net.cfg.guidance_input else None  # the MLP, not the net
        self.stem = _Conv(net.stem, dtype)
        self.down = [[_Block(b, dtype) for b in level] for level in net.down]
        self.downsample = [_Conv(c, dtype) for c in net.downsample]
        self.mid1, self.mid2 = _Block(net.mid1, dtype), _Block(net.mid2, dtype)
        self.attn = _Attention(net.mid_attn, dtype) if isinstance(net.mid_attn, Attention) else None
        self.up = [[_Block(b, dtype) for b in level] for level in net.up]
        self.upsample = [_Conv(c, dtype) for c in net.upsample]
        self.out_norm, self.out = _Norm(net.out_norm), _Conv(net.out, dtype)
        # every block's FiLM as one matrix product per step (fifteen small products cost more in calls than in flops),
        # in the order body() visits the blocks
        blocks = [*(b for lv in self.down for b in lv), self.mid1, self.mid2, *(b for lv in self.up for b in lv)]
        self.film_w = torch.cat([b.film_w for b in blocks])
        self.film_b = torch.cat([b.film_b for b in blocks])
        self.film_sizes = [b.film_w.shape[0] for b in blocks]
        self._text_cache = None
        self._time_cache: dict[int, torch.Tensor] = {}  # at most T entries of cond_dim floats
        self._guidance_cache: dict[float, torch.Tensor] = {}  # the few scales a session asks for

    # ---- conditioning: silu(time_mlp(emb(t)) + text_mlp(text·scale)), as UNet.forward

    def text_features(self, text: torch.Tensor) -> torch.Tensor:
        return self.text_mlp(text.float() * self.cfg.text_scale)

    def _cached_text_features(self, text: torch.Tensor, null: torch.Tensor) -> torch.Tensor:
        # The prompts are fixed for a whole sampling run: key on the very tensors (weakly, so a freed tensor whose
        # memory is reused cannot match) and their version counters (an in-place change invalidates).
        c = self._text_cache
        if c is not None and c[0]() is text and c[1]() is null and c[2] == (text._version, null._version):
            return c[3]
        feats = self.text_features(torch.cat([text, null]) if null is not text else text)
        self._text_cache = (weakref.ref(text), weakref.ref(null), (text._version, null._version), feats)
        return feats

    def _time_features(self, t: int) -> torch.Tensor:
        # (1, cd): every image of a step is at the same t, and every run of a sampler visits the same few t
        if t not in self._time_cache:
            self._time_cache[t] = self.time_mlp(timestep_embedding(torch.tensor([t]), self.cfg.cond_dim))
        return self._time_cache[t]

    def _guidance_features(self, w: float) -> torch.Tensor:
        # (1, cd): one scale for the whole batch and run
        if w not in self._guidance_cache:
            self._guidance_cache[w] = guidance_features(self.guidance_mlp, torch.tensor([w]), self.cfg.cond_dim)
        return self._guidance_cache[w]

    # ---- the network body, mirroring UNet.forward

    def body(self, x: torch.Tensor, cond: torch.Tensor) -> torch.Tensor:
        film = F.linear(cond, self.film_w, self.film_b)
        films = iter(film.view(*film.shape, 1, 1).split(self.film_sizes, dim=1))  # (B, 2C, 1, 1) a block
        h = self.stem(x.to(self.dtype).contiguous(memory_format=CL))
        hs = [h]
        for i, level in enumerate(self.down):
            for blk in level:
                h = blk(h, next(films))
                hs.append(h)
            if i < len(self.downsample):
                h = self.downsample[i](h)
                hs.append(h)
        h = self.mid1(h, next(films))
        if self.attn is not None:
            h = self.attn(h)
        h = self.mid2(h, next(films))
        for i, level in enumerate(self.up):
            for blk in level:
                h = blk(torch.cat([h, hs.pop()], dim=1), next(films))
            if i < len(self.upsample):
                h = self.upsample[i](F.interpolate(h, scale_factor=2, mode="nearest"))
        h = F.silu(self.out_norm(h), inplace=True)
        return self.out(h).float().contiguous()  # fp32, NCHW: the sampler's arithmetic stays fp32

    @torch.no_grad()  # inference only: its bf16 weights are copies that no gradient reaches
    def __call__(
        self, x: torch.Tensor, t: torch.Tensor, text: torch.Tensor, guidance: torch.Tensor | None = None
    ) -> torch.Tensor:
        """UNet.forward's signature and result (to bf16 precision)."""
        if (guidance is not None) != self.cfg.guidance_input:
            raise ValueError(f"this network's guidance_input is {self.cfg.guidance_input}")
        cond = self.time_mlp(timestep_embedding(t, self.cfg.cond_dim)) + self.text_features(text)
        if guidance is not None:
            cond = cond + guidance_features(self.guidance_mlp, guidance.float(), self.cfg.cond_dim)
        return self.body(x, F.silu(cond))

    @torch.no_grad()
    def eps(self, x: torch.Tensor, t: int, text: torch.Tensor, null: torch.Tensor, guidance: float) -> torch.Tensor:
        """sampling.predict_eps for guidance ∉ {0, 1}: conditional and unconditional halves as one doubled batch; for a
        guidance-distilled net (any guidance), one pass of the batch with w as an input."""
        b = x.shape[0]
        if self.guidance_mlp is not None:
            w = self._guidance_features(float(guidance))  # (1, cd)
            cond = F.silu(self._time_features(int(t)) + self._cached_text_features(text, text) + w)  # (B, cd)
            return self.body(x, cond)
        cond = F.silu(self._time_features(int(t)) + self._cached_text_features(text, null))  # (2B, cd)
        out = self.body(torch.cat([x, x]), cond)
        c, u = out[:b], out[b:]
        return u + guidance * (c - u)


def _stamp(net: nn.Module) -> tuple:
    # Which weights a copy was made from: an optimiser step or load_state_dict bumps a parameter's version counter.
    return tuple((p.data_ptr(), p._version, p.dtype, p.device) for p in net.parameters())


_COPIES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


DTYPES = {"bf16": torch.bfloat16, "fp32": torch.float32}  # the precisions the fast path serves


def usable(net, device: torch.device, precision: str) -> bool:
    """The fast path serves bf16 or fp32 sampling on the CPU of an eval-mode UNet held in fp32, without gradients (it
    does not train: its weights are copies). The module itself stays the exact reference (predict_eps(fast=False))."""
    return (
        precision in DTYPES
        and not torch.is_grad_enabled()
        and device.type == "cpu"
        and isinstance(net, UNet)
        and not net.training
        and net.null_text.dtype == torch.float32
        and net.null_text.device.type == "cpu"
    )


def for_net(net: UNet, precision: str = "bf16") -> FastUNet:
    """The net's FastUNet in `precision` (bf16 or fp32), rebuilt when its weights changed since the last call
    (≈ 10 ms)."""
    copies = _COPIES.setdefault(net, {})
    fast = copies.get(precision)
    if fast is None or fast.stamp != _stamp(net):
        fast = copies[precision] = FastUNet(net, DTYPES[precision])
    return fast
