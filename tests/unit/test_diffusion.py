import json

import numpy as np
import pytest
import torch
from safetensors.torch import load_file
from support.unets import TINY
from support.unets import tiny_net as support_tiny_net

from gendemo.diffusion.figures import noising_rows, schedule_curves
from gendemo.diffusion.model import Diffusion, load_diffusion
from gendemo.diffusion.sampling import (
    Frame,
    embed_prompts,
    generate,
    generate_stream,
    img2img,
    predict_eps,
    q_sample,
    same_noise_batch,
    training_loss,
)
from gendemo.diffusion.schedules import make_schedule
from gendemo.diffusion.unet import UNet, UNetConfig


def tiny_net(seed=0):
    return support_tiny_net(TINY, seed)


def tiny_model(T=1000, seed=0) -> Diffusion:
    return Diffusion(tiny_net(seed), make_schedule("cosine", T))


class FakeEncoder:
    """Stands in for the sentence encoder: a fixed unit vector per distinct text."""

    def encode(self, texts):
        out = []
        for s in texts:
            g = torch.Generator().manual_seed(sum(map(ord, s)))
            v = torch.randn(384, generator=g)
            out.append(v / v.norm())
        return torch.stack(out)


ENC = FakeEncoder()


def test_unet_shapes_and_size():
    m = UNet(UNetConfig())
    n = sum(p.numel() for p in m.parameters())
    assert 1_000_000 <= n <= 2_000_000, n
    x = torch.randn(2, 3, 28, 28)
    assert m(x, torch.tensor([1, 1000]), torch.randn(2, 384)).shape == x.shape


def test_q_sample_statistics():
    s = make_schedule("cosine", 1000)
    g = torch.Generator().manual_seed(0)
    x0 = torch.full((200_000,), 0.6)
    for t in (1, 100, 500, 900):
        xt = q_sample(s, x0, t, torch.randn(x0.shape, generator=g))
        ab = s.alpha_bar(t).item()
        assert xt.mean().item() == pytest.approx(ab**0.5 * 0.6, abs=0.01), t
        assert xt.var().item() == pytest.approx(1 - ab, rel=0.02, abs=2e-4), t
    assert torch.equal(q_sample(s, x0[:10], 0, torch.randn(10)), x0[:10])  # t = 0: the clean image


def test_training_loss_is_finite_and_trains():
    m = tiny_net().train()
    g = torch.Generator().manual_seed(0)
    loss = training_loss(m, make_schedule("cosine", 1000), torch.rand(4, 3, 28, 28) * 2 - 1, torch.randn(4, 384), g)
    assert loss.ndim == 0 and torch.isfinite(loss)
    loss.backward()
    assert m.stem.weight.grad is not None and m.null_text.grad is None  # the null vector only trains when used


def test_cfg_scale_one_is_the_conditional_prediction_and_the_batch_is_doubled():
    dm = tiny_model()
    m = dm.net
    x, text = torch.randn(3, 3, 28, 28), torch.randn(3, 384)
    null = m.null_embedding(3)
    tt = torch.full((3,), 500)
    with torch.no_grad():
        cond, uncond = m(x, tt, text), m(x, tt, null)
        # the module itself (fast=False): exactly; the fp32 fast path to float rounding
        assert torch.equal(predict_eps(m, x, 500, text, null, 1.0, fast=False), cond)
        assert torch.equal(predict_eps(m, x, 500, text, null, 0.0, fast=False), uncond)
        assert torch.allclose(predict_eps(m, x, 500, text, null, 1.0), cond, atol=1e-4)
        guided = uncond + 3 * (cond - uncond)
        assert torch.allclose(predict_eps(m, x, 500, text, null, 3.0, fast=False), guided, atol=1e-5)
    calls = []
    h = m.register_forward_hook(lambda mod, inp, out: calls.append(inp[0].shape[0]))
    generate(dm, ENC, ["a red seven"], n=3, steps=4, guidance=2.5, seed=0, precision="fp32", fast=False)
    h.remove()
    assert calls == [6] * 4  # one doubled batch per step, not two passes


def test_empty_prompt_is_the_null_embedding():
    m = tiny_net()
    emb, texts = embed_prompts(m, ENC, ["", "a blue 3", "  "])
    assert torch.equal(emb[0], m.null_text.detach()) and torch.equal(emb[2], m.null_text.detach())
    assert not torch.equal(emb[1], m.null_text.detach())
    assert texts == ["", "a blue 3", ""]
    emb, texts = embed_prompts(m, ENC, ["红色的七"])
    assert texts == ["a red seven"]


@pytest.mark.parametrize("sampler,T,steps", [("ddim", 1000, 10), ("ddpm", 40, None), ("dpmpp2m", 1000, 10)])
def test_sampling_is_deterministic_per_seed(sampler, T, steps):
    m = tiny_model(T)
    kw = dict(n=2, guidance=2.0, sampler=sampler, precision="fp32", **({"steps": steps} if steps else {}))
    a = generate(m, ENC, ["a red seven", ""], seed=7, **kw)
    b = generate(m, ENC, ["a red seven", ""], seed=7, **kw)
    c = generate(m, ENC, ["a red seven", ""], seed=8, **kw)
    assert a.shape == (4, 3, 28, 28) and a.min() >= 0 and a.max() <= 1
    assert torch.equal(a, b)
    assert (a - c).abs().mean() > 1e-3
    assert (a[0] - a[1]).abs().mean() > 1e-3  # the n samples of a prompt differ


def test_stream_frames_and_callback():
    m = tiny_model()
    frames = list(generate_stream(m, ENC, "a green 4", n=1, steps=10, seed=0, every=3, precision="fp32"))
    assert [f.step for f in frames] == [3, 6, 9, 10] and [f.done for f in frames] == [False, False, False, True]
    assert frames[-1].t == 0 and frames[0].t > frames[1].t
    seen = []
    out = generate(m, ENC, "a green 4", n=1, steps=10, seed=0, every=3, callback=seen.append, precision="fp32")
    assert len(seen) == 4 and isinstance(seen[0], Frame) and torch.equal(out, frames[-1].x0)


def test_stream_can_start_with_the_pure_noise():
    """start=True: a first frame at step 0 holds x_T, the seed's pure noise (the replay's first frame), with a grey
    guess; the frames after it are unchanged."""
    m = tiny_model()
    first, *rest = generate_stream(m, ENC, "a green 4", n=2, steps=10, seed=0, every=3, precision="fp32", start=True)
    same = list(generate_stream(m, ENC, "a green 4", n=2, steps=10, seed=0, every=3, precision="fp32"))
    assert (first.step, first.steps, first.t, first.done) == (0, 10, 1000, False)
    assert torch.all(first.x0 == 0.5) and first.x_t.std() > 0.2  # noise, in [0, 1] for display
    assert [f.step for f in rest] == [3, 6, 9, 10] and torch.equal(rest[-1].x0, same[-1].x0)
    ddpm = next(iter(generate_stream(m, ENC, "", n=1, seed=0, sampler="ddpm", precision="fp32", start=True)))
    assert (ddpm.step, ddpm.steps) == (0, 1000)


def test_img2img_strength_ends():
    m = tiny_model()
    img = torch.rand(3, 28, 28)
    out = img2img(m, ENC, img, "a red seven", strength=0.0, n=2)
    assert torch.equal(out, img[None].expand(2, -1, -1, -1))  # 0: the image unchanged
    full = img2img(m, ENC, img, "a red seven", strength=1.0, n=2, steps=10, seed=3, precision="fp32")
    assert torch.equal(full, generate(m, ENC, "a red seven", n=2, steps=10, seed=3, precision="fp32"))  # 1: pure noise
    half = img2img(m, ENC, img, "a red seven", strength=0.4, n=1, steps=10, seed=3, precision="fp32")
    assert half.shape == (1, 3, 28, 28)
    # DDPM draws fresh noise at every step: it too comes from the seed, so a redrawing repeats exactly
    m40 = tiny_model(T=40)

    def redraw(seed):
        return img2img(m40, ENC, img, "a red seven", strength=0.5, n=2, seed=seed, sampler="ddpm", precision="fp32")

    assert torch.equal(redraw(3), redraw(3)) and not torch.equal(redraw(3), redraw(4))
    with pytest.raises(ValueError, match="strength"):
        img2img(m, ENC, img, "x", strength=1.5)


def test_unknown_sampler():
    m = tiny_model()
    with pytest.raises(ValueError, match="unknown sampler 'euler'"):
        generate(m, ENC, "a red seven", sampler="euler")


def test_noising_rows_and_curves():
    img = torch.rand(3, 40, 30)
    r = noising_rows(img, steps=9, seed=1)
    assert r["t"] == [0, 125, 250, 375, 500, 625, 750, 875, 1000]
    assert r["linear"].shape == (9, 3, 40, 30) and r["cosine"].shape == (9, 3, 40, 30)
    assert torch.allclose(r["linear"][0], img, atol=1e-6) and torch.allclose(r["cosine"][0], img, atol=1e-6)
    assert torch.equal(noising_rows(img, 9, 1)["cosine"], r["cosine"])
    # Halfway, the linear row is much closer to noise than the cosine row.
    err = lambda row: (row[4] - img).abs().mean()
    assert err(r["linear"]) > err(r["cosine"])
    c = schedule_curves(1000)
    assert len(c["t"]) == 1000 and len(c["cosine"]["alpha_bar"]) == 1000 and len(c["linear"]["snr"]) == 1000


@pytest.mark.train
def test_train_export_load_and_resume(tmp_path, tiny_mnist, monkeypatch):
    import gendemo.diffusion.train as dt
    from gendemo.train import main as train_main

    def fake_embeddings(captions, cache, encoder_name="", device="cpu"):
        return torch.nn.functional.normalize(
            torch.randn(len(captions), 384, generator=torch.Generator().manual_seed(0)), dim=1
        ).half()

    monkeypatch.setattr(dt, "caption_embeddings", fake_embeddings)
    out = tmp_path / "ck" / "diffusion.safetensors"
    args = [
        "diffusion",
        "--data-dir",
        str(tiny_mnist),
        "--out",
        str(out),
        "--run-dir",
        str(tmp_path / "run"),
        "--quiet",
        "--no-eval",
        "--batch-size",
        "32",
        "--precision",
        "fp32",
        "--epochs",
        "2",
        "--set",
        "channels=8,16,16",
        "--set",
        "cond_dim=32",
        "--set",
        "groups=4",
        "--set",
        "heads=2",
        "--set",
        "quick_eval_steps=0",
    ]
    res = train_main([*args, "--steps", "5"])
    assert res["training"]["steps"] == 5
    res = train_main([*args, "--resume"])
    assert res["training"]["steps"] == 16
    # A fine-tune (init_from): the network and its EMA start from the exported weights, its shape from their card;
    # one step at learning rate 0 exports them unchanged. Shape overrides beside it are refused.
    ft = tmp_path / "ft" / "diffusion.safetensors"
    common = ["diffusion", "--data-dir", str(tiny_mnist), "--quiet", "--no-eval", "--batch-size", "32"]
    ft_args = [*common, "--precision", "fp32", "--set", "quick_eval_steps=0", "--set", f"init_from={out}"]
    train_main([*ft_args, "--out", str(ft), "--run-dir", str(tmp_path / "ft_run"), "--steps", "1", "--lr", "0"])
    exported, tuned = load_file(str(out)), load_file(str(ft))
    assert exported.keys() == tuned.keys() and all(torch.equal(exported[k], tuned[k]) for k in exported)
    with pytest.raises(SystemExit, match="shape is the checkpoint's"):
        train_main([*ft_args, "--set", "groups=4", "--out", str(ft), "--run-dir", str(tmp_path / "ft_run2")])
    card = json.loads(out.with_suffix(".json").read_text())
    assert card["schedule"] == "cosine" and card["timesteps"] == 1000 and "float16" in card["weights"]
    assert card["text_encoder"]["name"] == "sentence-transformers/all-MiniLM-L6-v2"
    m, card2 = load_diffusion(out)
    assert m.schedule.name == "cosine" and next(m.net.parameters()).dtype == torch.float32
    img = generate(m, ENC, "a red seven", n=2, steps=3, seed=0, precision="fp32")
    assert img.shape == (2, 3, 28, 28)

    # The sample CLI: one file per prompt and sample, RGB 28×28, models loaded once.
    from PIL import Image

    import gendemo.diffusion.text as text_mod
    from gendemo.sample import main as sample_main

    monkeypatch.setattr(text_mod, "get_encoder", lambda name=None, device="cpu": ENC)
    pf = tmp_path / "prompts.txt"
    pf.write_text("a red seven\n7 in blue\n\n", encoding="utf-8")
    paths = sample_main(
        [
            "diffusion",
            "--prompts-file",
            str(pf),
            "--n",
            "2",
            "--steps",
            "2",
            "--checkpoint",
            str(out),
            "--out",
            str(tmp_path / "s"),
        ]
    )
    assert [p.name for p in paths] == ["000_00.png", "000_01.png", "001_00.png", "001_01.png"]
    im = Image.open(paths[0])
    assert im.mode == "RGB" and im.size == (28, 28)
    paths = sample_main(
        [
            "diffusion",
            "--prompt",
            "a blue 3",
            "--n",
            "3",
            "--steps",
            "2",
            "--init",
            str(paths[0]),
            "--strength",
            "0.5",
            "--checkpoint",
            str(out),
            "--out",
            str(tmp_path / "i2i"),
        ]
    )
    assert [p.name for p in paths] == ["000.png", "001.png", "002.png"]


class Oracle(torch.nn.Module):
    """The perfect noise predictor for a data set of one image: ε = (x_t − √ᾱ_t·x0)/√(1−ᾱ_t). Any correct sampler
    started anywhere must land on x0 — an off-by-one in t or a wrong coefficient does not."""

    def __init__(self, x0, T=1000, schedule="cosine"):
        super().__init__()
        self.x0 = x0
        self.cfg = UNetConfig()
        self.null_text = torch.nn.Parameter(torch.zeros(384))
        self.schedule = make_schedule(schedule, T)

    def null_embedding(self, n):
        return self.null_text[None].expand(n, -1)

    def forward(self, x, t, text):
        ab = self.schedule.alpha_bar(t.cpu()).view(-1, 1, 1, 1)
        return (x - ab.sqrt() * self.x0) / (1 - ab).sqrt()


@pytest.mark.parametrize("schedule", ["linear", "cosine"])
@pytest.mark.parametrize("sampler,steps", [("ddim", 10), ("ddim", 50), ("ddpm", None), ("dpmpp2m", 10)])
def test_samplers_recover_the_image_with_a_perfect_model(schedule, sampler, steps):
    x0 = torch.rand(1, 3, 28, 28) * 1.6 - 0.8
    oracle = Oracle(x0, 200 if sampler == "ddpm" else 1000, schedule)
    m = Diffusion(oracle, oracle.schedule)
    out = generate(m, ENC, "", n=2, steps=steps or 10, guidance=2.0, seed=0, sampler=sampler, precision="fp32")
    assert torch.allclose(out, (x0 + 1) / 2, atol=1e-3), (out - (x0 + 1) / 2).abs().max()
    img = img2img(
        m,
        ENC,
        torch.rand(3, 28, 28),
        "",
        strength=0.5,
        n=1,
        steps=steps or 10,
        seed=0,
        sampler=sampler,
        precision="fp32",
    )
    assert torch.allclose(img, (x0 + 1) / 2, atol=1e-3)


def test_clip_modes():
    from gendemo.diffusion.sampling import predict_x0

    s = make_schedule("cosine", 1000)
    x, eps = torch.full((1, 3, 4, 4), 3.0), torch.zeros(1, 3, 4, 4)
    assert (
        predict_x0(s, x, 50, eps, "always").max() == 1 and predict_x0(s, x, 50, eps, "late").max() == 1
    )  # low noise: clipped
    assert (
        predict_x0(s, x, 800, eps, "always").max() == 1 and predict_x0(s, x, 800, eps, "late").max() > 1
    )  # high noise: not in "late"
    assert predict_x0(s, x, 800, eps, "never").max() > 1
    assert torch.all(predict_x0(s, x, 1000, eps) == -0.85)  # t = T: the data mean, not x / 5e-5
    with pytest.raises(ValueError, match="unknown clip mode 'sometimes'"):
        predict_x0(s, x, 10, eps, "sometimes")


def test_evaluator_reports_accuracies():
    from gendemo.classifier.model import Classifier, ClassifierConfig
    from gendemo.diffusion.captions import load_eval_prompts
    from gendemo.diffusion.evaluate import evaluate_diffusion_model

    torch.manual_seed(0)
    judge = Classifier(ClassifierConfig(channels=(4, 8), features=16)).eval()
    prompts = load_eval_prompts()
    prompts = prompts[:4] + [p for p in prompts if p.digit is None][:1] + [p for p in prompts if p.colour is None][:1]
    r = evaluate_diffusion_model(tiny_model(), ENC, judge, prompts, n_per_prompt=2, steps=2, frechet=False)
    assert r["n"] == 12 and r["prompts"] == 6
    for k in ("digit_accuracy", "colour_accuracy", "both_accuracy"):
        assert 0.0 <= r[k] <= 1.0
    assert r["seconds_per_image"] > 0 and len(r["per_digit_accuracy"]) == 10


def test_prepare_init_cleans_a_noisy_scan_and_keeps_a_clean_stroke():
    import numpy as np

    from gendemo.diffusion.init_image import prepare_init_array

    clean = np.zeros((112, 112, 3), np.float32)
    clean[20:92, 50:62] = 1.0  # a "1": its box is nearly all stroke, so no haze may be taken off
    noisy = np.clip(
        clean * 0.5 + 0.15 * np.random.default_rng(0).standard_normal((112, 112, 1)), 0, 1
    )  # dim, speckled page
    a, b = prepare_init_array(clean), prepare_init_array(noisy)
    assert a.shape == b.shape == (3, 28, 28) and a.max() == 1 and b.max() == 1  # full contrast
    lit = lambda t: (t.amax(0) > 0.05).float().mean().item()
    assert lit(a) > 0.05  # the stroke survives
    # The speckle does not come back as a grey box around the digit (before the fix it lit 0.37 of the frame).
    assert lit(b) < 1.2 * lit(a)


def test_prepare_init_gives_a_speckled_scan_its_full_size():
    """#12 item 6: a scan's speckle reached the picture's edge, set the crop box to the whole frame and shrank the
    blurry 4 to 14 of MNIST's 20 pixels; despeckled first, it is cropped to the digit."""
    from gendemo.core.paths import EXAMPLES
    from gendemo.diffusion.init_image import despeckle, prepare_init

    rows = (prepare_init(EXAMPLES / "blurry_4.png")[0] > 0.1).any(1).nonzero()
    assert rows.max() - rows.min() + 1 >= 15
    clean = np.zeros((56, 56), np.float32)
    clean[10:46, 24:30] = 1.0
    assert despeckle(clean) is clean  # a clean border: untouched
    speckled = clean.copy()
    speckled[::7, ::5] = 0.8  # isolated dots everywhere, the border included
    out = despeckle(speckled)
    assert out[::7, ::5][out[::7, ::5] > 0].size <= 8 and out[20:40, 25:29].min() > 0.99  # dots gone, stroke kept


def test_half_lit_share_counts_the_dim_part_of_the_ink():
    from gendemo.diffusion.evaluate import half_lit_share

    x = torch.zeros(2, 3, 4, 4)
    x[0, :, 0, :] = torch.tensor([1.0, 1.0, 0.4, 0.3])  # 4 lit pixels, 2 below half the brightest
    x[1, 0, 1, 1:3] = torch.tensor([0.5, 0.2])  # red ink: the brightest channel counts; 0.2 < 0.25 is half-lit
    assert half_lit_share(x) == pytest.approx((0.5 + 0.5) / 2)


def test_img2img_takes_one_prompt_per_image():
    m = tiny_model()
    imgs = torch.rand(3, 3, 28, 28)
    out = img2img(
        m, ENC, imgs, ["a red one", "a blue two", "a green three"], strength=0.5, steps=4, seed=0, precision="fp32"
    )
    assert out.shape == (3, 3, 28, 28)
    same = img2img(m, ENC, imgs, ["a red one"] * 3, strength=0.5, steps=4, seed=0, precision="fp32")
    assert torch.equal(out[0], same[0]) and not torch.equal(out[1], same[1])  # each image got its own prompt
    with pytest.raises(ValueError, match="2 prompts for 3 images"):
        img2img(m, ENC, imgs, ["a", "b"], strength=0.5)


def test_enhancement_evaluation(tiny_mnist):
    from gendemo.classifier.model import Classifier, ClassifierConfig
    from gendemo.diffusion.evaluate import degrade, evaluate_enhancement

    poor = degrade(torch.rand(2, 1, 28, 28), size=56)
    assert len(poor) == 2 and poor[0].shape == (56, 56, 3) and poor[0].min() >= 0 and poor[0].max() <= 1
    torch.manual_seed(0)
    judge = Classifier(ClassifierConfig(channels=(4, 8), features=16)).eval()
    # T = 100: DDPM at strength 0.35 then takes 35 steps, not 350 (the measurement is the same code either way)
    r = evaluate_enhancement(tiny_model(T=100), ENC, judge, tiny_mnist, n=8)
    assert r["enhance_n"] == 8 and r["enhance_strength"] == 0.5 and r["enhance_strength_ddpm"] == 0.35
    for k in (
        "enhance_input_accuracy",
        "enhance_accuracy_empty_prompt",
        "enhance_accuracy_digit_prompt",
        "enhance_accuracy_digit_prompt_ddpm",
        "enhance_half_lit_mnist",
        "enhance_half_lit_input",
        "enhance_half_lit_ddim",
        "enhance_half_lit_ddpm",
    ):
        assert 0.0 <= r[k] <= 1.0


@pytest.mark.parametrize("sampler", ["ddim", "ddpm"])
def test_same_noise_batch_differs_only_by_the_prompt(sampler):
    # The prompt experiment: every prompt from the same x_T (and with DDPM the same fresh noise at each step), so two
    # equal prompts give the same picture, and the first is what generate(n=1) draws for that seed.
    dm = tiny_model(T=20)
    emb, _ = embed_prompts(dm.net, ENC, ["a red seven", "a red seven", "a blue two"], translate=False)
    seen = []  # the progress it reports: (steps done, steps) after each step
    x = same_noise_batch(
        dm, emb, seed=3, guidance=2.0, steps=4, sampler=sampler, on_step=lambda k, n: seen.append((k, n))
    )
    assert seen[-1][0] == seen[-1][1] == (20 if sampler == "ddpm" else 4) and len(seen) >= seen[-1][1]
    assert x.shape == (3, 3, 28, 28) and x.min() >= 0 and x.max() <= 1
    assert torch.allclose(x[0], x[1], atol=1e-5) and not torch.allclose(x[0], x[2], atol=1e-3)
    if sampler == "ddim":
        alone = generate(dm, ENC, "a red seven", n=1, steps=4, seed=3, guidance=2.0)
        assert torch.allclose(x[0], alone[0], atol=1e-5)
