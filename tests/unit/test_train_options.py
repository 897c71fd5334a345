"""The training CLI's options as a typed dataclass and the Task protocol (issue 29, item 5): every flag is a field with
the same default, the namespace stops at the CLI, and every catalog task has what the shared loop calls."""

import dataclasses
import inspect

import pytest

from gendemo.catalog import entry, names_with, resolve
from gendemo.core.training import Task, TaskDefaults, TrainOptions
from gendemo.train import build_parser, options_from


def test_every_flag_is_a_typed_field_with_the_same_default():
    fields = {f.name: f for f in dataclasses.fields(TrainOptions)}
    flags = {a.dest: a.default for a in build_parser()._actions if a.dest != "help"}
    assert flags.pop("set") == [] and "overrides" in fields  # --set KEY=VALUE arrives parsed, as a dict
    assert set(flags) | {"overrides"} == set(fields)
    for name, default in flags.items():
        f = fields[name]
        assert (f.default if f.default is not dataclasses.MISSING else None) == default, name


def test_the_cli_builds_the_options_once():
    o = options_from(build_parser().parse_args(["gan", "--set", "d_dropout=0.1", "--set", "x=a=b", "--no-eval"]))
    assert o == TrainOptions(model="gan", no_eval=True, overrides={"d_dropout": "0.1", "x": "a=b"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        o.seed = 1  # the loop and the tasks read the options; what they change lives on the Trainer


@pytest.mark.parametrize("name", names_with("task"))
def test_every_catalog_task_has_what_the_loop_calls(name):
    cls = resolve(entry(name).task)
    required = {k for k in TaskDefaults.__annotations__ if k in TaskDefaults.__required_keys__}
    assert required <= set(cls.defaults) <= set(TaskDefaults.__annotations__)
    for method in ("setup", "train_step", "end_epoch", "state", "load_state", "export"):
        wanted = list(inspect.signature(getattr(Task, method)).parameters)
        got = list(inspect.signature(getattr(cls, method)).parameters)
        assert got[: len(wanted)] == wanted, (name, method, got)
    # only the GAN has recipes, so only it may name its files after one (the loop refuses --recipe elsewhere)
    assert hasattr(cls, "artifact_name") == (name == "gan")
