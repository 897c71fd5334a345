"""Classifier section of python -m gendemo.bench: training throughput with CPU bf16 autocast against fp32."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from gendemo.classifier.model import Classifier
from gendemo.core.timing import train_speed


def run(quick: bool, row) -> None:
    m = Classifier()
    opt = torch.optim.AdamW(m.parameters(), 1e-3)
    x, y = torch.rand(128, 1, 28, 28), torch.randint(0, 10, (128,))

    def make(ctx):
        def step():
            with ctx():
                loss = F.cross_entropy(m(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()

        return step

    train_speed("classifier", make, 128, 5 if quick else 20, row)
