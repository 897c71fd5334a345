"""Training the chapter's GAN live, in small pieces the app can stream: the engine behind the "Train it yourself" tab.

It runs the very same step as `python -m gendemo.train gan` (gendemo/gan/step.py) on MNIST held in memory, and hands out
plain data: the 64 fixed-noise digits, the loss and D-score curves, and the class shares of freshly generated digits as
the judge sees them. It knows nothing of the UI; pictures are made by the tab.

    run = LiveRun(images, judge, RECIPES["chapter"], seed=0)
    run.train(100)            # 100 minibatches (each: d_steps D updates, then one G update)
    report = run.report()     # what the tab draws
    detail = run.step_in_detail()   # one minibatch, every step of the chapter's loop visible
    twin = run.fork()         # an independent copy at this point (a learner leaving a run shared with others)

A run is a function of its recipe, its seed and its step count alone (issue 30: the server computes identical runs once
and lets a second learner watch the first's): the initial weights, the minibatch order, every noise vector and D's
dropout masks come from the run's own generators, never from torch's global one, which other requests in the same
process draw from. With `point_every`, the curves close a point every that many steps (not at each report), so a report
at step s is the same whenever and however often the run was reported before.
"""

from __future__ import annotations

import copy
import functools
import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch

from gendemo.classifier.model import predict
from gendemo.core.data import load_mnist_bytes, minibatches
from gendemo.core.device import autocast as autocast_for
from gendemo.core.metrics import class_shares, kl_to_uniform
from gendemo.core.parking import Parked
from gendemo.gan.model import Discriminator, Generator
from gendemo.gan.recipes import Recipe
from gendemo.gan.step import discriminator_step, generator_step, scores

JUDGED = 200  # fresh samples the classifier judges at every report: shares to about ±3 points, for 0.1 s
FIXED = 64  # the fixed noise vectors whose digits the tab shows after every report (as the recorded timeline)


@dataclass(frozen=True)
class Start:
    """Where a fork of the recorded chapter run begins (issue 32 part 3): its G and D as the run kept them after
    `epoch`. The optimisers start fresh: the recorded run's Adam state is not shipped."""

    epoch: int  # the recorded run's epoch this run continues from
    G: dict[str, torch.Tensor]  # the generator's float32 state dict then
    D: dict[str, torch.Tensor]  # the discriminator's (the chapter's D: no spread input, dropout 0)


@dataclass
class Report:
    step: int  # minibatches done (each: d_steps D updates + one G update)
    epoch: float  # passes over the data so far (468 minibatches of 128 make one), counted from the fork's epoch
    images_seen: int  # real images D has seen
    seconds: float  # wall time spent training (not judging or drawing)
    samples: torch.Tensor  # (64, 1, 28, 28) in [0, 1]: G's digits for the fixed noise vectors
    shares: np.ndarray  # (10,) share of each digit among JUDGED fresh samples
    kl: float  # KL(shares ‖ uniform) in nats: 0 is every digit equally often, ln 10 ≈ 2.30 is one digit only
    history: dict[str, list[float]]  # per point: step, loss_d, loss_g, d_real, d_fake; kl at kl_step
    start_epoch: int = 0  # > 0: a fork of the recorded run, begun at this epoch of it


@dataclass
class StepDetail:
    """One minibatch of the chapter's loop with every intermediate result kept (only a few images of each)."""

    step: int
    fake: torch.Tensor  # step 1: (k, 1, 28, 28) in [0, 1], the fakes D is trained on
    real: torch.Tensor  # step 2: (k, 1, 28, 28) in [0, 1]
    d_real_before: float  # step 4: D's mean probability "real" for the real batch, before its update
    d_fake_before: float  # step 4: … for the fake batch, before its update
    loss_d: float  # step 4's loss, which step 5 descends
    d_real_after: float  # after step 5: D has moved towards 1 on reals …
    d_fake_after: float  # … and towards 0 on the same fakes
    new_fake: torch.Tensor  # step 7-8: (k, 1, 28, 28) in [0, 1], fakes from fresh noise
    d_new_before: float  # D's probability "real" for them before G's update
    loss_g: float  # step 8's loss (the fakes labelled real)
    d_new_after: float  # after G's update, for the same noise: G has moved towards fooling D
    real_label: float


@dataclass
class _Curves:
    step: list[float] = field(default_factory=list)
    loss_d: list[float] = field(default_factory=list)
    loss_g: list[float] = field(default_factory=list)
    d_real: list[float] = field(default_factory=list)
    d_fake: list[float] = field(default_factory=list)
    kl: list[float] = field(default_factory=list)
    kl_step: list[float] = field(default_factory=list)  # the steps of the KL points (at every point, or fewer)


class SeededDropout(torch.nn.Module):
    """nn.Dropout with its masks drawn from the run's own generator (on the CPU, so a run on a GPU draws the same)."""

    def __init__(self, p: float, generator: torch.Generator):
        super().__init__()
        self.p, self.generator = float(p), generator

    def forward(self, x):
        if not self.training or self.p == 0:
            return x
        keep = torch.rand(x.shape, generator=self.generator) >= self.p
        return x * keep.to(x.device, x.dtype) / (1 - self.p)


def seeded_init(module: torch.nn.Module, generator: torch.Generator) -> None:
    """Every Linear layer initialised as nn.Linear.reset_parameters does, in module order, drawing from `generator`:
    the same weights as torch.manual_seed(seed) before building, without touching torch's global generator."""
    for m in module.modules():
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.kaiming_uniform_(m.weight, a=math.sqrt(5), generator=generator)
            if m.bias is not None:
                bound = 1 / math.sqrt(m.weight.shape[1]) if m.weight.shape[1] > 0 else 0
                torch.nn.init.uniform_(m.bias, -bound, bound, generator=generator)


# The app's runs close a point of the loss curves every POINT_EVERY steps (cheap: the means kept so far) and judge a KL
# point every KL_EVERY steps (200 samples through G and the classifier, about a step's time: ≈ 2 % of the training).
POINT_EVERY = 5
KL_EVERY = 50


class LiveRun:
    def __init__(
        self,
        images: torch.Tensor,
        judge,
        recipe: Recipe,
        *,
        seed: int = 0,
        device="cpu",
        precision="fp32",
        point_every: int | None = None,
        kl_every: int | None = None,
        start: Start | None = None,
    ):
        """images: (N, 1, 28, 28) training digits, uint8 or float in [0, 1] (kept, not copied); judge: a classifier.
        point_every: close a point of the loss curves every this many steps, with a judged KL point every kl_every
        steps (a multiple of it; None: at every point); None: a point of every curve at each report.
        start: continue the recorded run from one of its kept epochs instead of from random weights."""
        if images.ndim != 4 or images.shape[1:] != (1, 28, 28) or images.shape[0] < recipe.batch_size:
            raise ValueError(f"need at least one batch of (1, 28, 28) images, got {tuple(images.shape)}")
        self.recipe, self.seed, self.judge = recipe, int(seed), judge
        self.images = images
        self.device = torch.device(device)
        self.precision = precision
        self.point_every = point_every
        self.kl_every = kl_every or point_every
        cfg = recipe.gan_config()
        with torch.device("cpu"):  # built on the CPU so that the seeded weights are the same on every device
            G, D = Generator(cfg), Discriminator(cfg)
        init = torch.Generator().manual_seed(self.seed)  # the initial weights follow the seed
        seeded_init(G, init)
        seeded_init(D, init)
        self.start_epoch = 0
        if start is not None:
            _load_start(G, D, start)
            self.start_epoch = int(start.epoch)
        self.drop_gen = torch.Generator().manual_seed(self.seed + 7919)  # D's dropout masks
        for i, m in enumerate(D.net):
            if isinstance(m, torch.nn.Dropout):
                D.net[i] = SeededDropout(m.p, self.drop_gen)
        self.G, self.D = G.to(self.device), D.to(self.device)
        # Fused Adam: one kernel per step instead of a dozen passes over the weights (measured +8 % images/s here).
        adam = {"betas": (recipe.beta1, 0.999), "fused": True}
        self.opt_g = torch.optim.Adam(self.G.parameters(), lr=recipe.lr_g, **adam)
        self.opt_d = torch.optim.Adam(self.D.parameters(), lr=recipe.lr_d, **adam)
        self.gen = torch.Generator().manual_seed(self.seed)  # minibatch order and every noise vector
        self.fixed_z = torch.randn(FIXED, recipe.noise_dim, generator=torch.Generator().manual_seed(1234))
        self.step = 0
        self.seconds = 0.0
        self.curves = _Curves()
        # loss_d, loss_g, d_real, d_fake summed since the last report, kept on the device (no per-step sync)
        self._sums = torch.zeros(4, device=self.device)
        self._n = 0
        self._epoch: list[torch.Tensor] = []  # index batches of the current epoch (core.data.minibatches, as the CLI)
        self._pos = 0  # the next of them
        self._parked: Parked | None = None  # while parked (a stopped run waiting): its networks and Adam, in a file

    # ---- parking: a stopped run's tensors in a file until it is used again ----

    def _slots(self):
        """(name, tensor, put) for every tensor of the run's state: G's and D's weights and buffers, Adam's moments."""
        for tag, net, opt in (("G", self.G, self.opt_g), ("D", self.D, self.opt_d)):
            for name, p in net.named_parameters():
                yield f"{tag}.{name}", p.data, functools.partial(setattr, p, "data")
            for prefix, m in net.named_modules():
                for name, b in m._buffers.items():
                    if b is not None:
                        yield f"{tag}.{prefix}.{name}", b, functools.partial(m._buffers.__setitem__, name)
            for i, p in enumerate(q for group in opt.param_groups for q in group["params"]):
                for name, v in opt.state.get(p, {}).items():
                    if torch.is_tensor(v):
                        yield f"{tag}.adam.{i}.{name}", v, functools.partial(opt.state[p].__setitem__, name)

    def park(self, folder) -> None:
        """Move the run's tensors to a file in `folder` and free their memory; the next use of the run brings them
        back exactly. Called (as every use) by one thread at a time: the scheduler holds the job's lock."""
        if self._parked is None:
            self._parked = Parked(self._slots(), folder)

    def unpark(self) -> None:
        if self._parked is not None:
            self._parked.restore()
            self._parked = None

    @property
    def parked(self) -> bool:
        return self._parked is not None

    # ---- the loop ----

    def _autocast(self):
        return autocast_for(self.device, self.precision)

    def _real_batch(self) -> torch.Tensor:
        if self._pos >= len(self._epoch):  # a new epoch: a fresh permutation from the run's own generator
            self._epoch = list(minibatches(self.images.shape[0], self.recipe.batch_size, self.gen, self.images.device))
            self._pos = 0
        idx = self._epoch[self._pos]
        self._pos += 1
        x = self.images[idx].to(self.device)
        if x.dtype == torch.uint8:
            x = x.float().div_(255)
        return x * 2 - 1  # [0, 1] → the generator's tanh range

    def _z(self, n: int) -> torch.Tensor:
        return torch.randn(n, self.recipe.noise_dim, generator=self.gen).to(self.device)

    def train(self, steps: int) -> None:
        """`steps` minibatches of the chapter's loop, each with d_steps discriminator updates then one G update."""
        self.unpark()
        r = self.recipe
        self.G.train()
        self.D.train()
        t0 = time.perf_counter()
        for _ in range(int(steps)):
            for _ in range(r.d_steps):
                loss_d, d_real, d_fake, _ = discriminator_step(
                    self.G, self.D, self.opt_d, self._real_batch(), self._z(r.batch_size),
                    real_label=r.real_label, autocast=self._autocast,
                )  # fmt: skip
            loss_g, _, _ = generator_step(self.G, self.D, self.opt_g, self._z(r.batch_size), autocast=self._autocast)
            self._sums += torch.stack([loss_d, loss_g, scores(d_real).mean(), scores(d_fake).mean()]).float()
            self._n += 1
            self.step += 1
            if self.point_every and self.step % self.point_every == 0:
                self._close_point(self._judge(self.step)[1] if self.step % self.kl_every == 0 else None)
        self.seconds += time.perf_counter() - t0

    def steps_to_point(self) -> int:
        """Steps until the next curve point (point_every mode), for a caller that trains in pieces that end on one."""
        return self.point_every - self.step % self.point_every if self.point_every else 0

    def fork(self) -> LiveRun:
        """An independent copy of the run at this point: trained on, it follows the same steps as the original would.
        The training digits and the judge are shared (read only)."""
        self.unpark()
        twin = copy.copy(self)
        twin.G, twin.D = copy.deepcopy(self.G), copy.deepcopy(self.D)
        twin.gen = torch.Generator().set_state(self.gen.get_state())
        twin.drop_gen = torch.Generator().set_state(self.drop_gen.get_state())
        for m in twin.D.modules():
            if isinstance(m, SeededDropout):
                m.generator = twin.drop_gen
        betas = {"betas": (self.recipe.beta1, 0.999), "fused": True}
        twin.opt_g = torch.optim.Adam(twin.G.parameters(), lr=self.recipe.lr_g, **betas)
        twin.opt_d = torch.optim.Adam(twin.D.parameters(), lr=self.recipe.lr_d, **betas)
        twin.opt_g.load_state_dict(copy.deepcopy(self.opt_g.state_dict()))
        twin.opt_d.load_state_dict(copy.deepcopy(self.opt_d.state_dict()))
        twin.curves = _Curves(**{k: list(v) for k, v in vars(self.curves).items()})
        twin._sums = self._sums.clone()
        twin._epoch = list(self._epoch)  # index tensors are never written: shared
        return twin

    @property
    def images_seen(self) -> int:
        return self.step * self.recipe.d_steps * self.recipe.batch_size

    @property
    def epoch(self) -> float:
        return self.start_epoch + self.step * self.recipe.d_steps * self.recipe.batch_size / self.images.shape[0]

    @torch.no_grad()
    def samples(self) -> torch.Tensor:
        self.unpark()
        self.G.eval()
        x = (self.G(self.fixed_z.to(self.device)).float() + 1) / 2
        self.G.train()
        return x.cpu()

    @torch.no_grad()
    def _judge(self, step: int) -> tuple[np.ndarray, float]:
        """The digit shares and KL of JUDGED fresh samples, from noise seeded by the step (the same at each step)."""
        self.unpark()
        self.G.eval()
        z = torch.randn(JUDGED, self.recipe.noise_dim, generator=torch.Generator().manual_seed(10_000 + step))
        fresh = (self.G(z.to(self.device)).float() + 1) / 2
        self.G.train()
        # judge: the classifier itself, or a function images → class probabilities (the app passes a faster copy)
        probs = predict(self.judge, fresh)[0] if isinstance(self.judge, torch.nn.Module) else self.judge(fresh)
        shares = class_shares(probs.argmax(1))
        return shares, kl_to_uniform(shares)

    def _close_point(self, kl: float | None) -> None:
        """One point of the curves: the means since the last point, and the KL given (None: no KL point here)."""
        if not self._n:
            return
        c = self.curves
        means = (self._sums / self._n).cpu().tolist()
        c.step.append(float(self.step))
        for name, v in zip(("loss_d", "loss_g", "d_real", "d_fake"), means):
            getattr(c, name).append(v)
        if kl is not None:
            c.kl_step.append(float(self.step))
            c.kl.append(kl)
        self._sums.zero_()
        self._n = 0

    @torch.no_grad()
    def report(self) -> Report:
        """The state of the run now; without point_every it also closes one point of the curves (means since the last
        report)."""
        shares, kl = self._judge(self.step)
        if not self.point_every:
            self._close_point(kl)
        c = self.curves
        history = {k: list(getattr(c, k)) for k in ("step", "loss_d", "loss_g", "d_real", "d_fake", "kl", "kl_step")}
        return Report(
            step=self.step,
            epoch=self.epoch,
            images_seen=self.images_seen,
            seconds=self.seconds,
            samples=self.samples(),
            shares=shares,
            kl=kl,
            history=history,
            start_epoch=self.start_epoch,
        )

    @torch.no_grad()
    def _verdict(self, x: torch.Tensor) -> float:
        """D's mean probability "real" for x, without dropout noise (what the step view shows)."""
        self.unpark()
        self.D.eval()
        v = scores(self.D(x)).mean().item()
        self.D.train()
        return v

    def step_in_detail(self, show: int = 8) -> StepDetail:
        """One minibatch (one D update, one G update), the chapter's steps made visible: D's verdicts before and after
        its own update, and before and after G's. Counts as a step of the run."""
        self.unpark()
        r = self.recipe
        self.G.train()
        self.D.train()
        real, z_d = self._real_batch(), self._z(r.batch_size)
        with torch.no_grad():
            fake = self.G(z_d)
        before_real, before_fake = self._verdict(real), self._verdict(fake)
        loss_d, _, _, fake = discriminator_step(self.G, self.D, self.opt_d, real, z_d, real_label=r.real_label)
        z_g = self._z(r.batch_size)
        after_real, after_fake = self._verdict(real), self._verdict(fake)
        with torch.no_grad():
            new_before = self._verdict(self.G(z_g))
        loss_g, _, new_fake = generator_step(self.G, self.D, self.opt_g, z_g)
        with torch.no_grad():
            new_after = self._verdict(self.G(z_g))
        self.step += 1
        unit = lambda x: ((x[:show].float() + 1) / 2).clamp(0, 1).cpu()
        return StepDetail(
            step=self.step,
            fake=unit(fake),
            real=unit(real),
            d_real_before=before_real,
            d_fake_before=before_fake,
            loss_d=float(loss_d),
            d_real_after=after_real,
            d_fake_after=after_fake,
            new_fake=unit(new_fake),
            d_new_before=new_before,
            loss_g=float(loss_g),
            d_new_after=new_after,
            real_label=r.real_label,
        )


def _load_start(G: torch.nn.Module, D: torch.nn.Module, start: Start) -> None:
    """The recorded run's weights into this run's networks. G must read as many noise numbers as the recorded one. D
    may have what the remedy adds: dropout has no weights, and a D that also reads its batch's spread gets one more
    input in its last layer, whose weight starts at 0 (so D's verdicts are the recorded ones until it learns to use it).
    """
    want_z = start.G["net.0.weight"].shape[1]
    if G.net[0].in_features != want_z:
        raise ValueError(f"the recorded generator reads {want_z} noise numbers, this run's {G.net[0].in_features}")
    G.load_state_dict(start.G)
    own = D.state_dict()
    state = {}
    for k, v in start.D.items():
        if k not in own:
            raise ValueError(f"the recorded discriminator has {k!r}, this run's has not")
        if own[k].shape == v.shape:
            state[k] = v
        elif own[k].ndim == 2 and own[k].shape[0] == v.shape[0] and own[k].shape[1] == v.shape[1] + 1:
            state[k] = torch.cat([v, v.new_zeros(v.shape[0], 1)], dim=1)  # the spread's input, weight 0
        else:
            raise ValueError(
                f"the recorded discriminator's {k!r} is {tuple(v.shape)}, this run's {tuple(own[k].shape)}"
            )
    D.load_state_dict(state)


def app_load_images(device) -> torch.Tensor:
    """The 60,000 MNIST training digits as (N, 1, 28, 28) uint8 on the CPU: 47 MB held once per process and shared by
    every live run (each minibatch is converted to float as it is drawn)."""
    return load_mnist_bytes("train").images
