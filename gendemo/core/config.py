"""Model configs are dataclasses:
overridden from the command line (--set KEY=VALUE) and rebuilt from a checkpoint's card.

A config rebuilt from a card is checked before anything is built from it: each config class names the range of every
field in its `BOUNDS` mapping (one place per model), and `config_from_card` refuses unknown keys, wrong types, values
out of range and nested structures, so a card cannot make the loader allocate gigabytes for a model that will not fit
its weights anyway.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from gendemo.catalog import rebuild_command
from gendemo.core.checkpoints import CardConfig, CheckpointError

C = TypeVar("C")


@dataclass(frozen=True)
class Bound:
    """The allowed values of one config field. `kind` is int, float, bool or str; a tuple field sets `items`."""

    kind: str
    lo: float | None = None
    hi: float | None = None
    items: tuple[int, int] | None = None  # a tuple field: the fewest and most entries
    choices: tuple[str, ...] | None = None

    def check(self, name: str, value: Any) -> Any:
        if self.items is not None:
            if not isinstance(value, (list, tuple)):
                raise ValueError(f"{name} must be a list of {self.kind}s, not {_type_name(value)}")
            lo, hi = self.items
            if not lo <= len(value) <= hi:
                raise ValueError(f"{name} has {len(value)} entries; it takes {lo} to {hi}")
            return tuple(self._scalar(f"{name}[{i}]", v) for i, v in enumerate(value))
        return self._scalar(name, value)

    def _scalar(self, name: str, v: Any) -> Any:
        # JSON true is an int to Python: a bool is accepted only where a bool is meant, and a float never as an int.
        if self.kind == "bool":
            if not isinstance(v, bool):
                raise ValueError(f"{name} must be true or false, not {_type_name(v)}")
            return v
        if self.kind == "str":
            if not isinstance(v, str):
                raise ValueError(f"{name} must be a string, not {_type_name(v)}")
            if self.choices is not None and v not in self.choices:
                raise ValueError(f"{name} {v[:40]!r} is not one of {', '.join(self.choices)}")
            return v
        if isinstance(v, bool) or not isinstance(v, (int, float)) or (self.kind == "int" and isinstance(v, float)):
            raise ValueError(f"{name} must be a{'n int' if self.kind == 'int' else ' number'}, not {_type_name(v)}")
        if self.kind == "float":
            v = float(v)
            if not math.isfinite(v):
                raise ValueError(f"{name} must be a finite number, not {v}")
        if (self.lo is not None and v < self.lo) or (self.hi is not None and v > self.hi):
            raise ValueError(f"{name} = {_short(v)} is outside {_short(self.lo)}..{_short(self.hi)}")
        return v


def ints(lo: int, hi: int, items: tuple[int, int] | None = None) -> Bound:
    return Bound("int", lo, hi, items)


def floats(lo: float, hi: float) -> Bound:
    return Bound("float", lo, hi)


def flag() -> Bound:
    return Bound("bool")


def one_of(*names: str) -> Bound:
    return Bound("str", choices=tuple(names))


def _type_name(v: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", type(None): "null", bool: "a bool"}.get(
        type(v), type(v).__name__
    )


def _short(v: Any) -> str:
    s = repr(v)
    return s if len(s) <= 24 else s[:20] + "…"


def apply_overrides(cfg: C, overrides: dict[str, str]) -> C:
    """--set key=value for a dataclass config; unknown keys fail loudly."""
    fields = {f.name: f for f in dataclasses.fields(cfg)}
    changes = {}
    for k, v in overrides.items():
        if k not in fields:
            raise ValueError(f"unknown config field {k!r} for {type(cfg).__name__} (fields: {', '.join(fields)})")
        cur = getattr(cfg, k)
        if isinstance(cur, bool):
            changes[k] = v.lower() in ("1", "true", "yes")
        elif isinstance(cur, tuple):
            changes[k] = tuple(type(cur[0])(x) for x in v.split(","))
        else:
            changes[k] = type(cur)(v)
    return dataclasses.replace(cfg, **changes)


def check_config(cls: type[C], d: Any) -> C:
    """A config of `cls` from JSON-like values, every field checked against `cls.BOUNDS`; ValueError says which field.
    Fields the card leaves out keep their defaults (cards written before a field existed still load)."""
    if not isinstance(d, dict):
        raise ValueError(f"the config must be an object, not {_type_name(d)}")
    bounds: dict[str, Bound] = getattr(cls, "BOUNDS", {})
    fields = [f.name for f in dataclasses.fields(cls)]
    unknown = [k for k in d if k not in fields]
    if unknown:
        raise ValueError(f"unknown field {str(unknown[0])[:40]!r} (fields: {', '.join(fields)})")
    values = {}
    for k, v in d.items():
        if k not in bounds:  # a field added without its range is a bug to fix here, not a value to trust
            raise ValueError(f"{cls.__name__}.BOUNDS has no entry for {k!r}")
        values[k] = bounds[k].check(k, v)
    try:
        return cls(**values)
    except (TypeError, ValueError) as e:  # a check in the config's own __post_init__ (fields that must agree)
        raise ValueError(str(e)) from None


def config_from_card(cls: type[C], d: Any, source: Path | None = None, kind: str | None = None) -> C:
    """The config stored in a card, checked; CheckpointError names the card and the command that rebuilds it.
    A config read by core.checkpoints knows its card, so callers need not pass `source` and `kind`."""
    if isinstance(d, CardConfig):
        source, kind = source or d.source, kind or d.kind
    try:
        return check_config(cls, d)
    except ValueError as e:
        where = f"{source}" if source else "a checkpoint card"
        rebuild = f" Rebuild it with: {rebuild_command(kind)}" if kind else ""
        raise CheckpointError(f"{where} has a config that {cls.__name__} refuses ({e}).{rebuild}") from None
