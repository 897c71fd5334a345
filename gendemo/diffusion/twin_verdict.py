"""What the schedule twins' cards say about the chapter's claim that the cosine schedule helps the model learn.

At each evaluated point of training the two twins are compared metric by metric; a twin is "ahead" only by more than
the measurement's own noise, so a difference the evaluation could produce by chance reads as a tie. The outcome is
decided at the end of the run (the exported models); the earlier points say which twin got there sooner.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

ACCURACIES = ("digit_accuracy", "colour_accuracy")  # higher is better; shares of n judged images
FRECHET = "frechet_distance"  # lower is better
COMPARED = (*ACCURACIES, FRECHET)
# A Fréchet distance from a few hundred samples is itself noisy and has no simple standard error; as a fixed rule
# (chosen before the twins were measured, not fitted to them), differences under this share of the larger value are
# not read as one twin being better.
FRECHET_TIE = 0.10
Z = 2.0  # accuracies: a difference counts beyond two standard errors of the difference of two shares
OUTCOMES = ("supports", "contradicts", "mixed", "tie", "not_comparable")


def accuracy_margin(p1: float, p2: float, n: int) -> float:
    """Two standard errors of p1 − p2 for shares of n independent images each."""
    return Z * math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / max(1, n))


def leader(metric: str, linear: float, cosine: float, n: int) -> str | None:
    """'cosine' or 'linear' when that twin is better on `metric` by more than the noise, else None."""
    if metric in ACCURACIES:
        gain, margin = cosine - linear, accuracy_margin(linear, cosine, n)
    elif metric == FRECHET:
        gain, margin = linear - cosine, FRECHET_TIE * max(linear, cosine)
    else:
        raise ValueError(f"unknown metric {metric!r} (choose from {', '.join(COMPARED)})")
    if abs(gain) <= margin:
        return None
    return "cosine" if gain > 0 else "linear"


@dataclass(frozen=True)
class Verdict:
    outcome: str  # one of OUTCOMES: what the end of the run says about the claim
    steps: int  # the run's length (the last evaluated step)
    final: dict  # metric → {"linear": value, "cosine": value, "leader": "cosine" | "linear" | None}
    earlier_points: int  # evaluated points before the end
    earlier_ahead: dict  # {"cosine": k, "linear": m}: (metric, point) pairs each led before the end
    problem: str = ""  # why the twins are not comparable (outcome "not_comparable")


def _same_recipe(linear: dict, cosine: dict) -> str:
    """'' when two cards describe the same training except for the schedule, else what differs."""
    if linear.get("config") != cosine.get("config"):
        return "network config"
    lt, ct = linear.get("training", {}), cosine.get("training", {})
    for key in ("steps", "batch_size", "lr", "seed"):
        if lt.get(key) != ct.get(key):
            return f"training {key}"
    strip = lambda tc: {k: v for k, v in (tc or {}).items() if k != "schedule"}
    if strip(lt.get("train_config")) != strip(ct.get("train_config")):
        return "training config"
    if linear.get("schedule") == cosine.get("schedule"):
        return "schedule (both the same)"
    return ""


def judge_twins(linear: dict, cosine: dict) -> Verdict:
    """The verdict from the two JSON cards (`schedule_linear`, `schedule_cosine`)."""
    lc = {c["step"]: c for c in linear.get("metrics", {}).get("curve", [])}
    cc = {c["step"]: c for c in cosine.get("metrics", {}).get("curve", [])}
    steps = sorted(set(lc) & set(cc))
    problem = _same_recipe(linear, cosine)
    if not problem and not steps:
        problem = "no evaluated point in common"
    if not problem and steps[-1] != linear.get("training", {}).get("steps"):
        problem = "the curve stops before the end of the run"
    if problem:
        return Verdict("not_comparable", steps[-1] if steps else 0, {}, 0, {"cosine": 0, "linear": 0}, problem)
    final = {}
    for m in COMPARED:
        lv, cv = lc[steps[-1]][m], cc[steps[-1]][m]
        final[m] = {
            "linear": lv,
            "cosine": cv,
            "leader": leader(m, lv, cv, min(lc[steps[-1]]["n"], cc[steps[-1]]["n"])),
        }
    ahead = {"cosine": 0, "linear": 0}
    for s in steps[:-1]:
        for m in COMPARED:
            who = leader(m, lc[s][m], cc[s][m], min(lc[s]["n"], cc[s]["n"]))
            if who:
                ahead[who] += 1
    leads = {v["leader"] for v in final.values()} - {None}
    outcome = {frozenset(): "tie", frozenset({"cosine"}): "supports", frozenset({"linear"}): "contradicts"}.get(
        frozenset(leads), "mixed"
    )
    return Verdict(outcome, steps[-1], final, len(steps) - 1, ahead)
