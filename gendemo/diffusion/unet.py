"""The noise-prediction network: a small U-Net for 28×28 RGB digits (the chapter: any architecture whose output is an
image of the same size as its input; the U-Net of chapter 5 is the usual choice).

ε̂ = net(x_t, t, text): the noisy image, the chapter's time step t (1..T, as a float) and the 384-d sentence embedding.
Time and text are merged into one conditioning vector that scales and shifts every residual block's features (FiLM):
for a single pooled sentence vector, cross-attention over one token would reduce to the same per-channel shift.
A learned null embedding stands in for "no text" — the unconditional half of classifier-free guidance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn as nn
import torch.nn.functional as F

from gendemo.core.config import Bound, flag, floats, ints


@dataclass
class UNetConfig:
    in_channels: int = 3  # RGB
    # widths at 28×28, 14×14, 7×7: thin at full size, where convs cost most
    channels: tuple[int, int, int] = (16, 48, 96)
    res_blocks: int = 1  # residual blocks per level on the way down (one more on the way up, taking the skip)
    cond_dim: int = 128  # width of the merged time + text conditioning vector
    text_dim: int = 384  # the sentence encoder's output (all-MiniLM-L6-v2)
    # ≈ √384: unit-length sentence vectors have entries ~±0.05; scaled to ~unit variance so the text layer learns at the
    # pace of the others (unscaled, the model picked up colour but barely digits)
    text_scale: float = 19.6
    attention: bool = True  # self-attention over the 7×7 grid in the middle: lets distant strokes agree on a shape
    heads: int = 4  # attention heads in the middle block
    groups: int = 8  # GroupNorm groups
    dropout: float = 0.0  # inside residual blocks; MNIST with on-the-fly colours and captions does not overfit quickly
    # Guidance-distilled (diffusion_distilled): the guidance scale w is a third input, and one pass predicts the guided
    # ε̂ that classifier-free guidance otherwise combines from a conditional and an unconditional pass.
    guidance_input: bool = False

    # What a card may ask for (checked before anything is built). Three levels exactly: 28 → 14 → 7 and back.
    BOUNDS: ClassVar[dict[str, Bound]] = {
        "in_channels": ints(1, 4),
        "channels": ints(1, 512, items=(3, 3)),
        "res_blocks": ints(1, 4),
        "cond_dim": ints(2, 2048),
        "text_dim": ints(1, 4096),
        "text_scale": floats(0.0, 1000.0),
        "attention": flag(),
        "heads": ints(1, 64),
        "groups": ints(1, 64),
        "dropout": floats(0.0, 0.99),
        "guidance_input": flag(),
    }

    def __post_init__(self):
        # Fields that must agree, or the network builds and then fails on its first call.
        if self.cond_dim % 2:
            raise ValueError(f"cond_dim must be even (sine and cosine halves), not {self.cond_dim}")
        if self.attention and self.channels[-1] % self.heads:
            raise ValueError(f"heads ({self.heads}) must divide the last of channels ({self.channels[-1]})")


# w enters through the same sinusoidal code as t, stretched so that the guidance scales the app offers (0–10) span
# about as many periods of the code's fastest frequencies as the steps 1..T do of its slowest.
GUIDANCE_EMBED_SCALE = 100.0


def timestep_embedding(t: torch.Tensor, dim: int, max_period: float = 10_000.0) -> torch.Tensor:
    # The Transformer's sinusoidal position code, over the diffusion step: nearby t get similar vectors.
    half = dim // 2
    freqs = torch.exp(-math.log(max_period) * torch.arange(half, dtype=torch.float32, device=t.device) / half)
    args = t.float()[:, None] * freqs[None]
    return torch.cat([torch.cos(args), torch.sin(args)], dim=1)


def guidance_features(mlp: nn.Module, w: torch.Tensor, dim: int) -> torch.Tensor:
    """(B,) guidance scales → (B, dim) through a distilled net's guidance MLP (the UNet and its FastUNet copy)."""
    return mlp(timestep_embedding(w * GUIDANCE_EMBED_SCALE, dim))


class ResBlock(nn.Module):
    def __init__(self, cin: int, cout: int, cond_dim: int, groups: int, dropout: float):
        super().__init__()
        self.norm1 = nn.GroupNorm(min(groups, cin), cin)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.film = nn.Linear(cond_dim, 2 * cout)  # per-channel scale and shift from time + text
        self.norm2 = nn.GroupNorm(min(groups, cout), cout)
        self.drop = nn.Dropout(dropout)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        nn.init.zeros_(self.conv2.weight)  # each block starts as the identity: stable early training
        nn.init.zeros_(self.conv2.bias)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else nn.Identity()

    def forward(self, x, cond):
        h = self.conv1(F.silu(self.norm1(x)))
        scale, shift = self.film(cond)[:, :, None, None].chunk(2, dim=1)
        h = self.norm2(h) * (1 + scale) + shift
        h = self.conv2(self.drop(F.silu(h)))
        return h + self.skip(x)


class Attention(nn.Module):
    def __init__(self, c: int, heads: int, groups: int):
        super().__init__()
        self.heads = heads
        self.norm = nn.GroupNorm(min(groups, c), c)
        self.qkv = nn.Conv2d(c, 3 * c, 1)
        self.out = nn.Conv2d(c, c, 1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, x):
        b, c, h, w = x.shape
        q, k, v = self.qkv(self.norm(x)).reshape(b, 3, self.heads, c // self.heads, h * w).transpose(-1, -2).unbind(1)
        o = F.scaled_dot_product_attention(q, k, v)  # (b, heads, hw, c/heads)
        return x + self.out(o.transpose(-1, -2).reshape(b, c, h, w))


class UNet(nn.Module):
    def __init__(self, cfg: UNetConfig = UNetConfig()):
        super().__init__()
        self.cfg = cfg
        ch, cd, g, p = cfg.channels, cfg.cond_dim, cfg.groups, cfg.dropout
        self.time_mlp = nn.Sequential(nn.Linear(cd, cd), nn.SiLU(), nn.Linear(cd, cd))
        self.text_mlp = nn.Sequential(nn.Linear(cfg.text_dim, cd), nn.SiLU(), nn.Linear(cd, cd))
        # "No prompt": a learned vector in the sentence-embedding space, not the embedding of "" (an ordinary sentence).
        self.null_text = nn.Parameter(torch.randn(cfg.text_dim) / math.sqrt(cfg.text_dim))
        if cfg.guidance_input:
            self.guidance_mlp = nn.Sequential(nn.Linear(cd, cd), nn.SiLU(), nn.Linear(cd, cd))
            # zero: a student copied from the two-pass model starts as its conditional prediction (w's effect = 0)
            nn.init.zeros_(self.guidance_mlp[2].weight)
            nn.init.zeros_(self.guidance_mlp[2].bias)
        self.stem = nn.Conv2d(cfg.in_channels, ch[0], 3, padding=1)
        self.down = nn.ModuleList()
        self.downsample = nn.ModuleList()
        skips, c = [ch[0]], ch[0]
        for i, co in enumerate(ch):
            blocks = nn.ModuleList()
            for _ in range(cfg.res_blocks):
                blocks.append(ResBlock(c, co, cd, g, p))
                c = co
                skips.append(c)
            self.down.append(blocks)
            if i < len(ch) - 1:
                self.downsample.append(nn.Conv2d(c, c, 3, stride=2, padding=1))  # 28 → 14 → 7
                skips.append(c)
        self.mid1 = ResBlock(c, c, cd, g, p)
        self.mid_attn = Attention(c, cfg.heads, g) if cfg.attention else nn.Identity()
        self.mid2 = ResBlock(c, c, cd, g, p)
        self.up = nn.ModuleList()
        self.upsample = nn.ModuleList()
        for i, co in reversed(list(enumerate(ch))):
            blocks = nn.ModuleList()
            for _ in range(cfg.res_blocks + 1):
                blocks.append(ResBlock(c + skips.pop(), co, cd, g, p))
                c = co
            self.up.append(blocks)
            if i > 0:
                self.upsample.append(nn.Conv2d(c, c, 3, padding=1))
        self.out_norm = nn.GroupNorm(min(g, c), c)
        self.out = nn.Conv2d(c, cfg.in_channels, 3, padding=1)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def null_embedding(self, n: int) -> torch.Tensor:
        return self.null_text[None].expand(n, -1)

    def guidance_features(self, w: torch.Tensor) -> torch.Tensor:
        """(B,) guidance scales → (B, cond_dim), added to the time and text features (guidance-distilled nets only)."""
        return guidance_features(self.guidance_mlp, w, self.cfg.cond_dim)

    def forward(
        self, x: torch.Tensor, t: torch.Tensor, text: torch.Tensor, guidance: torch.Tensor | None = None
    ) -> torch.Tensor:
        """x: (B, 3, 28, 28) noisy image in the model's [-1, 1] scale; t: (B,) chapter steps 1..T; text: (B, 384);
        guidance: (B,) scales w, for a guidance-distilled net only (its output is then the guided ε̂)."""
        if (guidance is not None) != self.cfg.guidance_input:
            need = "needs a" if self.cfg.guidance_input else "takes no"
            raise ValueError(f"this network {need} guidance input (guidance_input={self.cfg.guidance_input})")
        cond = self.time_mlp(timestep_embedding(t, self.cfg.cond_dim)) + self.text_mlp(
            text.to(self.null_text.dtype) * self.cfg.text_scale
        )
        if guidance is not None:
            cond = cond + self.guidance_features(guidance.to(cond.dtype))
        cond = F.silu(cond)
        h = self.stem(x)
        hs = [h]
        for i, blocks in enumerate(self.down):
            for blk in blocks:
                h = blk(h, cond)
                hs.append(h)
            if i < len(self.downsample):
                h = self.downsample[i](h)
                hs.append(h)
        h = self.mid2(self.mid_attn(self.mid1(h, cond)), cond)
        for i, blocks in enumerate(self.up):
            for blk in blocks:
                h = blk(torch.cat([h, hs.pop()], dim=1), cond)
            if i < len(self.upsample):
                h = self.upsample[i](F.interpolate(h, scale_factor=2, mode="nearest"))
        return self.out(F.silu(self.out_norm(h)))


def count_parameters(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())
