"""Model configs are dataclasses:
overridden from the command line (--set KEY=VALUE) and rebuilt from a checkpoint's card."""

from __future__ import annotations

import dataclasses
from typing import TypeVar

C = TypeVar("C")


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


def config_from_card(cls: type[C], d: dict) -> C:
    # JSON has no tuples: the card stores (256, 512, 1024) as a list, and a frozen-looking config must get it back.
    return cls(**{k: tuple(v) if isinstance(v, list) else v for k, v in d.items()})
