"""tests/support/procs.py: a test's child process ends with everything it started (its whole process group)."""

import subprocess
import sys
from pathlib import Path

import pytest
from support import procs

# A child that starts a grandchild sleeping for five minutes, says the grandchild's pid, and then waits on stdin
# (the test's server) or exits at once (a command that leaves something running behind it).
LEAVES_A_SLEEPER = (
    "import subprocess, sys\n"
    "p = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(300)'])\n"
    "print(p.pid, flush=True)\n"
    "if sys.argv[1:] == ['wait']:\n"
    "    sys.stdin.read()\n"
)


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")  # a zombie has ended, only its exit status is left


def test_run_ends_what_the_child_left_running():
    r = procs.run([sys.executable, "-c", LEAVES_A_SLEEPER], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert not _running(int(r.stdout))


def test_end_group_ends_a_server_and_what_it_started():
    proc = subprocess.Popen(
        [sys.executable, "-c", LEAVES_A_SLEEPER, "wait"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    with proc.stdin, proc.stdout:
        grandchild = int(proc.stdout.readline())
        assert _running(proc.pid) and _running(grandchild)
        assert sorted(procs.group_members(proc.pid)) == sorted([proc.pid, grandchild])
        procs.end_group(proc)
    assert proc.returncode is not None
    assert not _running(grandchild) and procs.group_members(proc.pid) == []


def test_run_raises_for_a_failed_command_with_check():
    with pytest.raises(subprocess.CalledProcessError) as e:
        procs.run([sys.executable, "-c", "import sys; sys.exit(3)"], check=True, timeout=120)
    assert e.value.returncode == 3
