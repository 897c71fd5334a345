"""The schedule twins: when they are evaluated, how two cards are compared, and a tiny pair trained, resumed, exported,
loaded and sampled through the CLIs."""

import json
import math

import pytest
import torch

from gendemo.diffusion.twin_verdict import FRECHET_TIE, accuracy_margin, judge_twins, leader
from gendemo.diffusion.twins import TWINS, TwinEval, eval_steps


class FakeEncoder:
    """Stands in for the sentence encoder: a fixed unit vector per distinct text."""

    def encode(self, texts):
        vs = [torch.randn(384, generator=torch.Generator().manual_seed(sum(map(ord, s)))) for s in texts]
        return torch.stack([v / v.norm() for v in vs])


def test_eval_steps_are_the_fractions_of_the_run():
    assert eval_steps(600) == [150, 300, 600]
    assert eval_steps(5624, (0.125, 0.25, 0.5, 0.75, 1.0)) == [703, 1406, 2812, 4218, 5624]
    assert eval_steps(100, (0.25, 0.5, 1.0)) == [25, 50, 100]
    # a run shorter than the number of fractions: each step at most once, never step 0
    assert eval_steps(3) == [1, 2, 3]


def test_accuracy_margin_is_two_standard_errors():
    assert accuracy_margin(0.5, 0.5, 100) == pytest.approx(2 * math.sqrt(0.5 / 100))
    assert accuracy_margin(1.0, 1.0, 480) == 0.0


def test_leader_counts_only_differences_beyond_the_noise():
    # 0.80 vs 0.90 of 480 images: the margin is 2·√((0.16 + 0.09)/480) ≈ 0.046
    assert leader("digit_accuracy", 0.80, 0.90, 480) == "cosine"
    assert leader("colour_accuracy", 0.90, 0.80, 480) == "linear"
    assert leader("digit_accuracy", 0.90, 0.91, 480) is None
    # Fréchet: lower is better, ties within FRECHET_TIE of the larger value
    assert leader("frechet_distance", 2.0, 1.5, 480) == "cosine"
    assert leader("frechet_distance", 2.0, 2.0 * (1 - FRECHET_TIE / 2), 480) is None
    assert leader("frechet_distance", 1.0, 3.0, 480) == "linear"
    with pytest.raises(ValueError, match="unknown metric 'loss'"):
        leader("loss", 1, 2, 10)


def card(schedule, points, steps=None, config=None, lr=1e-3):
    """A JSON card as the twins' export writes it; points: (step, digit, colour, Fréchet)."""
    curve = [
        {"step": s, "digit_accuracy": d, "colour_accuracy": c, "frechet_distance": f, "n": 480} for s, d, c, f in points
    ]
    return {
        "kind": f"schedule_{schedule}",
        "schedule": schedule,
        "config": config or {"channels": [16, 32, 64]},
        "training": {
            "steps": steps or points[-1][0],
            "batch_size": 64,
            "lr": lr,
            "seed": 0,
            "train_config": {"schedule": schedule, "cond_drop": 0.12},
        },
        "metrics": {"curve": curve, "sampler": "ddim", "steps": 25, "guidance": 3.0, "seed": 0, "n": 480},
    }


def test_judge_twins_outcomes():
    early = (100, 0.2, 0.5, 5.0)
    lin = card("linear", [early, (400, 0.80, 0.95, 2.0)])
    v = judge_twins(lin, card("cosine", [(100, 0.4, 0.5, 5.0), (400, 0.95, 0.95, 2.0)]))
    assert v.outcome == "supports" and v.steps == 400
    assert v.final["digit_accuracy"] == {"linear": 0.80, "cosine": 0.95, "leader": "cosine"}
    assert v.final["colour_accuracy"]["leader"] is None and v.final["frechet_distance"]["leader"] is None
    assert v.earlier_points == 1 and v.earlier_ahead == {"cosine": 1, "linear": 0}
    assert judge_twins(lin, card("cosine", [early, (400, 0.60, 0.95, 2.0)])).outcome == "contradicts"
    assert judge_twins(lin, card("cosine", [early, (400, 0.95, 0.95, 3.0)])).outcome == "mixed"
    assert judge_twins(lin, card("cosine", [early, (400, 0.81, 0.95, 2.05)])).outcome == "tie"


def test_judge_twins_refuses_twins_trained_differently():
    pts = [(100, 0.5, 0.5, 3.0)]
    lin = card("linear", pts)
    assert judge_twins(lin, card("cosine", pts, config={"channels": [8, 16, 16]})).problem == "network config"
    assert judge_twins(lin, card("cosine", pts, lr=5e-4)).problem == "training lr"
    assert judge_twins(lin, card("linear", pts)).problem == "schedule (both the same)"
    stopped = judge_twins(card("linear", pts, steps=200), card("cosine", pts, steps=200))
    assert stopped.outcome == "not_comparable" and "stops before the end" in stopped.problem


@pytest.mark.train
def test_twins_train_alike_resume_and_sample(tmp_path, tiny_mnist, monkeypatch):
    """Both twins trained on a tiny MNIST for two epochs in two sittings (the second resumes the first): the curve is
    taken at the planned fractions and survives the resume, the cards differ only in the schedule, the exported files
    load as their own kind, and `python -m gendemo.sample diffusion --model NAME` draws from them."""
    import gendemo.diffusion.text as text_mod
    import gendemo.diffusion.train as dt
    import gendemo.diffusion.twins as tw
    from gendemo.diffusion.model import load_diffusion
    from gendemo.sample import main as sample_main
    from gendemo.train import main as train_main

    def fake_embeddings(captions, cache, encoder_name="", device="cpu"):
        g = torch.Generator().manual_seed(0)
        return torch.nn.functional.normalize(torch.randn(len(captions), 384, generator=g), dim=1).half()

    monkeypatch.setattr(dt, "caption_embeddings", fake_embeddings)
    monkeypatch.setattr(text_mod, "get_encoder", lambda name=None, device="cpu": FakeEncoder())
    # a cheap evaluation: one image per held-out prompt, two DDIM steps (the protocol's shape, not its cost)
    monkeypatch.setattr(tw, "EVAL", TwinEval(fractions=(0.25, 0.5, 1.0), n_per_prompt=1, steps=2))
    cards = {}
    for name in TWINS:
        out = tmp_path / "ck" / f"{name}.safetensors"
        args = [name, "--data-dir", str(tiny_mnist), "--out", str(out), "--run-dir", str(tmp_path / name)]
        args += ["--quiet", "--batch-size", "32", "--precision", "fp32", "--steps", "16"]
        args += ["--set", "channels=8,16,16", "--set", "cond_dim=32", "--set", "groups=4", "--set", "heads=2"]
        first = train_main([*args, "--epochs", "1"])  # 256 images at batch 32: 8 steps, stopped half-way
        assert first["training"]["steps"] == 8
        part = json.loads(out.with_suffix(".json").read_text())
        assert [c["step"] for c in part["metrics"]["curve"]] == [4, 8]
        train_main([*args, "--epochs", "2", "--resume"])
        cards[name] = json.loads(out.with_suffix(".json").read_text())
        m = cards[name]["metrics"]
        assert [c["step"] for c in m["curve"]] == [4, 8, 16]
        assert m["digit_accuracy"] == m["curve"][-1]["digit_accuracy"] and m["n"] == m["prompts"] == 120
        assert cards[name]["kind"] == name and cards[name]["schedule"] == TWINS[name]
        assert cards[name]["rebuild"] == f"python -m gendemo.train {name}"
        model, _ = load_diffusion(out, kind=name)
        assert model.schedule.name == TWINS[name]
        paths = sample_main(
            ["diffusion", "--model", name, "--checkpoint", str(out), "--prompt", "a red seven", "--n", "2"]
            + ["--steps", "2", "--out", str(tmp_path / "s" / name)]
        )
        assert len(paths) == 2
    lin, cos = cards["schedule_linear"], cards["schedule_cosine"]
    assert lin["config"] == cos["config"] and lin["config"]["channels"] == [8, 16, 16]
    assert {k: v for k, v in lin["training"]["train_config"].items() if k != "schedule"} == {
        k: v for k, v in cos["training"]["train_config"].items() if k != "schedule"
    }
    assert judge_twins(lin, cos).outcome != "not_comparable"
    with pytest.raises(SystemExit, match="fixed by the model's name"):
        train_main(
            ["schedule_linear", "--data-dir", str(tiny_mnist), "--set", "schedule=cosine", "--quiet"]
            + ["--out", str(tmp_path / "x" / "x.safetensors"), "--run-dir", str(tmp_path / "x")]
        )
