"""Training faults (issue 13, cases 12–13): a corrupt resume state, log rows after a resume, and paths that cannot be
written — each reported in one line before any training step."""

import os
import time
from pathlib import Path

import pytest

import gendemo.classifier.train as classifier_train
from gendemo.train import main as train_main

TINY = ["--set", "channels=4,8", "--set", "features=16", "--quiet", "--no-eval", "--batch-size", "32"]
TINY += ["--precision", "fp32"]


def _args(tmp_path, data, *extra, out=None, run_dir=None):
    return [
        "classifier",
        "--data-dir",
        str(data),
        "--out",
        str(out or tmp_path / "out" / "classifier.safetensors"),
        "--run-dir",
        str(run_dir or tmp_path / "run"),
        *TINY,
        *extra,
    ]


def _logged_steps(run_dir: Path) -> list[int]:
    rows = (run_dir / "log.csv").read_text().strip().splitlines()[1:]
    return [int(r.split(",")[0]) for r in rows]


@pytest.mark.train
def test_case13_log_rows_never_repeat_after_a_resume(tmp_path, tiny_mnist, monkeypatch):
    # 256 digits at batch 32: 8 steps an epoch, resume state saved at each epoch end (step 48 before the kill); a row is
    # logged every 50 steps. Killed at step 53, the run has logged step 50 after its last save.
    real_step = classifier_train.ClassifierTask.train_step

    def killed_at_53(self, x, y, step):
        if step == 52:
            raise KeyboardInterrupt("SIGKILL")
        return real_step(self, x, y, step)

    monkeypatch.setattr(classifier_train.ClassifierTask, "train_step", killed_at_53)
    with pytest.raises(KeyboardInterrupt):
        train_main(_args(tmp_path, tiny_mnist, "--epochs", "8"))
    assert _logged_steps(tmp_path / "run") == [1, 50]
    monkeypatch.setattr(classifier_train.ClassifierTask, "train_step", real_step)
    res = train_main(_args(tmp_path, tiny_mnist, "--epochs", "8", "--resume"))
    assert res["training"]["steps"] == 64
    assert _logged_steps(tmp_path / "run") == [1, 50, 64]


def _one_line_before_training(argv) -> str:
    t0 = time.perf_counter()
    with pytest.raises(SystemExit) as e:
        train_main(argv)
    msg = str(e.value.code)
    assert "\n" not in msg and time.perf_counter() - t0 < 5
    return msg


def test_case13_a_run_dir_that_is_a_file_is_one_line_before_training(tmp_path, tiny_mnist):
    (tmp_path / "run").write_text("not a folder")
    msg = _one_line_before_training(_args(tmp_path, tiny_mnist))
    assert msg == f"--run-dir: {tmp_path / 'run'} is a file, not a folder; choose another --run-dir"
    assert not (tmp_path / "out").exists()


def _unwritable(tmp_path: Path) -> Path:
    if os.geteuid() != 0:
        d = tmp_path / "readonly"
        d.mkdir()
        d.chmod(0o500)
        return d
    if Path("/sys").is_dir():
        return Path("/sys/gendemo-test")  # sysfs refuses new folders even to root
    pytest.skip("no folder here that root cannot write")


@pytest.mark.parametrize("how", ["read-only folder", "under a file"])
def test_case13_an_unwritable_out_is_one_line_before_training(tmp_path, tiny_mnist, how):
    if how == "under a file":
        (tmp_path / "f").write_text("a file")
        out = tmp_path / "f" / "classifier.safetensors"
        expected = f"--out: {out.parent} is a file, not a folder"
    else:
        out = _unwritable(tmp_path) / "classifier.safetensors"
        expected = f"--out: cannot write in {out.parent}"
    msg = _one_line_before_training(_args(tmp_path, tiny_mnist, out=out))
    assert msg.startswith(expected) and ".tmp" not in msg
    assert not (tmp_path / "run" / "log.csv").exists()  # not one training step


def test_case12_a_corrupt_resume_state_is_one_line_before_the_data_is_read(tmp_path, tiny_mnist):
    train_main(_args(tmp_path, tiny_mnist, "--epochs", "1"))
    st = tmp_path / "run" / "state.safetensors"
    data = bytearray(st.read_bytes())
    for i in range(1, 65):
        data[-i] ^= 0xFF
    st.write_bytes(bytes(data))
    # the data folder is gone as well: the state is what must be reported, before anything else is read
    msg = _one_line_before_training(_args(tmp_path, tmp_path / "no-data", "--epochs", "2", "--resume"))
    assert msg.startswith(f"{st} is corrupt") and "start afresh" in msg
