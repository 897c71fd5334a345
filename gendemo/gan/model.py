"""The chapter's GANs: the fully connected MNIST GAN (figure 6-3) and a convolutional conditional GAN (figure 6-5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import torch
import torch.nn as nn
import torch.nn.functional as F

from gendemo.core.checkpoints import build_checked, load_checkpoint
from gendemo.core.config import Bound, config_from_card, floats, ints
from gendemo.core.paths import CHECKPOINT_DIR


@dataclass
class GANConfig:
    noise_dim: int = 10  # the chapter's 10-element noise vector, drawn from N(0, 1)
    g_hidden: tuple[int, ...] = (256, 512, 1024)  # generator hidden layers (chapter: 256 → 512 → 1024)
    d_hidden: tuple[int, ...] = (1024, 512, 256)  # discriminator hidden layers, the mirror image
    leak: float = 0.2  # leaky ReLU slope for negative inputs
    d_dropout: float = 0.3  # dropout after each discriminator hidden layer (our choice; the chapter is silent)
    d_pack: int = 1  # PacGAN: D judges this many images at once (their pixels side by side); 1 is the chapter's D
    # Minibatch standard deviation (ProGAN): D's last layer also reads how much its features vary across each group of
    # this many images, so a batch of look-alikes is easy to call fake; 0 is the chapter's D
    d_mbstd: int = 0

    # What a card may ask for (checked before anything is built); a field without an entry here cannot load.
    BOUNDS: ClassVar[dict[str, Bound]] = {
        "noise_dim": ints(1, 1024),
        "g_hidden": ints(1, 2048, items=(1, 6)),
        "d_hidden": ints(1, 2048, items=(1, 6)),
        "leak": floats(0.0, 1.0),
        "d_dropout": floats(0.0, 0.99),
        "d_pack": ints(1, 8),
        "d_mbstd": ints(0, 64),
    }


class Generator(nn.Module):
    """z (B, 10) → image (B, 1, 28, 28) in [-1, 1] (tanh)."""

    def __init__(self, cfg: GANConfig = GANConfig()):
        super().__init__()
        self.cfg = cfg
        layers, width = [], cfg.noise_dim
        for h in cfg.g_hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(cfg.leak)]
            width = h
        layers += [nn.Linear(width, 784), nn.Tanh()]
        self.net = nn.Sequential(*layers)

    def forward(self, z):
        return self.net(z).view(-1, 1, 28, 28)


class Discriminator(nn.Module):
    """image (B, 1, 28, 28) → logit (B / d_pack,).
    The chapter's sigmoid output is sigmoid(logit); training uses the logits form. A packed D sees d_pack images of
    the same kind (all real or all fake) together: a generator that repeats itself is then easy to catch."""

    def __init__(self, cfg: GANConfig = GANConfig()):
        super().__init__()
        if cfg.d_pack > 1 and cfg.d_mbstd:
            raise ValueError("a discriminator either packs images (d_pack) or reads their spread (d_mbstd), not both")
        self.pack, self.group = cfg.d_pack, cfg.d_mbstd
        layers, width = [], 784 * cfg.d_pack
        for h in cfg.d_hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(cfg.leak), nn.Dropout(cfg.d_dropout)]
            width = h
        layers += [nn.Linear(width + (1 if cfg.d_mbstd else 0), 1)]  # + the spread, when D reads it
        self.net = nn.Sequential(*layers)

    def forward(self, x):  # x: (B, 1, 28, 28) with B a multiple of d_pack
        h = x.reshape(x.shape[0] // self.pack, 784 * self.pack)
        if not self.group:
            return self.net(h).squeeze(1)
        h = self.net[:-1](h)  # (B, F): the last hidden layer
        return self.net[-1](torch.cat([h, minibatch_spread(h, self.group)], dim=1)).squeeze(1)


def minibatch_spread(h: torch.Tensor, group: int) -> torch.Tensor:
    """(B, F) features → (B, 1): for each image, the mean over features of their standard deviation across its group
    (images i, i + B/g, i + 2B/g, … as in ProGAN). A batch that does not split into groups of `group` is one group;
    a single image has spread 0."""
    b = h.shape[0]
    g = min(group, b)
    if b % g:
        g = b
    s = h.float().view(g, b // g, -1).std(0, unbiased=False).mean(1)  # (B/g,)
    return s.repeat(g)[:, None].to(h.dtype)


@dataclass
class CGANConfig:
    noise_dim: int = 64  # noise vector length; the one-hot digit (10) is concatenated to it
    g_channels: int = 128  # generator: dense → (g_channels, 7, 7) → 14×14 → 28×28 by transposed convs
    d_channels: int = 64  # discriminator: 28×28 → 14×14 (d) → 7×7 (2d) by strided convs
    leak: float = 0.2  # leaky ReLU slope in the discriminator
    aux_weight: float = 0.0  # > 0: the discriminator also names the digit (AC-GAN auxiliary head), weight of that loss
    # > 0: D also sees real images under a wrong label as fakes (matching-aware D, Reed et al. 2016), this weight
    # against the generated fakes. Without it D never learns that a picture under the wrong label is fake (the
    # chapter's zero-looking digit labelled 4; its verdict under the true label was 0.41, under wrong ones 0.53), so
    # it cannot teach G either: judged accuracy 0.9865 → 0.9966.
    mismatch_weight: float = 1.0
    g_ema: float = 0.999  # > 0: ship a moving average of G's weights (this decay per step) instead of the last G

    # What a card may ask for (checked before anything is built); a field without an entry here cannot load.
    BOUNDS: ClassVar[dict[str, Bound]] = {
        "noise_dim": ints(1, 1024),
        "g_channels": ints(2, 1024),
        "d_channels": ints(1, 1024),
        "leak": floats(0.0, 1.0),
        "aux_weight": floats(0.0, 100.0),
        "mismatch_weight": floats(0.0, 100.0),
        "g_ema": floats(0.0, 0.99999),
    }


class CondGenerator(nn.Module):
    """[z, one_hot(digit)] (B, noise+10) → (B, 1, 28, 28) in [-1, 1]."""

    def __init__(self, cfg: CGANConfig = CGANConfig()):
        super().__init__()
        self.cfg = cfg
        c = cfg.g_channels
        self.fc = nn.Sequential(
            nn.Linear(cfg.noise_dim + 10, c * 7 * 7, bias=False), nn.BatchNorm1d(c * 7 * 7), nn.ReLU(True)
        )
        self.up = nn.Sequential(
            nn.ConvTranspose2d(c, c // 2, 4, 2, 1, bias=False),
            nn.BatchNorm2d(c // 2),
            nn.ReLU(True),  # 7 → 14
            nn.ConvTranspose2d(c // 2, 1, 4, 2, 1),
            nn.Tanh(),  # 14 → 28
        )

    def forward(self, z, digits):
        h = self.fc(torch.cat([z, F.one_hot(digits, 10).to(z.dtype)], 1))
        return self.up(h.view(-1, self.cfg.g_channels, 7, 7))


class CondDiscriminator(nn.Module):
    """image plus 10 label planes (all zero except the label's plane, all ones) → logit, as the chapter describes."""

    def __init__(self, cfg: CGANConfig = CGANConfig()):
        super().__init__()
        d = cfg.d_channels
        self.net = nn.Sequential(
            nn.Conv2d(1 + 10, d, 4, 2, 1),
            nn.LeakyReLU(cfg.leak, True),  # 28 → 14
            nn.Conv2d(d, 2 * d, 4, 2, 1, bias=False),
            nn.BatchNorm2d(2 * d),
            nn.LeakyReLU(cfg.leak, True),  # 14 → 7
            nn.Flatten(),
            nn.Dropout(0.2),
            nn.Linear(2 * d * 7 * 7, 1),
        )
        # Optional AC-GAN head (Odena et al. 2017): from the same features, which digit is this? Only used in training.
        self.aux = nn.Linear(2 * d * 7 * 7, 10) if cfg.aux_weight > 0 else None

    def forward(self, x, digits, with_aux: bool = False):
        """The real/fake logit (B,); with_aux: also the digit logits (B, 10) of the auxiliary head."""
        planes = F.one_hot(digits, 10).to(x.dtype)[:, :, None, None].expand(-1, -1, 28, 28)
        h = self.net[:6](torch.cat([x, planes], 1))  # convolutions, flattened
        logit = self.net[6:](h).squeeze(1)
        return (logit, self.aux(h)) if with_aux else logit


# ---- the committed generators and discriminators ----


def load_gan(path=None, device="cpu", name: str = "gan") -> tuple[Generator, dict]:
    """name: the catalog row, gan (the remedy recipe) or gan_chapter (the chapter's loop as printed)."""
    path = path or CHECKPOINT_DIR / f"{name}.safetensors"
    state, card = load_checkpoint(path, name)
    g = build_checked(lambda: Generator(config_from_card(GANConfig, card["config"])), state, path, name)
    return g.to(device).eval(), card


def load_cgan(path=None, device="cpu") -> tuple[CondGenerator, dict]:
    path = path or CHECKPOINT_DIR / "cgan.safetensors"
    state, card = load_checkpoint(path, "cgan")
    g = build_checked(lambda: CondGenerator(config_from_card(CGANConfig, card["config"])), state, path, "cgan")
    return g.to(device).eval(), card


def load_discriminator(name: str, path=None, device="cpu") -> tuple[nn.Module, dict]:
    """gan_discriminator, gan_chapter_discriminator (MLP, one logit per image or pack) or cgan_discriminator (convs,
    one logit per image and label). Eval mode: dropout off, BatchNorm on its running statistics."""
    kinds = {"gan_discriminator": (GANConfig, Discriminator), "gan_chapter_discriminator": (GANConfig, Discriminator)}
    kinds["cgan_discriminator"] = (CGANConfig, CondDiscriminator)
    if name not in kinds:
        raise ValueError(f"unknown discriminator {name!r} (choose from {', '.join(kinds)})")
    Config, Net = kinds[name]
    path = path or CHECKPOINT_DIR / f"{name}.safetensors"
    state, card = load_checkpoint(path, name)
    d = build_checked(lambda: Net(config_from_card(Config, card["config"])), state, path, name)
    return d.to(device).eval().requires_grad_(False), card


def app_load_gan(device):
    return load_gan(device=device)[0]


def app_load_gan_chapter(device):
    return load_gan(device=device, name="gan_chapter")[0]


def app_load_cgan(device):
    return load_cgan(device=device)[0]


def app_load_gan_discriminator(device):
    return load_discriminator("gan_discriminator", device=device)[0]


def app_load_gan_chapter_discriminator(device):
    return load_discriminator("gan_chapter_discriminator", device=device)[0]


def app_load_cgan_discriminator(device):
    return load_discriminator("cgan_discriminator", device=device)[0]
