"""The chapter's GANs: the fully connected MNIST GAN (figure 6-3) and a convolutional conditional GAN (figure 6-5)."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn
import torch.nn.functional as F

from gendemo.core.checkpoints import load_checkpoint, load_into
from gendemo.core.config import config_from_card
from gendemo.core.paths import CHECKPOINT_DIR


@dataclass
class GANConfig:
    noise_dim: int = 10  # the chapter's 10-element noise vector, drawn from N(0, 1)
    g_hidden: tuple[int, ...] = (256, 512, 1024)  # generator hidden layers (chapter: 256 → 512 → 1024)
    d_hidden: tuple[int, ...] = (1024, 512, 256)  # discriminator hidden layers, the mirror image
    leak: float = 0.2  # leaky ReLU slope for negative inputs
    d_dropout: float = 0.3  # dropout after each discriminator hidden layer (our choice; the chapter is silent)


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
    """image (B, 1, 28, 28) → logit (B,).
    The chapter's sigmoid output is sigmoid(logit); training uses the logits form."""

    def __init__(self, cfg: GANConfig = GANConfig()):
        super().__init__()
        layers, width = [], 784
        for h in cfg.d_hidden:
            layers += [nn.Linear(width, h), nn.LeakyReLU(cfg.leak), nn.Dropout(cfg.d_dropout)]
            width = h
        layers += [nn.Linear(width, 1)]
        self.net = nn.Sequential(*layers)

    def forward(self, x):
        return self.net(x.reshape(x.shape[0], 784)).squeeze(1)


@dataclass
class CGANConfig:
    noise_dim: int = 64  # noise vector length; the one-hot digit (10) is concatenated to it
    g_channels: int = 128  # generator: dense → (g_channels, 7, 7) → 14×14 → 28×28 by transposed convs
    d_channels: int = 64  # discriminator: 28×28 → 14×14 (d) → 7×7 (2d) by strided convs
    leak: float = 0.2  # leaky ReLU slope in the discriminator
    aux_weight: float = 0.0  # > 0: the discriminator also names the digit (AC-GAN auxiliary head), weight of that loss


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


# ---- the committed generators ----


def load_gan(path=None, device="cpu") -> tuple[Generator, dict]:
    path = path or CHECKPOINT_DIR / "gan.safetensors"
    state, card = load_checkpoint(path, "gan")
    g = load_into(Generator(config_from_card(GANConfig, card["config"])), state, path, "gan")
    return g.to(device).eval(), card


def load_cgan(path=None, device="cpu") -> tuple[CondGenerator, dict]:
    path = path or CHECKPOINT_DIR / "cgan.safetensors"
    state, card = load_checkpoint(path, "cgan")
    g = load_into(CondGenerator(config_from_card(CGANConfig, card["config"])), state, path, "cgan")
    return g.to(device).eval(), card


def app_load_gan(device):
    return load_gan(device=device)[0]


def app_load_cgan(device):
    return load_cgan(device=device)[0]
