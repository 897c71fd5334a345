"""FastUNet, the CPU bf16 fast path of sampling, against the plain U-Net: the same function to bf16 precision.

Tolerances are relative to what bf16 costs anyway: the fast path may differ from the fp32 network by no more than the
textbook module under bf16 autocast does (the path sampling used before), with a margin.
"""

import pytest
import torch
from support.unets import tiny_net

from gendemo.diffusion import fast_unet
from gendemo.diffusion.fast_unet import FastUNet
from gendemo.diffusion.model import Diffusion, load_diffusion
from gendemo.diffusion.sampling import generate, predict_eps
from gendemo.diffusion.schedules import make_schedule
from gendemo.diffusion.unet import UNetConfig

CONFIGS = {
    "tiny": UNetConfig(channels=(8, 16, 16), cond_dim=32, groups=4, heads=2),
    "no attention, two blocks a level": UNetConfig(
        channels=(8, 16, 24), cond_dim=32, groups=4, heads=2, attention=False, res_blocks=2
    ),
    "grey, groups of one channel": UNetConfig(channels=(4, 8, 8), cond_dim=16, groups=4, heads=1, in_channels=1),
}


def errors(out, exact):
    d = (out.float() - exact).abs()
    return d.max().item(), d.mean().item()


def assert_as_close_as_autocast(fast, autocast, exact, margin=1.5):
    """fast's error against the fp32 network is within `margin` × autocast's (mean) and 2 × (max)."""
    (f_max, f_mean), (a_max, a_mean) = errors(fast, exact), errors(autocast, exact)
    assert f_mean <= margin * a_mean + 1e-4, (f_mean, a_mean)
    assert f_max <= 2 * a_max + 1e-3, (f_max, a_max)


@pytest.fixture(scope="module")
def shipped():
    try:
        return load_diffusion(device="cpu")[0]
    except Exception as e:  # the committed checkpoint is part of the repository; say why if it cannot load
        pytest.fail(f"the committed diffusion checkpoint did not load: {e}")


@pytest.mark.parametrize("name", list(CONFIGS))
def test_forward_matches_the_unet(name):
    cfg = CONFIGS[name]
    m = tiny_net(cfg)
    g = torch.Generator().manual_seed(0)
    x = torch.randn(5, cfg.in_channels, 28, 28, generator=g)
    t = torch.tensor([1, 10, 300, 700, 1000])
    text = torch.nn.functional.normalize(torch.randn(5, 384, generator=g), dim=1)
    with torch.no_grad():
        exact = m(x, t, text)
        with torch.autocast("cpu", dtype=torch.bfloat16):
            auto = m(x, t, text).float()
        fast = FastUNet(m)(x, t, text)
    assert fast.shape == exact.shape and fast.dtype == torch.float32 and fast.is_contiguous()
    assert_as_close_as_autocast(fast, auto, exact)


@pytest.mark.parametrize("t", [1000, 500, 30, 1])
def test_guided_step_of_the_shipped_model(shipped, t):
    net = shipped.net
    g = torch.Generator().manual_seed(t)
    x = torch.randn(8, 3, 28, 28, generator=g)
    text = torch.nn.functional.normalize(torch.randn(8, 384, generator=g), dim=1)
    null = net.null_embedding(8)
    with torch.no_grad():
        exact = predict_eps(net, x, t, text, null, 3.0, "fp32")
        auto = predict_eps(net, x, t, text, null, 3.0, "bf16", fast=False)
        fast = predict_eps(net, x, t, text, null, 3.0, "bf16")
        for guidance in (0.0, 1.0):  # one plain batch, no doubling
            assert_as_close_as_autocast(
                predict_eps(net, x, t, text, null, guidance, "bf16"),
                predict_eps(net, x, t, text, null, guidance, "bf16", fast=False),
                predict_eps(net, x, t, text, null, guidance, "fp32"),
            )
    assert_as_close_as_autocast(fast, auto, exact)


def test_sampling_with_the_shipped_model_gives_the_same_images(shipped):
    g = torch.Generator().manual_seed(0)
    emb = torch.nn.functional.normalize(torch.randn(2, 384, generator=g), dim=1)
    kw = {"n": 4, "steps": 5, "guidance": 3.0, "seed": 1, "text_emb": emb}
    exact = generate(shipped, None, ["", ""], precision="fp32", **kw)
    auto = generate(shipped, None, ["", ""], precision="bf16", fast=False, **kw)
    fast = generate(shipped, None, ["", ""], precision="bf16", **kw)
    assert fast.shape == (8, 3, 28, 28) and fast.min() >= 0 and fast.max() <= 1
    assert (fast - auto).abs().mean() < 0.01  # measured 0.005: both are fp32's images up to bf16 rounding
    assert_as_close_as_autocast(fast, auto, exact)


def test_the_copy_is_reused_and_follows_the_weights():
    m = tiny_net(CONFIGS["tiny"])
    x, t, text = torch.randn(2, 3, 28, 28), torch.tensor([500, 500]), torch.randn(2, 384)
    first = fast_unet.for_net(m)
    assert fast_unet.for_net(m) is first  # no rebuild while the weights stay
    before = first(x, t, text)
    with torch.no_grad():
        m.out.bias.add_(1.0)  # an optimiser step or load_state_dict changes weights in place like this
    second = fast_unet.for_net(m)
    assert second is not first
    assert (second(x, t, text) - before).mean().item() == pytest.approx(1.0, abs=0.02)


def test_the_text_features_are_cached_per_tensor_and_version():
    m = tiny_net(CONFIGS["tiny"])
    fast = FastUNet(m)
    x = torch.randn(2, 3, 28, 28)
    text, null = torch.randn(2, 384), m.null_embedding(2).detach()
    with torch.no_grad():
        a = fast.eps(x, 500, text, null, 3.0)
        assert torch.equal(fast.eps(x, 500, text, null, 3.0), a)
        text.mul_(-1)  # same tensor, new contents: the cache must notice
        b = fast.eps(x, 500, text, null, 3.0)
        assert not torch.allclose(a, b)
        assert torch.equal(fast.eps(x, 500, text.clone(), null, 3.0), b)  # a new tensor with equal values agrees


def test_the_fast_path_serves_cpu_eval_only():
    m = tiny_net(CONFIGS["tiny"])
    cpu = torch.device("cpu")
    with torch.no_grad():
        assert fast_unet.usable(m, cpu, "bf16")
        assert fast_unet.usable(m, cpu, "fp32")  # a CPU without native bf16: the same layout in fp32
        assert not fast_unet.usable(m, cpu, "fp16")
        assert not fast_unet.usable(m.train(), cpu, "bf16")
        m.eval()
    assert not fast_unet.usable(m, cpu, "bf16")  # with gradients on, the module (which they can flow through)
    x, text = torch.randn(2, 3, 28, 28), torch.randn(2, 384)
    with torch.no_grad():
        exact = predict_eps(m, x, 500, text, text, 1.0, "fp32", fast=False)  # the textbook module, exactly
        assert torch.equal(exact, m(x, torch.full((2,), 500), text))


def test_a_tiny_model_samples_alike_on_both_paths():
    model = Diffusion(tiny_net(CONFIGS["tiny"]), make_schedule("cosine", 1000))
    emb = torch.nn.functional.normalize(torch.randn(1, 384), dim=1)
    kw = {"n": 3, "steps": 4, "guidance": 2.5, "seed": 0, "text_emb": emb, "precision": "bf16"}
    fast, auto = generate(model, None, [""], **kw), generate(model, None, [""], fast=False, **kw)
    assert (fast - auto).abs().mean() < 0.01


@pytest.mark.parametrize("name", list(CONFIGS))
def test_the_fp32_copy_is_the_unet_within_float_rounding(name):
    """On a CPU without native bf16 the app samples in fp32 through FastUNet (≈ 1.5–2× faster than the module): the
    same function as the module to float rounding, not bf16's, for a forward pass and a guided step."""
    cfg = CONFIGS[name]
    m = tiny_net(cfg)
    g = torch.Generator().manual_seed(1)
    x = torch.randn(4, cfg.in_channels, 28, 28, generator=g)
    text = torch.nn.functional.normalize(torch.randn(4, 384, generator=g), dim=1)
    with torch.no_grad():
        for t in (1, 400, 1000):
            tt = torch.full((4,), t)
            fast = fast_unet.for_net(m, "fp32")(x, tt, text)
            assert fast.dtype == torch.float32 and torch.allclose(fast, m(x, tt, text), atol=1e-4), t
        null = m.null_embedding(4)
        guided = predict_eps(m, x, 300, text, null, 4.0, "fp32")
        assert torch.allclose(guided, predict_eps(m, x, 300, text, null, 4.0, "fp32", fast=False), atol=1e-4)
        assert fast_unet.for_net(m, "fp32") is not fast_unet.for_net(m, "bf16")  # one copy per precision, kept
        assert fast_unet.for_net(m, "fp32") is fast_unet.for_net(m, "fp32")
