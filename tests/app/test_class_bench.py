"""CI's class (issue 30, part 8): six learners walk the short lesson against an app of their own at once; nobody's
request fails and every live run streams a frame. Timings are the benchmark's to report, not this test's."""

import pytest
from support import mnist_present, need

from gendemo.app.class_bench import report_lines, run_class, short_plan

pytestmark = pytest.mark.heavy  # an app of its own and six clients for about a minute


def test_a_short_class_has_no_failures_and_every_live_run_streams():
    need(mnist_present(), "MNIST is not prepared (python -m gendemo.data)")
    s = run_class(short_plan(6), log=lambda *_: None)
    print("\n".join(report_lines(s)))
    assert not s["failures"], s["failures"]
    assert not any(a["cut_off"] for a in s["actions"].values()), s["actions"]
    live = s["live"]
    assert live["runs"] == 6 and live["with_frame"] == 6 and live["finished"] == 6, live
    assert all(a["ok"] == a["n"] == 6 for a in s["actions"].values()), s["actions"]


@pytest.mark.slow  # a server of its own and 420 sessions: several minutes
def test_four_hundred_one_request_sessions_grow_the_server_little():
    """Issue 30, part 6: 400 sessions that each make one request grow the server's RSS by at most 60 MB."""
    from gendemo.app.class_bench import sessions_growth

    g = sessions_growth(400, log=print)
    assert g["growth_mb"] <= 60, g
