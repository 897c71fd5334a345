"""Training steps for the chapter's GAN and for the conditional GAN (python -m gendemo.train gan|cgan).

One step is the chapter's loop (figure 6-1 and the nine steps under it):
  1-2. a fake minibatch from the current generator and a real minibatch,
  3-5. a discriminator step on fakes labelled 0 and reals labelled 1,
  6-8. the discriminator frozen, a generator step on fresh noise with the fakes labelled "real".
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import torch
import torch.nn.functional as F

from gendemo.classifier.model import load_classifier, predict
from gendemo.core.checkpoints import save_checkpoint
from gendemo.core.config import apply_overrides
from gendemo.core.metrics import class_shares, share_table
from gendemo.core.quantize import quantize_state
from gendemo.gan.artifacts import TIMELINE_SEED, kept_epochs, save_timeline
from gendemo.gan.model import CGANConfig, CondDiscriminator, CondGenerator, Discriminator, Generator
from gendemo.gan.recipes import DEFAULT, RECIPES, artifact, recipe
from gendemo.gan.step import bce, discriminator_step, generator_step, update

if TYPE_CHECKING:  # annotations only: importing a task module (the app's loaders live beside some) loads no loop
    from gendemo.core.training import TaskDefaults, Trainer

# One-sided label smoothing: reals are labelled 0.9 for the discriminator, fakes stay 0 (the remedy recipe).
REAL_TARGET = RECIPES["remedy"].real_label


class _AdversarialTask:
    """What both GANs share: the G/D pair and their optimisers, one update, the resumable state."""

    trainer: Trainer  # set by each GAN's __init__

    def _setup_pair(self, G, D, beta1: float = 0.5, lr_g: float | None = None, lr_d: float | None = None):
        self.G, self.D = G, D
        self.g, self.d = self.trainer.wrap(G), self.trainer.wrap(D)
        betas = (beta1, 0.999)  # the usual DCGAN setting; β1 = 0.9 makes GAN training oscillate more
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=lr_g or self.trainer.lr, betas=betas)
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=lr_d or self.trainer.lr, betas=betas)
        self.gen = torch.Generator().manual_seed(self.trainer.options.seed + 1000 * self.trainer.dist.rank)

    @staticmethod
    def _report(loss_d, loss_g, d_real, d_fake) -> dict:
        return {
            "loss_d": loss_d.detach(),
            "loss_g": loss_g.detach(),
            "d_real": torch.sigmoid(d_real.float()).mean().detach(),
            "d_fake": torch.sigmoid(d_fake.float()).mean().detach(),
        }

    @torch.no_grad()
    def _update_ema(self, step: int, target: float) -> None:
        # The decay ramps up from 0.1 so that the average forgets the random initial weights within the first epoch.
        decay = min(target, (1 + step) / (10 + step))
        for avg, p in zip(self.G_ema.parameters(), self.G.parameters(), strict=True):
            avg.lerp_(p.detach(), 1 - decay)
        for avg, b in zip(self.G_ema.buffers(), self.G.buffers(), strict=True):
            avg.copy_(b)  # BatchNorm's running statistics are already averages: taken as they are

    @property
    def shipped(self):
        """The generator that is exported (and judged each epoch): the average of G's weights when there is one."""
        return self.G_ema if self.G_ema is not None else self.G

    def state(self):
        return {
            "G": self.G.state_dict(),
            "D": self.D.state_dict(),
            "opt_g": self.opt_g.state_dict(),
            "opt_d": self.opt_d.state_dict(),
            "gen": self.gen.get_state(),
            **({"G_ema": self.G_ema.state_dict()} if self.G_ema is not None else {}),
        }

    def load_state(self, st):
        self.G.load_state_dict(st["G"])
        self.D.load_state_dict(st["D"])
        self.opt_g.load_state_dict(st["opt_g"])
        self.opt_d.load_state_dict(st["opt_d"])
        self.gen.set_state(st["gen"])
        if self.G_ema is not None:
            self.G_ema.load_state_dict(st["G_ema"])


class GANTask(_AdversarialTask):
    defaults: ClassVar[TaskDefaults] = {"epochs": 200, "batch_size": 128, "lr": 2e-4}

    @staticmethod
    def artifact_name(model: str, recipe_name: str | None) -> str:
        # gan.safetensors stays the remedy; other recipes get their own files (gan_chapter.safetensors, runs/…)
        return artifact(recipe_name)

    def __init__(self, trainer: Trainer):
        self.trainer = trainer
        self.recipe_name = trainer.options.recipe or DEFAULT
        self.name = artifact(self.recipe_name)  # the catalog row (and card kind) of what it exports
        self.recipe = recipe(self.recipe_name)
        # The recipe fixes the networks' config; an explicit --set d_dropout=… still wins.
        self.cfg = apply_overrides(self.recipe.gan_config(), trainer.overrides)

    def setup(self, data):
        r, explicit_lr = self.recipe, self.trainer.options.lr is not None  # --lr sets both networks' rate
        lrs = {} if explicit_lr else {"lr_g": r.lr_g, "lr_d": r.lr_d}
        self._setup_pair(Generator(self.cfg), Discriminator(self.cfg), beta1=r.beta1, **lrs)
        # The generator that is shipped (and recorded in the timeline): the last G, or the average of its weights.
        self.G_ema = copy.deepcopy(self.G).requires_grad_(False) if self.recipe.g_ema > 0 else None
        self.fixed_z = torch.randn(64, self.cfg.noise_dim, generator=torch.Generator().manual_seed(TIMELINE_SEED))
        self.timeline = {"samples": [], "shares": [], "loss_d": [], "loss_g": [], "d_real": [], "d_fake": []}
        self.snapshots: dict[str, torch.Tensor] = {}  # G after kept_epochs, fp16, keys 'epochN.<param>'
        self.d_snapshots: dict[str, torch.Tensor] = {}  # D then too (the chapter run: what a fork starts from)
        self.judge = None
        if self.trainer.dist.main:
            self.judge, _ = load_classifier(device=self.trainer.device)

    def z(self, n):
        return torch.randn(n, self.cfg.noise_dim, generator=self.gen).to(self.trainer.device)

    def train_step(self, x, y, step):
        real = x * 2 - 1  # MNIST [0,1] → the generator's tanh range [-1, 1]
        b = real.shape[0]
        loss_d, d_real, d_fake, _ = discriminator_step(
            self.g,
            self.d,
            self.opt_d,
            real,
            self.z(b),
            real_label=self.recipe.real_label,
            autocast=self.trainer.autocast,
        )
        # D unwrapped here (as before DDP): only G's gradients are synchronised in this half of the step.
        loss_g, _, _ = generator_step(self.g, self.D, self.opt_g, self.z(b), autocast=self.trainer.autocast)
        if self.G_ema is not None:
            self._update_ema(step, self.recipe.g_ema)
        return self._report(loss_d, loss_g, d_real, d_fake)

    @torch.no_grad()
    def end_epoch(self, epoch, means):
        if not self.trainer.dist.main:
            return {}
        G = self.shipped
        was_training = G.training
        G.eval()
        imgs = (G(self.fixed_z.to(self.trainer.device)).float() + 1) / 2
        fresh = (
            G(
                torch.randn(1000, self.cfg.noise_dim, generator=torch.Generator().manual_seed(10_000 + epoch)).to(
                    self.trainer.device
                )
            ).float()
            + 1
        ) / 2
        G.train(was_training)
        probs, _ = predict(self.judge, fresh)
        shares = class_shares(probs.argmax(1))
        tl = self.timeline
        # 32 grey levels (5 bits) instead of 256: invisible at this size, and 200 epochs then compress to a few MB.
        tl["samples"].append(((imgs.squeeze(1) * 31).round() * (255 / 31)).round().to(torch.uint8).cpu())
        tl["shares"].append(torch.tensor(shares, dtype=torch.float32))
        for k in ("loss_d", "loss_g", "d_real", "d_fake"):
            tl[k].append(float(means.get(k, float("nan"))))
        if epoch + 1 in kept_epochs(self.recipe_name):
            for k, v in G.state_dict().items():
                self.snapshots[f"epoch{epoch + 1}.{k}"] = v.detach().half().cpu()
            if self.recipe_name == "chapter":
                for k, v in self.D.state_dict().items():
                    self.d_snapshots[f"epoch{epoch + 1}.{k}"] = v.detach().half().cpu()
        st = share_table(shares)
        return {"kl_1000": st["kl_to_uniform_nats"], "min_share": st["min_share_percent"]}

    def state(self):
        tl = {
            k: (torch.stack(v) if v and isinstance(v[0], torch.Tensor) else torch.tensor(v, dtype=torch.float64))
            for k, v in self.timeline.items()
        }
        return {
            **super().state(),
            "timeline": tl,
            "snapshots": dict(self.snapshots),
            "d_snapshots": dict(self.d_snapshots),
        }

    def load_state(self, st):
        super().load_state(st)
        self.timeline = {
            k: (list(v.unbind(0)) if v.dtype != torch.float64 else v.tolist()) for k, v in st["timeline"].items()
        }
        self.snapshots = dict(st["snapshots"])
        self.d_snapshots = dict(st.get("d_snapshots", {}))  # absent from states saved before D was kept

    def export(self, out, training):
        out = Path(out)
        metrics = {}
        opts = self.trainer.options
        if not opts.no_eval:
            from gendemo.gan.evaluate import evaluate_gan_model

            metrics = evaluate_gan_model(self.shipped.eval(), self.judge, n=10_000, data_dir=opts.data_dir)
            if self.G_ema is not None:  # what the averaging bought: the last G measured the same way
                raw = evaluate_gan_model(self.G.eval(), self.judge, n=10_000, data_dir=opts.data_dir)
                metrics["last_generator_without_averaging"] = {
                    k: raw[k] for k in ("kl_to_uniform_nats", "min_share_percent", "frechet_distance")
                }
        # Kept epochs are stored in 8 bits (core/quantize.py), and the chapter run's final pair in float16: seven epochs
        # of its G and D have to fit the repository beside everything else. The remedy's final pair stays float32.
        chapter = self.recipe_name == "chapter"
        final = (lambda sd: {k: v.half() for k, v in sd.items()}) if chapter else (lambda sd: sd)
        card = save_checkpoint(
            out,
            final(self.shipped.state_dict()),
            kind=self.name,
            config=self.cfg,
            training={
                **training,
                "recipe": self.recipe_name,
                "optimizer": f"Adam(lr G {self.opt_g.param_groups[0]['lr']:g}, D {self.opt_d.param_groups[0]['lr']:g}, "
                f"betas=({self.recipe.beta1:g}, 0.999))",
                "real_label": self.recipe.real_label,
                "d_dropout": self.cfg.d_dropout,
                "d_pack": self.cfg.d_pack,
                "d_mbstd": self.cfg.d_mbstd,
                "generator_weights": f"moving average, decay {self.recipe.g_ema}" if self.G_ema is not None else "last",
                "loss": "BCE with logits (the sigmoid output's cross-entropy)",
            },
            metrics=metrics,
        )
        # The discriminator is half of the GAN: kept so that a learner can ask it what it thinks of an image.
        save_checkpoint(
            out.with_name(out.stem + "_discriminator.safetensors"),
            final(self.D.state_dict()),
            kind=f"{self.name}_discriminator",
            config=self.cfg,
            training={**training, "recipe": self.recipe_name, "real_label": self.recipe.real_label},
        )
        save_timeline(
            out.with_name(out.stem + "_timeline.npz"), self.timeline, kind=f"{self.name}_timeline", training=training
        )
        kept = [
            ("snapshots", "generator", self.snapshots),
            ("discriminator_snapshots", "discriminator", self.d_snapshots),
        ]
        for suffix, net, snaps in kept:
            if not snaps:
                continue
            epochs = sorted({int(k.split(".")[0][5:]) for k in snaps})
            save_checkpoint(
                out.with_name(f"{out.stem}_{suffix}.safetensors"),
                quantize_state(snaps),
                kind=f"{self.name}_{suffix}",
                config=self.cfg,
                training=training,
                extra={
                    "epochs": epochs,
                    "note": f"{net} weights after these epochs, keys 'epochN.<param>'; matrices in int8 with a float32 "
                    "scale per row ('<key>.q8scale'), vectors in float16",
                },
            )
        return card


class CGANTask(_AdversarialTask):
    defaults: ClassVar[TaskDefaults] = {"epochs": 20, "batch_size": 128, "lr": 2e-4}

    def __init__(self, trainer: Trainer):
        self.trainer = trainer
        self.cfg = apply_overrides(CGANConfig(), trainer.overrides)

    def setup(self, data):
        self._setup_pair(CondGenerator(self.cfg), CondDiscriminator(self.cfg))
        self.G_ema = copy.deepcopy(self.G).requires_grad_(False) if self.cfg.g_ema > 0 else None
        self.judge = load_classifier(device=self.trainer.device)[0] if self.trainer.dist.main else None
        self.history = []

    def train_step(self, x, y, step):
        real = x * 2 - 1
        b = real.shape[0]
        dev = self.trainer.device
        z = torch.randn(b, self.cfg.noise_dim, generator=self.gen).to(dev)
        want = torch.randint(0, 10, (b,), generator=self.gen).to(dev)
        w, m = float(self.cfg.aux_weight), float(self.cfg.mismatch_weight)
        with self.trainer.autocast():
            fake = self.g(z, want).detach()
            if w > 0:  # AC-GAN: the discriminator also learns to name real digits
                d_real, aux_real = self.d(real, y, with_aux=True)
                loss_aux = F.cross_entropy(aux_real.float(), y)
            else:
                d_real, loss_aux = self.d(real, y), 0.0
            d_fake = self.d(fake, want)
            loss_fake = bce(d_fake, 0.0)
            if m > 0:  # a real digit under any other label (shifted by 1-9) is as wrong as a generated one
                wrong = (y + torch.randint(1, 10, y.shape, generator=self.gen).to(dev)) % 10
                loss_fake = (loss_fake + m * bce(self.d(real, wrong), 0.0)) / (1 + m)
            loss_d = bce(d_real, REAL_TARGET) + loss_fake + w * loss_aux
        update(self.opt_d, loss_d)
        self.D.requires_grad_(False)
        z = torch.randn(b, self.cfg.noise_dim, generator=self.gen).to(dev)
        want = torch.randint(0, 10, (b,), generator=self.gen).to(dev)
        with self.trainer.autocast():
            if w > 0:  # ...and the generator is rewarded when its digit is named as the one asked for
                logit, aux = self.D(self.g(z, want), want, with_aux=True)
                loss_g = bce(logit, 1.0) + w * F.cross_entropy(aux.float(), want)
            else:
                loss_g = bce(self.D(self.g(z, want), want), 1.0)
        update(self.opt_g, loss_g)
        self.D.requires_grad_(True)
        if self.G_ema is not None:
            self._update_ema(step, self.cfg.g_ema)
        return self._report(loss_d, loss_g, d_real, d_fake)

    @torch.no_grad()
    def end_epoch(self, epoch, means):
        if not self.trainer.dist.main:
            return {}
        from gendemo.gan.sampling import sample_cgan

        digits = torch.arange(10).repeat_interleave(100)
        imgs = sample_cgan(self.shipped, digits, seed=20_000 + epoch)
        self.G.train()
        probs, _ = predict(self.judge, imgs)
        acc = (probs.argmax(1).cpu() == digits).float().mean().item()
        return {"class_accuracy_1000": round(acc, 4)}

    def export(self, out, training):
        metrics = {}
        opts = self.trainer.options
        if not opts.no_eval:
            from gendemo.gan.evaluate import evaluate_cgan_model

            metrics = evaluate_cgan_model(self.shipped.eval(), self.judge, n=10_000, data_dir=opts.data_dir)
        d_metrics = {}
        if not opts.no_eval:  # does D know which label belongs to a real digit? (the tab's "3 shown as 5")
            from gendemo.core.data import load_mnist
            from gendemo.gan.evaluate import evaluate_label_matching

            test = load_mnist("test", opts.data_dir, limit=1000)
            d_metrics = evaluate_label_matching(self.D.eval(), test.images, test.labels.cpu())
            self.D.train()
        save_checkpoint(
            Path(out).with_name(Path(out).stem + "_discriminator.safetensors"),
            self.D.state_dict(),
            kind="cgan_discriminator",
            config=self.cfg,
            training={**training, "real_label": REAL_TARGET},
            metrics=d_metrics,
        )
        return save_checkpoint(
            out,
            self.shipped.state_dict(),
            kind="cgan",
            config=self.cfg,
            training={
                **training,
                "optimizer": f"Adam(lr={self.trainer.lr:g}, betas=(0.5, 0.999)) for G and D",
                "real_label": REAL_TARGET,
            },
            metrics=metrics,
        )
