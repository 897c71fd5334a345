"""Child processes of tests. Each starts in a session, and so a process group, of its own, and the whole group ends
with it: what the child started and left behind (torchrun's ranks, the forked ZeroGPU workers of `spaces`, a
DataLoader's workers) goes too, on a normal exit as on a timeout or a failed assertion.

    r = run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)   # as subprocess.run

    proc = subprocess.Popen(cmd, start_new_session=True, ...)   # a server kept for a fixture's life
    try:
        yield ...
    finally:
        end_group(proc)
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

KILL_WAIT_S = 30  # how long a group may take to go after SIGKILL before end_group says so


def group_members(pgid: int) -> list[int]:
    """The live processes of process group `pgid` (zombies, which hold no memory, left out)."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        state, pgrp = fields[0], int(fields[2])
        if pgrp == pgid and state not in ("Z", "X"):
            members.append(int(stat.parent.name))
    return members


def _signal_group(pgid: int, sig: int) -> None:
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        pass  # nothing left in the group


def end_group(proc: subprocess.Popen, grace: float = 10) -> None:
    """End the process group that `proc` leads (started with start_new_session=True): SIGTERM to all of it, `grace`
    seconds for `proc` and the rest to exit, then SIGKILL to whatever is left. Raises if a member outlives SIGKILL."""
    pgid = proc.pid  # a session leader's group id is its own pid; the id stays taken while any member lives
    try:
        if os.getpgid(pgid) != pgid:
            raise RuntimeError(f"end_group: {proc.args!r} was not started with start_new_session=True")
    except ProcessLookupError:
        pass  # already exited and reaped: its group may still hold what it started
    _signal_group(pgid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    try:
        proc.wait(grace)
    except subprocess.TimeoutExpired:
        pass
    while group_members(pgid) and time.monotonic() < deadline:
        time.sleep(0.1)
    _signal_group(pgid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + KILL_WAIT_S
    while (left := group_members(pgid)) and time.monotonic() < deadline:
        time.sleep(0.1)
    if left:
        raise RuntimeError(f"processes {left} of group {pgid} outlived SIGKILL")


def run(args, *, capture_output=False, timeout=None, check=False, **kwargs) -> subprocess.CompletedProcess:
    """subprocess.run, with the child in a process group of its own that ends with the call (end_group): nothing it
    started outlives it. The call returns when the child exits, even where something it left running still holds its
    output open; on a timeout the whole group is killed at once."""
    if capture_output:
        kwargs["stdout"] = kwargs["stderr"] = subprocess.PIPE
    proc = subprocess.Popen(args, start_new_session=True, **kwargs)
    captured = {}

    def read(name, pipe):
        with pipe:
            captured[name] = pipe.read()

    readers = [
        threading.Thread(target=read, args=(name, pipe), daemon=True)
        for name, pipe in (("stdout", proc.stdout), ("stderr", proc.stderr))
        if pipe is not None
    ]
    for reader in readers:
        reader.start()
    timed_out = False
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
    finally:
        end_group(proc, grace=0 if timed_out else 10)  # after a normal exit too: what the child left in its group
        for reader in readers:
            reader.join()  # the group is gone, so the pipes are at their end
    stdout, stderr = captured.get("stdout"), captured.get("stderr")
    if timed_out:
        raise subprocess.TimeoutExpired(proc.args, timeout, output=stdout, stderr=stderr)
    if check and proc.returncode:
        raise subprocess.CalledProcessError(proc.returncode, proc.args, output=stdout, stderr=stderr)
    return subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
