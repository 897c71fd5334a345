"""What the tabs derive from the app's models (a fast copy, a curve, counts) is kept by the registry under the models'
names, and dropped with them when the registry is reconfigured."""

import threading

import pytest

import gendemo.app.registry as reg
import gendemo.catalog as cat
from gendemo.catalog import Entry


@pytest.fixture
def registry(monkeypatch):
    fake = {"a": Entry("a", "gan", "make a", loader="t:a"), "b": Entry("b", "gan", "make b", loader="t:b")}
    monkeypatch.setattr(cat, "CATALOG", fake)
    monkeypatch.setattr(reg, "CATALOG", fake)
    loads = iter(range(1000))
    monkeypatch.setattr(reg, "resolve", lambda spec: lambda device: [spec, next(loads)])  # a fresh object each load
    return reg.Registry()


def test_a_derived_value_is_kept_by_model_name_and_arguments(registry):
    made = []

    def make(model, *args):
        made.append(args)
        return (model[0], args)

    assert registry.derived("a", "x", make) == ("t:a", ())
    assert registry.derived("a", "x", make) == ("t:a", ()) and made == [()]  # made once
    assert registry.derived("a", "x", make, 5) == ("t:a", (5,))  # other arguments, another value
    assert registry.derived("b", "x", make) == ("t:b", ())  # another model, another value
    assert registry.derived(("a", "b"), "both", lambda a, b: a[0] + b[0]) == "t:at:b"  # several models, in order
    assert made == [(), (5,), ()]


def test_reconfigure_drops_what_was_derived_from_the_models(registry):
    first = registry.derived("a", "x", lambda m: m)
    assert registry.derived("a", "x", lambda m: "unused") is first
    registry.configure("cpu")
    again = registry.derived("a", "x", lambda m: m)
    assert again is registry.get("a") and again is not first and again[1] != first[1]  # made from the reloaded model


def test_keep_bounds_one_kind_and_drops_the_least_recently_used(registry):
    made = []
    make = lambda m, seed: made.append(seed) or seed  # noqa: E731
    for seed in (1, 2, 1, 3):  # 1 used again before 3 arrives, so 2 is the oldest
        registry.derived("a", "counts", make, seed, keep=2)
    registry.derived("a", "counts", make, 1, keep=2)
    registry.derived("a", "counts", make, 2, keep=2)
    assert made == [1, 2, 3, 2]


def test_a_missing_model_raises_and_nothing_is_kept(registry, monkeypatch):
    def broken(device):
        raise FileNotFoundError("no file for b")

    monkeypatch.setattr(reg, "resolve", lambda spec: broken)
    with pytest.raises(reg.ModelUnavailable, match="no file for b"):
        registry.derived("b", "x", lambda m: m)


def test_concurrent_requests_compute_a_value_once(registry):
    made, gate = [], threading.Event()

    def slow(model):
        made.append(1)
        gate.wait(5)
        return "v"

    out = []
    threads = [threading.Thread(target=lambda: out.append(registry.derived("a", "slow", slow))) for _ in range(3)]
    for t in threads:
        t.start()
    gate.set()
    for t in threads:
        t.join(10)
    assert out == ["v"] * 3 and made == [1]


def test_a_value_made_while_the_registry_was_reconfigured_is_not_kept(registry):
    def make(model):
        registry.configure("cpu")  # the models it came from are dropped while it is computed
        return model

    stale = registry.derived("a", "x", make)
    assert registry.derived("a", "x", lambda m: m) is not stale
