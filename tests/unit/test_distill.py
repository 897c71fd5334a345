"""Guidance distillation: the guidance input of the U-Net, the teacher's target, the student's starting point, both
forward paths of a distilled net, and a tiny run trained, resumed, exported, loaded and sampled through the CLIs."""

import json

import pytest
import torch
from support.unets import TINY, tiny_net

from gendemo.core.checkpoints import sha256_file
from gendemo.core.paths import CHECKPOINT_DIR
from gendemo.diffusion.distill import (
    GUIDANCE_COMMON,
    GUIDANCE_RANGE,
    AutocastTeacher,
    draw_guidance,
    guided_target,
)
from gendemo.diffusion.fast_unet import FastUNet
from gendemo.diffusion.model import build_net
from gendemo.diffusion.sampling import predict_eps
from gendemo.diffusion.unet import UNetConfig


def inputs(b=4, seed=1):
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(b, 3, 28, 28, generator=g)
    t = torch.randint(1, 1001, (b,), generator=g)
    text = torch.nn.functional.normalize(torch.randn(b, 384, generator=g), dim=1)
    return x, t, text


def test_the_guidance_input_is_required_exactly_when_configured():
    plain, distilled = tiny_net(TINY), tiny_net(UNetConfig(**{**TINY.__dict__, "guidance_input": True}))
    x, t, text = inputs()
    w = torch.full((4,), 3.0)
    with torch.no_grad():
        assert plain(x, t, text).shape == distilled(x, t, text, guidance=w).shape == (4, 3, 28, 28)
        with pytest.raises(ValueError, match="needs a guidance input"):
            distilled(x, t, text)
        with pytest.raises(ValueError, match="takes no guidance input"):
            plain(x, t, text, guidance=w)
    assert not hasattr(plain, "guidance_mlp")


def test_a_fresh_student_is_its_teachers_conditional_prediction():
    """The guidance embedding's output layer starts at zero: copied weights + any w = the teacher's ε̂(x, text)."""
    teacher = tiny_net(TINY)
    torch.manual_seed(5)
    student = build_net(UNetConfig(**{**TINY.__dict__, "guidance_input": True})).eval()
    missing, unexpected = student.load_state_dict(teacher.state_dict(), strict=False)
    assert not unexpected and missing and all(k.startswith("guidance_mlp.") for k in missing)
    x, t, text = inputs()
    with torch.no_grad():
        for w in (0.0, 3.0, 10.0):
            assert torch.equal(student(x, t, text, guidance=torch.full((4,), w)), teacher(x, t, text))


def test_the_target_is_classifier_free_guidance_per_image():
    """ε̂(x, ∅) + w·(ε̂(x, text) − ε̂(x, ∅)) with each image at its own t and w, against the fp32 module's two passes."""
    teacher = tiny_net(TINY)
    x, t, text = inputs()
    null = teacher.null_embedding(4).detach()
    w = torch.tensor([0.0, 1.0, 3.0, 7.5])
    with torch.no_grad():
        got = guided_target(FastUNet(teacher), x, t, text, null, w)
        on_gpu = guided_target(AutocastTeacher(teacher), x, t, text, null, w)  # the teacher a GPU run uses
        c, u = teacher(x, t, text), teacher(x, t, null)
        with torch.autocast("cpu", torch.bfloat16):
            c16, u16 = teacher(x, t, text).float(), teacher(x, t, null).float()
    want = u + w.view(-1, 1, 1, 1) * (c - u)
    as_autocast = u16 + w.view(-1, 1, 1, 1) * (c16 - u16)
    assert got.dtype == on_gpu.dtype == torch.float32 and got.shape == on_gpu.shape == want.shape
    assert torch.allclose(on_gpu, as_autocast, atol=1e-6)
    assert not on_gpu.requires_grad
    # the teacher's inference copy runs in bf16: per image, no further from fp32 than the module under bf16 autocast
    for i in range(4):
        err, bf16_err = (got[i] - want[i]).abs().mean(), (as_autocast[i] - want[i]).abs().mean()
        assert err <= 1.5 * bf16_err + 1e-4, (i, err, bf16_err)
    assert (got[0] - u[0]).abs().mean() < 0.02 * u[0].abs().mean()  # w = 0: the unconditional estimate
    assert (got[1] - c[1]).abs().mean() < 0.02 * c[1].abs().mean()  # w = 1: the conditional one


def test_guidance_scales_cover_the_slider_and_favour_the_common_range():
    w = draw_guidance(2000, torch.Generator().manual_seed(0))
    wide, common = w[:1000], w[1000:]
    assert GUIDANCE_RANGE[0] <= wide.min() < 0.1 and 9.9 < wide.max() <= GUIDANCE_RANGE[1]
    assert GUIDANCE_COMMON[0] <= common.min() < 1.1 and 4.9 < common.max() <= GUIDANCE_COMMON[1]
    assert torch.equal(w, draw_guidance(2000, torch.Generator().manual_seed(0)))  # the seed decides
    assert draw_guidance(5, torch.Generator()).shape == (5,)


def test_a_distilled_net_samples_in_one_pass_on_both_paths():
    """predict_eps gives a guidance-distilled net w as an input (no doubled batch), on the fast path and the module."""
    net = tiny_net(UNetConfig(**{**TINY.__dict__, "guidance_input": True}))
    x, _, text = inputs()
    null = net.null_embedding(4).detach()
    calls = []
    net.register_forward_hook(lambda m, args, kw, out: calls.append(args[0].shape[0]), with_kwargs=True)
    with torch.no_grad():
        want = net(x, torch.full((4,), 400), text, guidance=torch.full((4,), 3.0))
        calls.clear()
        ref = predict_eps(net, x, 400, text, null, 3.0, precision="fp32", fast=False)
        assert calls == [4]  # one pass of the batch, not of 2 × 4
        fast = predict_eps(net, x, 400, text, null, 3.0, precision="bf16")
        again = predict_eps(net, x, 400, text, null, 3.0, precision="bf16")  # cached text and w features
    assert torch.allclose(ref, want, atol=1e-5)
    assert (fast - want).abs().mean() < 0.02 * want.abs().mean()
    assert torch.equal(fast, again)
    other = predict_eps(net, x, 400, text, null, 5.0, precision="bf16")
    assert (other - fast).abs().mean() > 0.01 * fast.abs().mean()  # w reaches the output


@pytest.mark.train
def test_distillation_trains_resumes_exports_and_samples(tmp_path, tiny_mnist, monkeypatch):
    """A few steps on a tiny MNIST in two sittings: the student copies the shipped teacher's network plus the guidance
    input, its card names the teacher by sha256, and the file loads and samples as diffusion_distilled."""
    import gendemo.diffusion.text as text_mod
    import gendemo.diffusion.train as dt
    from gendemo.diffusion.model import load_diffusion
    from gendemo.sample import main as sample_main
    from gendemo.train import main as train_main

    def fake_embeddings(captions, cache, encoder_name="", device="cpu"):
        g = torch.Generator().manual_seed(0)
        return torch.nn.functional.normalize(torch.randn(len(captions), 384, generator=g), dim=1).half()

    class FakeEncoder:
        def encode(self, texts):
            vs = [torch.randn(384, generator=torch.Generator().manual_seed(sum(map(ord, s)))) for s in texts]
            return torch.stack([v / v.norm() for v in vs])

    monkeypatch.setattr(dt, "caption_embeddings", fake_embeddings)
    monkeypatch.setattr(text_mod, "get_encoder", lambda name=None, device="cpu": FakeEncoder())
    out = tmp_path / "ck" / "diffusion_distilled.safetensors"
    args = ["diffusion_distilled", "--data-dir", str(tiny_mnist), "--out", str(out), "--run-dir", str(tmp_path / "r")]
    args += ["--quiet", "--no-eval", "--batch-size", "16", "--set", "quick_eval_steps=0"]
    first = train_main([*args, "--steps", "2"])
    assert first["training"]["steps"] == 2
    train_main([*args, "--steps", "4", "--resume"])
    card = json.loads(out.with_suffix(".json").read_text())
    teacher = json.loads((CHECKPOINT_DIR / "diffusion.json").read_text())
    assert card["kind"] == "diffusion_distilled" and card["training"]["steps"] == 4
    assert card["config"] == {**teacher["config"], "guidance_input": True}
    assert card["distilled_from"] == {
        "checkpoint": "diffusion.safetensors",
        "sha256": sha256_file(CHECKPOINT_DIR / "diffusion.safetensors"),
    }
    assert card["guidance_range"] == list(GUIDANCE_RANGE) and card["schedule"] == teacher["schedule"]
    assert "w" in card["training"]["loss"] and card["training"]["train_config"]["text_aux_weight"] == 0
    model, _ = load_diffusion(out, kind="diffusion_distilled")
    assert model.net.cfg.guidance_input
    paths = sample_main(
        ["diffusion", "--model", "diffusion_distilled", "--checkpoint", str(out), "--prompt", "a red seven"]
        + ["--n", "2", "--steps", "2", "--out", str(tmp_path / "s")]
    )
    assert len(paths) == 2
    with pytest.raises(SystemExit, match="cannot change"):
        train_main([*args, "--set", "channels=8,16,16", "--run-dir", str(tmp_path / "x")])
    with pytest.raises(SystemExit, match="cannot change"):  # the student starts as the teacher, not elsewhere
        train_main([*args, "--set", f"init_from={out}", "--run-dir", str(tmp_path / "y")])
