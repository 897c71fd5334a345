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
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.distributed as dist
from tqdm import tqdm

from gendemo.catalog import entry, resolve
from gendemo.core.checkpoints import CheckpointError, card_path, load_resume_state, save_resume_state
from gendemo.core.data import load_mnist, minibatches
from gendemo.core.device import autocast, resolve_device, resolve_precision, set_threads
from gendemo.core.paths import CHECKPOINT_DIR


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
    """The shared loop. A Task provides: defaults, setup(data), train_step(x, y) -> dict, end_epoch(epoch) -> dict,
    state() / load_state(d) for resume, export(out, training) for the inference checkpoint."""

    def __init__(self, args):
        set_threads()
        self.args = args
        self.dist, self.device = init_distributed(args.device)
        self.precision = resolve_precision(args.precision, self.device)
        self.overrides = dict(kv.split("=", 1) for kv in args.set)
        Task = resolve(entry(args.model).task)
        d = Task.defaults
        self.epochs = args.epochs if args.epochs is not None else d["epochs"]
        self.batch_size = args.batch_size or d["batch_size"]
        self.lr = args.lr if args.lr is not None else d["lr"]
        # a task may plan its run in optimiser steps rather than epochs (the schedule twins); --steps overrides it
        self.steps = args.steps if args.steps is not None else d.get("steps")
        # A run planned in steps ends at its steps: epochs bound it only when given (--epochs) or when no steps are
        # planned. The task's default epochs would cut a larger batch short: 10 epochs of 512 are 1,170 steps.
        self.max_epochs = self.epochs if args.epochs is not None or self.steps is None else float("inf")
        # A task with recipes names its files after the recipe (gan_chapter); others after the model.
        name = Task.artifact_name(args.model, getattr(args, "recipe", None)) if hasattr(Task, "artifact_name") else None
        if getattr(args, "recipe", None) and name is None:
            raise SystemExit(f"--recipe applies only to the GAN, not to {args.model!r}")
        name = name or args.model
        self.out = Path(args.out) if args.out else CHECKPOINT_DIR / f"{name}.safetensors"
        self.run_dir = Path(args.run_dir or f"runs/{name}")
        check_paths(self.out, self.run_dir)
        self.task = Task(self)

    def wrap(self, module: torch.nn.Module) -> torch.nn.Module:
        module = module.to(self.device)
        if self.dist.world > 1:
            from torch.nn.parallel import DistributedDataParallel as DDP

            return DDP(module, device_ids=[self.device.index] if self.device.type == "cuda" else None)
        return module

    def autocast(self):
        return autocast(self.device, self.precision)

    def run(self) -> dict:
        a, task = self.args, self.task
        torch.manual_seed(a.seed + self.dist.rank)
        st = None
        if a.resume:  # read (and checksum-checked) before the data: a corrupt state is one line, at once
            try:
                st = load_resume_state(self.run_dir)
            except CheckpointError as e:
                raise SystemExit(str(e)) from None
        data = (
            task.load_data()
            if hasattr(task, "load_data")
            else load_mnist("train", a.data_dir, self.device, limit=a.limit)
        )
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
