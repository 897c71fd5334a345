"""The catalog is the one list of models: every column names real code, and every CLI and the app read it."""

import pytest
import torch

from gendemo.catalog import CATALOG, Entry, entry, names_with, rebuild_command, resolve

COLUMNS = ("task", "evaluator", "sample", "bench", "loader")


@pytest.mark.parametrize("name", list(CATALOG))
def test_every_column_names_real_code(name):
    e = CATALOG[name]
    assert e.name == name and e.family in ("gan", "diffusion", "classifier")
    for col in COLUMNS:
        spec = getattr(e, col)
        if spec:
            module = spec.split(":")[0]
            assert module.startswith(f"gendemo.{e.family}."), f"{name}.{col} lives outside its family: {spec}"
            assert callable(resolve(spec)), spec
    assert set(e.needs) <= set(names_with("loader")), e.needs


def test_the_clis_offer_exactly_the_catalog():
    from gendemo.sample import build_parser as sample_parser
    from gendemo.train import build_parser as train_parser

    train_choices = next(a for a in train_parser()._actions if a.dest == "model").choices
    twins = ["schedule_linear", "schedule_cosine"]
    trained = ["classifier", "gan", "cgan", "diffusion", "diffusion_distilled", *twins]
    assert list(train_choices) == names_with("task") == trained
    sub = next(a for a in sample_parser()._actions if a.dest == "model")
    assert list(sub.choices) == names_with("sample") == ["gan", "cgan", "diffusion"]
    assert names_with("evaluator") == [*trained, "real"]


def test_rebuild_commands_and_unknown_names():
    assert rebuild_command("gan_directions") == "python -m gendemo.latent fit"
    assert rebuild_command("gan_snapshots") == "python -m gendemo.train gan"
    assert rebuild_command("something_new") == "python -m gendemo.train something_new"
    with pytest.raises(ValueError, match="unknown model 'nope'"):
        entry("nope")


def test_reading_the_catalog_imports_no_model_code():
    import sys

    from support import procs

    code = "import sys, gendemo.catalog; print(sorted(m for m in sys.modules if m.startswith('gendemo')))"
    out = procs.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "['gendemo', 'gendemo.catalog']"


def test_registry_loads_with_needs_passed_in(monkeypatch):
    # A loader that needs other models gets them from the registry, as keyword arguments.
    import gendemo.app.registry as reg
    import gendemo.catalog as cat

    calls = []
    fake = {
        "a": Entry("a", "gan", "make a", loader="tests:a"),
        "b": Entry("b", "gan", "make b", loader="tests:b", needs=("a",)),
    }
    monkeypatch.setattr(cat, "CATALOG", fake)
    monkeypatch.setattr(reg, "CATALOG", fake)
    loaders = {
        "tests:a": lambda device: calls.append("a") or "A",
        "tests:b": lambda device, a: calls.append(("b", a)) or "B",
    }
    monkeypatch.setattr(reg, "resolve", loaders.__getitem__)
    r = reg.Registry()
    assert r.get("b") == "B" and r.get("b") == "B" and calls == ["a", ("b", "A")]  # each loaded once
    with pytest.raises(ValueError, match="unknown model 'c'"):
        r.get("c")


def test_registry_serves_models_that_record_no_graph(monkeypatch):
    import gendemo.app.registry as reg
    import gendemo.catalog as cat

    fake = {"net": Entry("net", "gan", "make net", loader="tests:net"), "many": Entry("many", "gan", "m", loader="t:m")}
    monkeypatch.setattr(cat, "CATALOG", fake)
    monkeypatch.setattr(reg, "CATALOG", fake)
    loaders = {"tests:net": lambda device: torch.nn.Linear(3, 2), "t:m": lambda device: {1: torch.nn.Linear(2, 2)}}
    monkeypatch.setattr(reg, "resolve", loaders.__getitem__)
    r = reg.Registry()
    net, many = r.get("net"), r.get("many")
    assert not any(p.requires_grad for p in [*net.parameters(), *many[1].parameters()])
    assert net(torch.ones(1, 3)).grad_fn is None
