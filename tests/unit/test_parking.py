"""A stopped live run parks its tensors in a file (gendemo/core/parking.py, issue 30: memory bounded) and trains on
exactly as a run never parked; the file goes when the tensors come back or the run is forgotten."""

import gc
import os

import pytest
import torch
from test_live import judge, small, tiny_data
from test_live_scheduler import Clock, same

from gendemo.core.parking import Parked
from gendemo.gan.live import LiveRun
from gendemo.gan.scheduler import PARK_SECONDS, Scheduler


def test_parked_tensors_come_back_bit_for_bit_and_the_file_goes(tmp_path):
    box = {"w": torch.randn(64, 32), "step": torch.tensor(7.0), "half": torch.randn(5).to(torch.bfloat16)}
    want = {k: v.clone() for k, v in box.items()}
    parked = Parked([(k, v, lambda t, k=k: box.__setitem__(k, t)) for k, v in box.items()], tmp_path)
    assert all(v.numel() == 0 for v in box.values()) and os.path.exists(parked.path)
    assert box["half"].dtype == torch.bfloat16  # an empty stand-in of the same kind
    parked.restore()
    assert all(torch.equal(box[k], want[k]) and box[k].dtype == want[k].dtype for k in want)
    assert not os.path.exists(parked.path)
    forgotten = Parked([("w", box["w"], lambda t: box.__setitem__("w", t))], tmp_path)
    path = forgotten.path
    del forgotten
    gc.collect()
    assert not os.path.exists(path)  # a session forgotten takes its file with it
    with pytest.raises(ValueError):
        Parked([("a", torch.ones(1), print), ("a", torch.ones(1), print)], tmp_path)


@pytest.mark.train
def test_a_run_parked_half_way_trains_on_exactly_as_one_never_parked(tmp_path):
    data, j = tiny_data(), judge()
    make = lambda: LiveRun(data, j, small("remedy"), seed=5, point_every=2)  # noqa: E731 — dropout and spread included
    alone, parked = make(), make()
    alone.train(6)
    parked.train(3)
    parked.park(tmp_path)
    assert parked.parked and all(p.numel() == 0 for p in parked.G.parameters())
    assert all(v.numel() == 0 for st in parked.opt_d.state.values() for v in st.values() if torch.is_tensor(v))
    parked.train(3)  # the first use brings everything back
    assert not parked.parked and os.listdir(tmp_path) == []
    assert same(alone.report(), parked.report())
    for a, b in zip(
        [*alone.G.state_dict().values(), *alone.D.state_dict().values()],
        [*parked.G.state_dict().values(), *parked.D.state_dict().values()],
    ):
        assert torch.equal(a, b)
    parked.park(tmp_path)
    twin = parked.fork()  # a fork of a parked run is a fork of the run
    assert same(twin.report(), parked.report())


def _stopped(seed: int):
    """A scheduler on a test clock with one run that trained a turn and was stopped: (scheduler, clock, seat, a
    function that makes another such run)."""
    data, j = tiny_data(), judge()
    clock = Clock()
    s = Scheduler(thread=False, batched=False, clock=clock)
    make = lambda seed: LiveRun(data, j, small("chapter"), seed=seed, point_every=2)  # noqa: E731
    seat = s.start("A", ("k", 0), lambda: make(seed), budget=600)
    s.turn()
    s.pause(seat)
    return s, clock, seat, make


@pytest.mark.train
def test_the_scheduler_parks_a_stopped_run_and_continue_brings_it_back(tmp_path):
    s, clock, seat, _ = _stopped(seed=1)
    assert s.park_resting() == 0  # stopped just now: Continue is likely soon
    clock.t += PARK_SECONDS + 1
    assert s.park_resting() == 1 and seat.job.run.parked
    assert s.park_resting() == 0  # once
    step = seat.job.run.step
    s.resume(seat, 600)
    assert s.turn() is seat.job and seat.job.run.step > step and not seat.job.run.parked
    s.pause(seat)
    s.resume(seat, 600)  # used again before it was parked: it stays in memory
    clock.t += PARK_SECONDS + 1
    assert s.park_resting() == 0 and not seat.job.run.parked


@pytest.mark.train
def test_a_parked_run_used_again_rests_anew_and_is_parked_again():
    s, clock, seat, make = _stopped(seed=2)
    clock.t += PARK_SECONDS + 1
    assert s.park_resting() == 1 and seat.job.run.parked
    s.step_in_detail(seat)  # One step on the stopped run: its tensors come back
    assert not seat.job.run.parked
    assert s.park_resting() == 0  # just used: it rests anew
    clock.t += PARK_SECONDS + 1
    assert s.park_resting() == 1 and seat.job.run.parked
    adopted = s.adopt("B", make(3))  # One step before any Start
    s.step_in_detail(adopted)
    clock.t += PARK_SECONDS + 1
    assert s.park_resting() == 1 and adopted.job.run.parked


def test_a_new_folder_sweeps_those_of_ended_processes(tmp_path, monkeypatch):
    import subprocess
    import sys
    import tempfile

    from gendemo.core import parking

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = tmp_path / f"{parking.PREFIX}{int(ended.stdout)}-abc"  # a server killed before its finalizers ran
    living = tmp_path / f"{parking.PREFIX}1-abc"  # pid 1 is alive
    for folder in (dead, living):
        folder.mkdir()
        (folder / "run-0.safetensors").write_bytes(b"x")
    mine = parking.make_folder()
    assert not dead.exists() and living.exists()
    assert mine.startswith(str(tmp_path / f"{parking.PREFIX}{os.getpid()}-"))
