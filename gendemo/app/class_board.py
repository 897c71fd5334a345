"""The class board (issue 32): with `python app.py --class-board`, every finished live run (Train it yourself) posts its
knobs, epochs trained, final KL and digit shares here, so a teacher can show the whole class's runs as one experiment
("everyone who raised the learning rate …"). Off by default.

Nothing a learner types reaches it: the knobs are the checked controls' values, the figures the run's own. No names,
no session ids are shown (a run is listed by its number). It lives in the server's memory only and is bounded:
- at most CAP runs, the oldest dropped first;
- at most PER_SESSION runs from one session, its oldest dropped first: one learner pressing Start in a loop replaces
  their own runs and cannot push the class's out;
- a run that goes on (Continue) replaces its own earlier entry instead of adding one.
The teacher clears it with the token printed when the server starts (compared in constant time).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass

import numpy as np

CAP = 500
PER_SESSION = 5
MIN_EPOCHS = 0.01  # a run that trained less than this (a Start pressed and stopped at once) is not a result
KNOBS = ("lr_g", "lr_d", "beta1", "batch_size", "noise_dim", "real_label", "d_steps")
WHOLE = ("batch_size", "noise_dim", "d_steps")


@dataclass(frozen=True)
class Entry:
    number: int  # the board's own count: how a run is named on the board
    posted: float  # time.time()
    recipe: str  # "chapter" or "remedy": the recipe the knobs started from
    lr_g: float
    lr_d: float
    beta1: float
    batch_size: int
    noise_dim: int
    real_label: float
    d_steps: int
    seed: int
    epochs: float
    kl: float
    shares: tuple[float, ...]  # percent of each digit among the run's last judged samples
    from_epoch: int = 0  # > 0: a fork of the recorded chapter run from this epoch (epochs then counts from it)


class Board:
    def __init__(self, token: str | None = None, cap: int = CAP, per_session: int = PER_SESSION):
        self.token = token or secrets.token_urlsafe(12)
        self.cap, self.per_session = cap, per_session
        self._runs: OrderedDict[tuple[str, int], Entry] = OrderedDict()  # (session, run id) → entry, oldest first
        self._count = 0
        self._lock = threading.Lock()

    def post(
        self, session: str, run_id: int, recipe: str, knobs: dict, seed: int, epochs: float, kl: float, shares,
        from_epoch: int = 0,
    ):  # fmt: skip
        """Record a finished run (or update its entry when the same run went on). Returns the entry, or None when the
        run is too short to be a result."""
        if not (epochs >= MIN_EPOCHS and np.isfinite(kl)):
            return None
        shares = tuple(round(100 * float(s), 2) for s in np.asarray(shares, dtype=float).reshape(-1)[:10])
        with self._lock:
            key = (str(session), int(run_id))
            old = self._runs.pop(key, None)
            if old is None:
                self._count += 1
            number = old.number if old else self._count
            entry = Entry(
                number,
                time.time(),
                str(recipe),
                *(int(knobs[k]) if k in WHOLE else float(knobs[k]) for k in KNOBS),
                int(seed),
                round(float(epochs), 3),
                round(float(kl), 4),
                shares,
                int(from_epoch),
            )
            self._runs[key] = entry
            mine = [k for k in self._runs if k[0] == key[0]]
            for k in mine[: max(0, len(mine) - self.per_session)]:
                del self._runs[k]
            while len(self._runs) > self.cap:
                self._runs.popitem(last=False)
            return entry

    def runs(self) -> list[Entry]:
        with self._lock:
            return sorted(self._runs.values(), key=lambda e: e.number)

    def clear(self, token: str) -> int | None:
        """Empty the board; the number of runs removed, or None when the token is wrong."""
        if not isinstance(token, str) or not hmac.compare_digest(token.strip().encode(), self.token.encode()):
            return None
        with self._lock:
            n = len(self._runs)
            self._runs.clear()
            return n


def as_rows(entries: list[Entry]) -> list[dict]:
    return [asdict(e) for e in entries]


BOARD: Board | None = None  # the server's board, or None when it was not asked for


def enable(token: str | None = None) -> Board:
    """Switch the board on (python app.py --class-board); returns it (its token is the teacher's)."""
    global BOARD
    BOARD = Board(token)
    return BOARD


def disable() -> None:
    global BOARD
    BOARD = None


def post_run(session: str, run_id: int, run, report) -> None:
    """The live tab's one hook, where a run's stream ends: post it if the board is on. `run_id` names the run in the
    server (the scheduler's job), `run` is the LiveRun (its recipe and seed), `report` its last Report."""
    board = BOARD
    if board is None or run is None or report is None:
        return
    from gendemo.gan.recipes import RECIPES

    r = run.recipe
    # the recipe the knobs started from: the one whose networks (D's dropout and aids) the run has
    base = next(
        (
            name
            for name, b in RECIPES.items()
            if (b.d_dropout, b.d_pack, b.d_mbstd, b.g_ema) == (r.d_dropout, r.d_pack, r.d_mbstd, r.g_ema)
        ),
        "other",
    )
    knobs = {k: getattr(r, k) for k in KNOBS}
    board.post(session, run_id, base, knobs, run.seed, report.epoch, report.kl, report.shares, run.start_epoch)
