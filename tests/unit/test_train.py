import json
import os
import sys

import pytest
import torch
from safetensors.torch import load_file
from support import ROOT, procs

from gendemo.train import main as train_main

TINY = [
    "--set",
    "channels=4,8",
    "--set",
    "features=16",
    "--quiet",
    "--no-eval",
    "--batch-size",
    "32",
    "--precision",
    "fp32",
]


def _train(tmp_path, data, *extra):
    return train_main(
        [
            "classifier",
            "--data-dir",
            str(data),
            "--out",
            str(tmp_path / "out" / "classifier.safetensors"),
            "--run-dir",
            str(tmp_path / "run"),
            *TINY,
            *extra,
        ]
    )


def _losses(run_dir):
    rows = (run_dir / "log.csv").read_text().strip().splitlines()[1:]
    return [float(r.split(",")[2]) for r in rows]


@pytest.mark.train
def test_training_reduces_loss_and_writes_card(tmp_path, tiny_mnist):
    res = _train(tmp_path, tiny_mnist, "--epochs", "15", "--lr", "0.01")
    assert res["training"]["steps"] == 15 * 8
    card = json.loads((tmp_path / "out" / "classifier.json").read_text())
    assert card["training"]["epochs_completed"] == 15 and card["config"]["channels"] == [4, 8]
    losses = _losses(tmp_path / "run")
    assert losses[-1] < 0.7 * losses[0], losses


@pytest.mark.train
def test_resume_continues_exactly_where_it_stopped(tmp_path, tiny_mnist):
    straight = tmp_path / "a"
    _train(straight, tiny_mnist, "--epochs", "3")
    split = tmp_path / "b"
    _train(split, tiny_mnist, "--epochs", "3", "--steps", "11")  # stops mid-epoch 2
    res = _train(split, tiny_mnist, "--epochs", "3", "--resume")
    assert res["training"]["steps"] == 24
    a = load_file(str(straight / "out" / "classifier.safetensors"))
    b = load_file(str(split / "out" / "classifier.safetensors"))
    for k in a:
        assert torch.allclose(a[k], b[k], atol=1e-6), k


@pytest.mark.train
def test_steps_alone_plan_the_run(tmp_path, tiny_mnist):
    """--steps without --epochs runs to its steps: the task's default epochs (the classifier's 8, 64 steps here) do
    not cut it short; --epochs given beside it still bounds it."""
    assert _train(tmp_path / "a", tiny_mnist, "--steps", "70")["training"]["steps"] == 70
    assert _train(tmp_path / "b", tiny_mnist, "--steps", "70", "--epochs", "2")["training"]["steps"] == 16


def test_unknown_config_field_fails_loudly(tmp_path, tiny_mnist):
    with pytest.raises(ValueError, match="unknown config field 'widht'"):
        _train(tmp_path, tiny_mnist, "--set", "widht=3")


@pytest.mark.train
def test_ddp_two_cpu_processes(tmp_path, tiny_mnist):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    out = tmp_path / "ddp" / "classifier.safetensors"
    cmd = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--nproc_per_node=2",
        "--master_port=0",
        "--rdzv-backend=c10d",
        "--rdzv-endpoint=localhost:0",
        "-m",
        "gendemo.train",
        "classifier",
        "--device",
        "cpu",
        "--data-dir",
        str(tiny_mnist),
        "--out",
        str(out),
        "--run-dir",
        str(tmp_path / "ddprun"),
        "--epochs",
        "2",
        *TINY,
    ]
    r = procs.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["training"]["device"] == "cpu x2 (DDP)"
    # 256 images, 2 ranks × 16 per rank → 8 steps an epoch on each rank
    assert card["training"]["steps"] == 16


@pytest.mark.train
@pytest.mark.parametrize("model", ["gan", "cgan"])
def test_gans_train_and_resume(tmp_path, tiny_mnist, model):
    common = [
        model,
        "--data-dir",
        str(tiny_mnist),
        "--out",
        str(tmp_path / "out" / f"{model}.safetensors"),
        "--run-dir",
        str(tmp_path / "run"),
        "--quiet",
        "--no-eval",
        "--batch-size",
        "32",
        "--epochs",
        "2",
    ]
    train_main([*common, "--steps", "5"])  # stops mid-epoch 1
    res = train_main([*common, "--resume"])
    assert res["training"]["steps"] == 16 and res["training"]["epochs_completed"] == 2
    losses = (tmp_path / "run" / "log.csv").read_text().splitlines()[0].split(",")
    assert losses[2:] == ["loss_d", "loss_g", "d_real", "d_fake"]


def test_resumed_log_gains_a_new_metric_column(tmp_path):
    from gendemo.core.training import open_log

    p = tmp_path / "log.csv"
    p.write_text("step,epoch,loss\n50,0,0.5\n100,0,0.4\n")
    f, w, cols = open_log(p, ["step", "epoch", "loss", "aux_loss"], resume=True)
    w.writerow(["150", "0", "0.3", "0.9"])
    f.close()
    assert cols == ["step", "epoch", "loss", "aux_loss"]
    assert p.read_text().splitlines() == ["step,epoch,loss,aux_loss", "50,0,0.5,", "100,0,0.4,", "150,0,0.3,0.9"]
    f, w, cols = open_log(p, ["step", "epoch", "loss"], resume=True)  # same or fewer metrics: appended as they are
    f.close()
    assert cols == ["step", "epoch", "loss", "aux_loss"] and len(p.read_text().splitlines()) == 4
    f, w, cols = open_log(p, ["step", "epoch", "loss"], resume=False)  # a fresh run starts a fresh log
    f.close()
    assert p.read_text().splitlines() == ["step,epoch,loss"]


@pytest.mark.train
def test_cgan_matching_aware_run_ships_its_averaged_generator(tmp_path, tiny_mnist):
    from gendemo.core.checkpoints import load_resume_state

    out = tmp_path / "out" / "cgan.safetensors"
    common = ["cgan", "--data-dir", str(tiny_mnist), "--out", str(out), "--run-dir", str(tmp_path / "run")]
    common += ["--quiet", "--no-eval", "--batch-size", "32", "--epochs", "2", "--precision", "fp32"]
    common += ["--set", "mismatch_weight=1", "--set", "g_ema=0.9", "--set", "g_channels=16", "--set", "d_channels=8"]
    train_main([*common, "--steps", "5"])
    train_main([*common, "--resume"])
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["config"]["mismatch_weight"] == 1.0 and card["config"]["g_ema"] == 0.9
    state = load_resume_state(tmp_path / "run")["task"]
    shipped = load_file(str(out))
    # what is exported is the average of G's weights (and G's own batch-norm statistics), not the last G
    for k, v in state["G_ema"].items():
        assert torch.equal(shipped[k], v), k
    w = "fc.0.weight"
    assert not torch.equal(shipped[w], state["G"][w])
    assert torch.equal(shipped["fc.1.running_mean"], state["G"]["fc.1.running_mean"])
