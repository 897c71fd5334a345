"""The class board (issue 32): bounded, one session cannot flood it, a run that goes on keeps one entry, the teacher's
token clears it and nothing else does."""

import numpy as np

from gendemo.app.class_board import KNOBS, Board

KNOB = {"lr_g": 2e-4, "lr_d": 2e-4, "beta1": 0.5, "batch_size": 128, "noise_dim": 10, "real_label": 1.0, "d_steps": 1}
SHARES = np.full(10, 0.1)


def post(board, session, run, epochs=1.0, kl=0.5, **knobs):
    return board.post(session, run, "chapter", {**KNOB, **knobs}, 0, epochs, kl, SHARES)


def test_a_run_is_posted_with_its_knobs_epochs_kl_and_shares():
    b = Board(token="t")
    e = post(b, "s1", 1, epochs=2.5, kl=0.31, lr_d=1e-3)
    assert (e.number, e.recipe, e.lr_d, e.batch_size, e.epochs, e.kl) == (1, "chapter", 1e-3, 128, 2.5, 0.31)
    assert e.shares == (10.0,) * 10 and isinstance(e.batch_size, int)
    assert [x.number for x in b.runs()] == [1]
    assert set(KNOBS) <= set(e.__dataclass_fields__)


def test_a_run_that_goes_on_keeps_one_entry():
    b = Board(token="t")
    post(b, "s1", 7, epochs=1.0)
    post(b, "s1", 7, epochs=3.0)
    assert [(e.number, e.epochs) for e in b.runs()] == [(1, 3.0)]


def test_too_short_or_broken_runs_are_not_results():
    b = Board(token="t")
    assert post(b, "s1", 1, epochs=0.0) is None and post(b, "s1", 2, kl=float("nan")) is None
    assert b.runs() == []


def test_one_session_cannot_flood_the_board():
    b = Board(token="t", cap=20, per_session=3)
    for i in range(5):
        post(b, f"class{i}", i)
    for i in range(1000):  # one learner pressing Start in a loop
        post(b, "flood", 100 + i)
    runs = b.runs()
    assert len(runs) == 5 + 3  # the class's five stay; the flood keeps its last three
    assert [e.number for e in runs][-3:] == [1003, 1004, 1005]


def test_the_board_is_bounded():
    b = Board(token="t", cap=50, per_session=5)
    for i in range(400):
        post(b, f"s{i}", i)
    runs = b.runs()
    assert len(runs) == 50 and runs[0].number == 351  # the oldest went first


def test_only_the_teachers_token_clears_it():
    b = Board(token="secret-token")
    post(b, "s1", 1)
    post(b, "s2", 2)
    assert b.clear("wrong") is None and b.clear("") is None and b.clear(None) is None
    assert len(b.runs()) == 2
    assert b.clear(" secret-token ") == 2 and b.runs() == []
    assert len(Board().token) >= 16  # a token of its own when none is given


def test_the_board_plots_against_the_knob_the_class_varied():
    from gendemo.app.ui.class_board_tab import varied

    b = Board(token="t")
    post(b, "a", 1, lr_d=1e-4)
    post(b, "b", 2, lr_d=5e-4)
    post(b, "c", 3, lr_d=1e-3, d_steps=2)
    assert varied(b.runs()) == "lr_d"
    same = Board(token="t")
    post(same, "a", 1, epochs=1.0)
    post(same, "b", 2, epochs=2.0)
    assert varied(same.runs()) == "epochs"
