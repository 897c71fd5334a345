"""Many live runs of one shape trained as one computation (issue 30, part 7): on a GPU thirty small GANs cost about as
much as one when their matrix products are batched, since one run leaves most of the chip idle.

The runs' weights are stacked along a new first axis (K runs), each layer is a batched matrix product (baddbmm), the
chapter's losses are summed over the runs (each run's weights only get its own gradient), and Adam is applied to the
stacks with each run's own learning rates, β1 and step count. Every random number is drawn from each run's own
generators in the order LiveRun.train draws them (minibatch, noise, dropout masks), so a batched step gives the same
runs as K separate steps, up to floating-point rounding (tests/unit/test_live_batched.py checks it on the CPU).

The scheduler (gendemo/gan/scheduler.py) uses it for runs on CUDA; on a CPU the arithmetic is the same either way, so
there the runs take turns instead.
"""

from __future__ import annotations

import time

import torch
import torch.nn.functional as F

from gendemo.gan.live import LiveRun, SeededDropout
from gendemo.gan.step import scores

MAX_GROUP = 64  # runs in one batched computation at most
ADAM_BETA2, ADAM_EPS = 0.999, 1e-8  # torch.optim.Adam's defaults, as LiveRun's optimisers use them


def shape_key(run: LiveRun):
    """Runs with equal keys can be stacked: the same layer sizes, batch, D steps, dropout, spread group, device."""
    r = run.recipe
    if r.d_pack != 1:
        return None  # a packed D reshapes its batch: not written here (the live knobs never pack)
    return (r.batch_size, r.noise_dim, r.d_steps, r.d_dropout, r.d_mbstd, str(run.device), run.precision)


def _linears(module: torch.nn.Module) -> list[torch.nn.Linear]:
    return [m for m in module.modules() if isinstance(m, torch.nn.Linear)]


class Stack:
    """The weights and Adam state of K runs, stacked; `train(steps)` then `write_back()`."""

    def __init__(self, runs: list[LiveRun]):
        self.runs = runs
        for r in runs:
            r.unpark()  # a run resumed after it was parked (gendemo/core/parking.py) gets its tensors back first
        dev = runs[0].device
        self.g_layers = [_linears(r.G) for r in runs]
        self.d_layers = [_linears(r.D) for r in runs]
        self.params_g = self._stack_params(self.g_layers)
        self.params_d = self._stack_params(self.d_layers)
        self.adam_g = self._stack_adam([r.opt_g for r in runs], self.g_layers)
        self.adam_d = self._stack_adam([r.opt_d for r in runs], self.d_layers)
        col = lambda vals: torch.tensor(vals, dtype=torch.float32, device=dev)
        rec = [r.recipe for r in runs]
        self.lr_g, self.lr_d = col([x.lr_g for x in rec]), col([x.lr_d for x in rec])
        self.beta1 = col([x.beta1 for x in rec])
        self.real_label = col([x.real_label for x in rec])
        self.leak = runs[0].G.cfg.leak
        self.p_drop = rec[0].d_dropout
        self.group = rec[0].d_mbstd

    # ---- stacking

    @staticmethod
    def _stack_params(layers: list[list[torch.nn.Linear]]) -> list[torch.Tensor]:
        out = []
        for i in range(len(layers[0])):
            for name in ("weight", "bias"):
                out.append(torch.stack([getattr(run[i], name).detach() for run in layers]).requires_grad_(True))
        return out

    @staticmethod
    def _stack_adam(opts, layers) -> dict:
        m, v, steps = [], [], []
        for opt, run in zip(opts, layers):
            params = [getattr(lin, n) for lin in run for n in ("weight", "bias")]
            st = [opt.state.get(p, {}) for p in params]
            m.append([s["exp_avg"] if s else torch.zeros_like(p) for s, p in zip(st, params)])
            v.append([s["exp_avg_sq"] if s else torch.zeros_like(p) for s, p in zip(st, params)])
            steps.append(float(st[0]["step"]) if st[0] else 0.0)
        n = len(m[0])
        return {
            "m": [torch.stack([m[k][i] for k in range(len(opts))]) for i in range(n)],
            "v": [torch.stack([v[k][i] for k in range(len(opts))]) for i in range(n)],
            "step": torch.tensor(steps, dtype=torch.float32, device=m[0][0].device),
        }

    def write_back(self) -> None:
        """The stacks' weights and Adam state into each run's own networks and optimisers."""
        for params, adam, layers, opts in (
            (self.params_g, self.adam_g, self.g_layers, [r.opt_g for r in self.runs]),
            (self.params_d, self.adam_d, self.d_layers, [r.opt_d for r in self.runs]),
        ):
            for k, (run_layers, opt) in enumerate(zip(layers, opts)):
                own = [getattr(lin, n) for lin in run_layers for n in ("weight", "bias")]
                for i, p in enumerate(own):
                    with torch.no_grad():
                        p.copy_(params[i][k])
                    state = opt.state[p]  # as torch.optim.Adam(fused=True) keeps it: the step a 0-d float32 tensor
                    state["step"] = adam["step"][k].detach().clone().reshape(())
                    state["exp_avg"] = adam["m"][i][k].clone()
                    state["exp_avg_sq"] = adam["v"][i][k].clone()

    # ---- the networks, batched over runs

    def generator(self, z: torch.Tensor) -> torch.Tensor:
        """z (K, B, noise) → (K, B, 784) in [-1, 1]."""
        h, p = z, self.params_g
        n = len(p) // 2
        for i in range(n):
            h = torch.baddbmm(p[2 * i + 1].unsqueeze(1), h, p[2 * i].transpose(1, 2))
            h = torch.tanh(h) if i == n - 1 else F.leaky_relu(h, self.leak)
        return h

    def discriminator(self, x: torch.Tensor, masks: list[torch.Tensor] | None) -> torch.Tensor:
        """x (K, B, 784) → logits (K, B); masks: one (K, B, width) keep-mask per hidden layer (None: no dropout)."""
        h, p = x, self.params_d
        n = len(p) // 2
        for i in range(n - 1):
            h = F.leaky_relu(torch.baddbmm(p[2 * i + 1].unsqueeze(1), h, p[2 * i].transpose(1, 2)), self.leak)
            if masks is not None:
                h = h * masks[i].to(h.dtype) / (1 - self.p_drop)
        if self.group:
            h = torch.cat([h, self._spread(h)], dim=2)
        return torch.baddbmm(p[-1].unsqueeze(1), h, p[-2].transpose(1, 2)).squeeze(2)

    def _spread(self, h: torch.Tensor) -> torch.Tensor:
        """gendemo.gan.model.minibatch_spread for each run: (K, B, F) → (K, B, 1)."""
        k, b, f = h.shape
        g = min(self.group, b)
        if b % g:
            g = b
        s = h.float().view(k, g, b // g, f).std(1, unbiased=False).mean(2)  # (K, B/g)
        return s.repeat(1, g)[:, :, None].to(h.dtype)

    def _masks(self) -> list[torch.Tensor] | None:
        """The keep-masks of one pass through D, each run's from its own dropout generator (as SeededDropout)."""
        if not self.p_drop:
            return None
        widths = [lin.out_features for lin in self.d_layers[0][:-1]]
        b = self.runs[0].recipe.batch_size
        dev = self.runs[0].device
        per_run = []
        for r in self.runs:
            drops = [m for m in r.D.modules() if isinstance(m, SeededDropout)]
            assert all(d.generator is r.drop_gen for d in drops)
            per_run.append([torch.rand((b, w), generator=r.drop_gen) >= self.p_drop for w in widths])
        return [torch.stack([pr[i] for pr in per_run]).to(dev) for i in range(len(widths))]

    # ---- the chapter's loop

    def _adam(self, params, grads, adam, lr) -> None:
        adam["step"] += 1
        t = adam["step"]
        b1 = self.beta1
        bc1 = 1 - b1**t
        bc2 = 1 - ADAM_BETA2**t
        for i, (p, g) in enumerate(zip(params, grads)):
            shape = (-1,) + (1,) * (p.dim() - 1)
            m, v = adam["m"][i], adam["v"][i]
            m.mul_(b1.view(shape)).add_((1 - b1).view(shape) * g)
            v.mul_(ADAM_BETA2).addcmul_(g, g, value=1 - ADAM_BETA2)
            denom = (v.sqrt() / bc2.sqrt().view(shape)).add_(ADAM_EPS)
            with torch.no_grad():
                p.sub_((lr / bc1).view(shape) * m / denom)

    def train(self, steps: int) -> None:
        runs = self.runs
        r0 = runs[0]
        d_steps, b = r0.recipe.d_steps, r0.recipe.batch_size
        t0 = time.perf_counter()
        for _ in range(int(steps)):
            for _ in range(d_steps):  # steps 1-5, each run on its own real batch and noise
                real = torch.stack([r._real_batch() for r in runs]).view(len(runs), b, 784)
                z = torch.stack([r._z(b) for r in runs])
                m_real, m_fake = self._masks(), self._masks()
                with r0._autocast():
                    with torch.no_grad():
                        fake = self.generator(z)
                    d_real = self.discriminator(real, m_real)
                    d_fake = self.discriminator(fake, m_fake)
                loss_d = _bce(d_real, self.real_label) + _bce(d_fake, torch.zeros_like(self.real_label))
                grads = torch.autograd.grad(loss_d.sum(), self.params_d)
                self._adam(self.params_d, grads, self.adam_d, self.lr_d)
            z = torch.stack([r._z(b) for r in runs])  # steps 6-8: D frozen (no gradient of its own is taken)
            masks = self._masks()
            with r0._autocast():
                d_gen = self.discriminator(self.generator(z), masks)
            loss_g = _bce(d_gen, torch.ones_like(self.real_label))
            grads = torch.autograd.grad(loss_g.sum(), self.params_g)
            self._adam(self.params_g, grads, self.adam_g, self.lr_g)
            for k, r in enumerate(runs):
                stats = [loss_d[k], loss_g[k], scores(d_real[k]).mean(), scores(d_fake[k]).mean()]
                r._sums += torch.stack(stats).detach().float()
                r._n += 1
                r.step += 1
        dt = time.perf_counter() - t0
        for r in runs:
            r.seconds += dt


def _bce(logits: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """gendemo.gan.step.bce per run: logits (K, B), target (K,) → (K,) mean losses."""
    logits = logits.float()
    return F.binary_cross_entropy_with_logits(logits, target[:, None].expand_as(logits), reduction="none").mean(1)


def train_together(runs: list[LiveRun], steps: int) -> None:
    """`steps` of the chapter's loop for every run, as one batched computation; each run's own curve points close as
    LiveRun.train closes them (a caller keeps `steps` within every run's steps_to_point())."""
    stack = Stack(runs)
    stack.train(steps)
    stack.write_back()
    for r in runs:
        if r.point_every and r.step % r.point_every == 0:
            r._close_point(r._judge(r.step)[1] if r.step % r.kl_every == 0 else None)


def group_turn(sched, jobs):
    """The scheduler's turn for jobs[0] and every other due job of its shape, trained together; frames as due."""
    key = shape_key(jobs[0].run)
    if key is None:
        return None
    group = []
    for job in jobs:
        if len(group) < MAX_GROUP and shape_key(job.run) == key and job.lock.acquire(blocking=False):
            group.append(job)
    if not group:
        return None
    try:
        runs = [j.run for j in group]
        per_step = max(j.per_step or 0.0 for j in group)
        steps = 1 if not per_step else max(1, round(sched.slice_seconds / per_step))
        steps = min([steps] + [r.steps_to_point() for r in runs if r.point_every])
        t0 = time.perf_counter()
        try:
            train_together(runs, steps)
        except Exception as e:  # the group's failure ends those runs, never the worker
            for j in group:
                j.error = str(e) or type(e).__name__
            return group[0]
        dt = time.perf_counter() - t0
        now = sched.clock()
        turned = next(sched._turns)
        for j in group:
            j.turned = turned
            j.per_step = dt / steps if j.per_step is None else 0.7 * j.per_step + 0.3 * dt / steps
            j.turn_seconds += dt / len(group)
            if sched.frame_due(j, now):
                rep = sched.timed_report(j.run)
                with sched.cond:
                    sched._add_frame(j, rep, now, runs=len(sched.jobs))
        return group[0]
    finally:
        for j in group:
            j.lock.release()
