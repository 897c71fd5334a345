"""The training loop every model shares (python -m gendemo.train MODEL runs it with the model's Task from the catalog).

The loop owns what all models share — device, precision (AMP on CUDA, bf16 autocast on CPUs that run it natively),
DistributedDataParallel under torchrun, the on-device minibatch loop, tqdm, a CSV log, periodic resumable checkpoints —
and each model supplies a Task with its own step (gendemo/<family>/train.py).
"""

from __future__ import annotations

import csv
import json
import os
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypedDict

import torch
import torch.distributed as dist
from tqdm import tqdm

from gendemo.catalog import entry, resolve
from gendemo.core.checkpoints import CheckpointError, card_path, load_resume_state, save_resume_state
from gendemo.core.data import Digits, load_mnist, minibatches
from gendemo.core.device import autocast, resolve_device, resolve_precision, set_threads
from gendemo.core.paths import CHECKPOINT_DIR


@dataclass(frozen=True)
class TrainOptions:
    """What `python -m gendemo.train` was asked for, typed. gendemo/train.py builds it once from the command line (one
    field per flag, same name and default); the loop and the tasks read these fields, never the argparse namespace.
    None means "not given": the Trainer then takes the task's own default (its resolved values are Trainer.epochs,
    .batch_size, .lr, .steps; a task reads those, and reads these fields only for what it must know was given)."""

    model: str  # the catalog row to train: one with a `task` column (gendemo/catalog.py)
    device: str = "auto"  # auto | cpu | cuda; under torchrun each rank takes the GPU of its LOCAL_RANK
    precision: str = "auto"  # auto | fp32 | bf16 | fp16: the autocast dtype (auto: what the device runs natively)
    epochs: int | None = None  # None: the task's default, or unbounded when the task plans its run in steps
    steps: int | None = None  # optimiser steps in total (all epochs); None: the task's plan, if it has one
    batch_size: int | None = None  # the global batch, split across DDP ranks; None: the task's default
    lr: float | None = None  # None: the task's default (the GAN: its recipe's own rates for G and D)
    seed: int = 0  # data order, noise and initial weights; each DDP rank offsets its generators by its rank
    resume: bool = False  # continue from run_dir/state.safetensors (a fresh start when there is none)
    data_dir: str | None = None  # MNIST root; None: ./data or $GENDEMO_DATA_DIR
    limit: int | None = None  # only the first N training images (tests and smoke runs); None: all 60,000
    out: str | None = None  # the inference weights' file; None: checkpoints/<name>.safetensors
    run_dir: str | None = None  # resume state, log.csv and caches; None: runs/<name>
    save_every: float = 300.0  # seconds between resumable saves (a save also ends every epoch)
    no_eval: bool = False  # skip the evaluation that fills the card's metrics (tests; the numbers would be noise)
    quiet: bool = False  # no progress bar
    recipe: str | None = None  # GAN only: chapter | remedy (gendemo/gan/recipes.py); None: the default recipe
    overrides: dict[str, str] = field(default_factory=dict)  # --set KEY=VALUE: model config fields, as text


class _RunDefaults(TypedDict):
    epochs: int
    batch_size: int
    lr: float


class TaskDefaults(_RunDefaults, total=False):
    """A task's own run length and rates, used where the options leave them out. (steps is optional by inheritance,
    not NotRequired[...]: with postponed annotations Python 3.11 counts a NotRequired key as required.)"""

    steps: int  # a run planned in optimiser steps (the schedule twins, the distilled copy)


class Task(Protocol):
    """What a model supplies to the shared loop; the `task` column of gendemo/catalog.py names the class. The Trainer
    constructs it once, after the options are resolved and before any data is read, and calls, in this order:
    setup(data), then train_step per minibatch and end_epoch per completed epoch, state() at every resumable save,
    load_state() on --resume (after setup), and export() at the end on the main rank. A task keeps the trainer and
    reads from it the device, precision, DDP ranks (dist), resolved rates and lengths, overrides, out and run_dir, the
    options, and wrap() / autocast()."""

    defaults: ClassVar[TaskDefaults]

    def __init__(self, trainer: Trainer) -> None: ...

    def setup(self, data: Digits) -> None:
        """Build networks and optimisers for this run's training digits (on the device, all of them, every rank)."""

    def train_step(self, x: torch.Tensor, y: torch.Tensor, step: int) -> dict[str, torch.Tensor | float]:
        """One optimiser step on a minibatch (images (B, 1, 28, 28) in [0, 1], labels (B,)); `step` counts from 0
        over the whole run. Returns the metrics to log and average over the epoch."""

    def end_epoch(self, epoch: int, means: dict[str, float]) -> dict[str, Any]:
        """After epoch `epoch` (from 0) with the mean of each metric: figures to add to the run's history."""

    def state(self) -> dict[str, Any]:
        """Everything a resumed run needs to continue exactly (weights, optimisers, generators, history)."""

    def load_state(self, st: dict[str, Any]) -> None:
        """The inverse of state(), on a task that has been set up."""

    def export(self, out: Path, training: dict[str, Any]) -> dict[str, Any]:
        """Write the inference checkpoint and its card (with `training`: the run's facts) to `out`; return the card."""


class RecipeTask(Task, Protocol):
    """A task with recipes (the GAN): its files are named after the recipe, so that gan.safetensors stays the shipped
    one. Only such a task accepts --recipe."""

    @staticmethod
    def artifact_name(model: str, recipe: str | None) -> str: ...


@dataclass
class Dist:
    rank: int = 0
    world: int = 1
    local_rank: int = 0

    @property
    def main(self) -> bool:
        return self.rank == 0


def init_distributed(device_name: str) -> tuple[Dist, torch.device]:
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
        return Dist(), resolve_device(device_name)
    d = Dist(int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"]), int(os.environ.get("LOCAL_RANK", 0)))
    device = resolve_device(device_name)
    if device.type == "cuda":
        device = torch.device("cuda", d.local_rank)
        torch.cuda.set_device(device)
    dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    return d, device


def _logged_after(row: list[str], col: int | None, step: int) -> bool:
    try:
        return col is not None and int(row[col]) > step
    except (IndexError, ValueError):
        return False


def open_log(path: Path, columns: list[str], resume: bool, last_step: int | None = None):
    """The run's CSV log, appended to on resume. A resumed run that logs a new metric gets the column added, the old
    rows left blank in it, rather than rows that no longer match the header. Rows after `last_step` (the step the
    resume state was saved at) were logged by the killed run after its last save; the resumed run logs those steps
    again, so they are dropped."""
    rows = []
    if resume and path.exists():
        with open(path, newline="") as f:
            rows = list(csv.reader(f))
    old = rows[0] if rows else []
    body = rows[1:]
    if last_step is not None:
        col = old.index("step") if "step" in old else None
        body = [r for r in body if not _logged_after(r, col, last_step)]
    if old and set(columns) <= set(old) and len(body) == len(rows) - 1:
        f = open(path, "a", newline="")  # noqa: SIM115 -- returned to the caller, who closes it at the end of the run
        return f, csv.writer(f), old
    cols = old + [c for c in columns if c not in old]
    f = open(path, "w", newline="")  # noqa: SIM115 -- returned to the caller, who closes it at the end of the run
    w = csv.writer(f)
    w.writerow(cols)
    for r in body:
        w.writerow(r + [""] * (len(cols) - len(r)))
    return f, w, cols


def check_paths(out: Path, run_dir: Path) -> None:
    """--out and --run-dir, checked before any data is read: a wrong path costs a second and one line, not a
    training run that fails at its end."""
    for p in (out, card_path(out)):
        if p.is_dir():
            raise SystemExit(f"--out: {p} is a folder; --out takes the weights' file name (…/NAME.safetensors)")
    for flag, folder in (("--run-dir", run_dir), ("--out", out.parent)):
        if folder.exists() and not folder.is_dir():
            raise SystemExit(f"{flag}: {folder} is a file, not a folder; choose another {flag}")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.TemporaryFile(dir=folder):
                pass
        except OSError as e:
            raise SystemExit(f"{flag}: cannot write in {folder} ({e.strerror or e}); choose another {flag}") from None


class Trainer:
    """The shared loop: runs one model's Task (see Task for what it calls, and in which order) with the options
    resolved against the task's defaults."""

    def __init__(self, options: TrainOptions):
        set_threads()
        self.options = options
        self.dist, self.device = init_distributed(options.device)
        self.precision = resolve_precision(options.precision, self.device)
        # a copy: a task may add its own fixed settings to it (the schedule twins, the distilled copy)
        self.overrides = dict(options.overrides)
        task_class: type[Task] = resolve(entry(options.model).task)
        d = task_class.defaults
        self.epochs = options.epochs if options.epochs is not None else d["epochs"]
        self.batch_size = options.batch_size or d["batch_size"]
        self.lr = options.lr if options.lr is not None else d["lr"]
        # a task may plan its run in optimiser steps rather than epochs (the schedule twins); --steps overrides it
        self.steps = options.steps if options.steps is not None else d.get("steps")
        # A run planned in steps ends at its steps: epochs bound it only when given (--epochs) or when no steps are
        # planned. The task's default epochs would cut a larger batch short: 10 epochs of 512 are 1,170 steps.
        self.max_epochs = self.epochs if options.epochs is not None or self.steps is None else float("inf")
        # A RecipeTask names its files after the recipe (gan_chapter); others after the model.
        name = task_class.artifact_name(options.model, options.recipe) if hasattr(task_class, "artifact_name") else None
        if options.recipe and name is None:
            raise SystemExit(f"--recipe applies only to the GAN, not to {options.model!r}")
        name = name or options.model
        self.out = Path(options.out) if options.out else CHECKPOINT_DIR / f"{name}.safetensors"
        self.run_dir = Path(options.run_dir or f"runs/{name}")
        check_paths(self.out, self.run_dir)
        self.task: Task = task_class(self)

    def wrap(self, module: torch.nn.Module) -> torch.nn.Module:
        module = module.to(self.device)
        if self.dist.world > 1:
            from torch.nn.parallel import DistributedDataParallel as DDP

            return DDP(module, device_ids=[self.device.index] if self.device.type == "cuda" else None)
        return module

    def autocast(self):
        return autocast(self.device, self.precision)

    def run(self) -> dict:
        a, task = self.options, self.task
        torch.manual_seed(a.seed + self.dist.rank)
        st = None
        if a.resume:  # read (and checksum-checked) before the data: a corrupt state is one line, at once
            try:
                st = load_resume_state(self.run_dir)
            except CheckpointError as e:
                raise SystemExit(str(e)) from None
        data = load_mnist("train", a.data_dir, self.device, limit=a.limit)
        task.setup(data)
        epoch, step_in_epoch, step, wall = 0, 0, 0, 0.0
        if a.resume:
            if st is None:
                print(f"no resume state in {self.run_dir}; starting afresh")
            else:
                task.load_state(st["task"])
                if "torch_rng" in st:  # dropout draws from the global generator
                    torch.set_rng_state(st["torch_rng"])
                epoch, step_in_epoch, step, wall = (
                    int(st[k]) if k != "wall" else float(st[k]) for k in ("epoch", "step_in_epoch", "step", "wall")
                )
                if self.dist.main:
                    print(f"resumed {a.model} at epoch {epoch}, step {step} ({wall:.0f} s trained so far)")
        resumed_at = step
        self.run_dir.mkdir(parents=True, exist_ok=True)
        log_path = self.run_dir / "log.csv"
        per_rank = max(1, self.batch_size // self.dist.world)
        steps_per_epoch = (len(data) // self.dist.world) // per_rank
        total_steps = self.steps if self.steps is not None else self.epochs * steps_per_epoch
        last_save = time.time()
        logw, logf = None, None
        history = []
        t_start = time.time() - wall

        def save(ep, sie):
            if self.dist.main:
                save_resume_state(
                    self.run_dir,
                    {
                        "task": task.state(),
                        "epoch": ep,
                        "step_in_epoch": sie,
                        "step": step,
                        "wall": time.time() - t_start,
                        "torch_rng": torch.get_rng_state(),
                    },
                )

        bar = tqdm(
            total=total_steps, initial=step, disable=a.quiet or not self.dist.main, desc=a.model, dynamic_ncols=True
        )
        while epoch < self.max_epochs and step < total_steps:
            # The epoch's order comes from (seed, epoch) alone, so a resumed run skips exactly the batches already seen.
            g = torch.Generator().manual_seed(a.seed * 100_003 + epoch)
            sums: dict[str, float] = {}
            n = 0
            for i, idx in enumerate(minibatches(len(data), per_rank, g, self.device, self.dist.rank, self.dist.world)):
                if i < step_in_epoch:
                    continue
                metrics = task.train_step(data.images[idx], data.labels[idx], step)
                step += 1
                n += 1
                for k, v in metrics.items():
                    sums[k] = sums.get(k, 0.0) + float(v)
                if self.dist.main and (step % 50 == 0 or step == 1 or step == total_steps):
                    if logw is None:
                        logf, logw, log_cols = open_log(
                            log_path, ["step", "epoch", *metrics], a.resume, last_step=resumed_at
                        )
                    row = {"step": step, "epoch": epoch, **{k: f"{float(v):.5g}" for k, v in metrics.items()}}
                    logw.writerow([row.get(c, "") for c in log_cols])
                    logf.flush()
                    bar.set_postfix({k: f"{float(v):.3g}" for k, v in metrics.items()})
                bar.update(1)
                if time.time() - last_save > a.save_every:
                    save(epoch, i + 1)
                    last_save = time.time()
                if step >= total_steps and i + 1 < steps_per_epoch:
                    break  # stopped mid-epoch by --steps
            else:
                means = {k: v / max(n, 1) for k, v in sums.items()}
                info = task.end_epoch(epoch, means) or {}
                history.append({"epoch": epoch + 1, **means, **info})
                epoch, step_in_epoch = epoch + 1, 0
                save(epoch, 0)
                last_save = time.time()
                continue
            # stopped mid-epoch by --steps
            save(epoch, i + 1)
            break
        bar.close()
        if logf:
            logf.close()
        wall = time.time() - t_start
        training = {
            "epochs_completed": epoch,
            "steps": step,
            "batch_size": self.batch_size,
            "lr": self.lr,
            "seed": a.seed,
            "device": str(self.device) + (f" x{self.dist.world} (DDP)" if self.dist.world > 1 else ""),
            "device_name": torch.cuda.get_device_name(self.device) if self.device.type == "cuda" else "cpu",
            "precision": self.precision,
            "wall_seconds": round(wall, 1),
            "limit": a.limit,
        }
        result = {"training": training}
        if self.dist.main:
            result["card"] = task.export(self.out, training)
            print(json.dumps({"model": a.model, "out": str(self.out), **training}))
        if self.dist.world > 1:
            dist.barrier()
            dist.destroy_process_group()
        return result
