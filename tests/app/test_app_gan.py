"""Every GAN endpoint through gradio_client on the in-process app: defaults only, then bad input (the app's own message)
followed by a good call that must still succeed."""

import json
import re
from pathlib import Path

import pytest
from gradio_client import handle_file
from support import DATA_DIR as DATA
from support import need

from gendemo.core.paths import CHECKPOINT_DIR, EXAMPLES

CK = CHECKPOINT_DIR  # the real checkpoints/ unless GENDEMO_CHECKPOINT_DIR points elsewhere


def need_models(*names):
    for n in names:
        need((CK / n).exists(), f"checkpoints/{n} not built yet (python -m gendemo.train gan|cgan)")


def is_png(path):
    return isinstance(path, str) and path.endswith(".png")


def test_gan_sample_defaults(app_client):
    need_models("gan.safetensors")
    assert is_png(app_client.predict(api_name="/gan_sample"))


def test_gan_timeline_defaults(app_client):
    need_models("gan_timeline.npz")
    img, loss, d, shares, summary = app_client.predict(api_name="/gan_timeline")
    assert is_png(img)
    assert "Epoch" in summary
    assert loss and d and shares


def test_mode_collapse_defaults(app_client):
    need_models("gan.safetensors")
    compare, table, summary, grouped, unsure, traj, traj_text = app_client.predict(api_name="/mode_collapse")
    assert "N = 1,000" in summary and "KL" in summary
    kl = float(re.search(r"KL\(p ‖ even\) = \*\*([\d.]+) nats", summary).group(1))
    if kl < 0.05:  # the verdict follows the number: as even as MNIST's own labels (0.0014) up to sampling noise
        assert ("as evenly as real handwriting" in summary) == (kl <= 0.005), summary
    assert is_png(compare) and is_png(grouped)
    assert len(unsure) == 12
    rows = {row[0]: row for row in table["data"]}  # one row per generator: name, ten shares, KL, entropy
    assert "the chapter's table 6-1" in rows
    for row in rows.values():
        assert sum(row[1:11]) == pytest.approx(100, abs=0.6)
    assert rows["the chapter's table 6-1"][11] == pytest.approx(0.114, abs=0.002)


def test_the_share_heat_map_gives_the_first_epochs_room():
    """#33: the text points at the first epochs, which the heat map of 200 gave a sliver at its left. Its epoch axis is
    logarithmic: the first ten epochs take about half its width (GAN and Mode-collapse tabs alike)."""
    import numpy as np

    from gendemo.app.ui.gan_common import new_figure, share_heatmap

    fig, ax = new_figure(panels=1)
    share_heatmap(ax, np.full((200, 10), 0.1), "", "", "")
    lo, hi = ax.get_xlim()
    assert ax.get_xscale() == "log"
    assert 0.45 < np.log(10.5 / lo) / np.log(hi / lo) < 0.55


def test_mode_collapse_both_recipes_side_by_side(app_client):
    need_models("gan.safetensors", "gan_chapter.safetensors", "gan_chapter_timeline.npz")
    _, table, summary, _, _, traj, traj_text = app_client.predict(
        "final", 1000, 0, "chapter", api_name="/mode_collapse"
    )
    names = [row[0] for row in table["data"]]
    # each recipe by its one name (gan_common.COMMON_STRINGS)
    assert names[0].endswith("the chapter's recipe") and any(n.endswith("the remedy recipe") for n in names[1:])
    assert is_png(traj) and "after epoch 1" in traj_text and "0.114" in traj_text


def test_gan_sample_and_timeline_of_each_recipe(app_client):
    need_models("gan_chapter.safetensors", "gan_chapter_timeline.npz")
    a = app_client.predict(64, 0, "remedy", api_name="/gan_sample")
    b = app_client.predict(64, 0, "chapter", api_name="/gan_sample")
    assert is_png(a) and is_png(b) and Path(a).read_bytes() != Path(b).read_bytes()
    img, *_, summary = app_client.predict(1, "chapter", api_name="/gan_timeline")
    assert is_png(img) and "Epoch 1 of" in summary


@pytest.mark.parametrize("which,prefix", [("chapter", "gan_chapter"), ("remedy", "gan")])
def test_discriminate_each_recipes_discriminator(app_client, which, prefix):
    need_models(f"{prefix}_discriminator.safetensors", f"{prefix}_snapshots.safetensors")
    need((DATA / "MNIST" / "raw").exists(), "MNIST not prepared (python -m gendemo.data --from ../shared/data/mnist)")
    seven = handle_file(str(EXAMPLES / "digit_7.png"))
    p, verdict, labels, seen = app_client.predict(seven, which, 7, api_name="/discriminate")
    assert 0 <= p <= 1 and "D(x) =" in verdict and is_png(seen)
    # a D that reads its group's spread (the remedy's) judged the picture among real test digits, and says so
    spread = json.loads((CHECKPOINT_DIR / f"{prefix}_discriminator.json").read_text())["config"].get("d_mbstd", 0)
    assert ("3 real test digits" in verdict) == (spread == 4)
    other = app_client.predict(seven, "remedy" if which == "chapter" else "chapter", 7, api_name="/discriminate")[0]
    assert p != other  # the two recipes' discriminators are different networks
    gallery, summary = app_client.predict(which, 3, "1", 0, api_name="/discriminate_lineup")
    assert len(gallery) == 3 * 8 and "real test digit" in summary and "pure noise" in summary  # every picture averaged
    means = [float(part.split("**")[1]) for part in summary.split("—", 1)[1].split("·")]
    assert means[0] > means[2]  # real test digits look more real to D than pure noise


def test_discriminate_the_conditional_discriminator(app_client):
    if not (CK / "cgan_discriminator.safetensors").exists():
        pytest.skip("cgan_discriminator ships with the retrained conditional GAN (issue #15)")
    seven = handle_file(str(EXAMPLES / "digit_7.png"))
    p, verdict, labels, seen = app_client.predict(seven, "cgan", 7, api_name="/discriminate")
    scores = {c["label"]: c["confidence"] for c in labels["confidences"]}
    assert len(scores) == 10 and scores["7"] == pytest.approx(p, abs=1e-3)
    # the chapter's point: a well-drawn 7 shown with a wrong label looks less real than with its own
    assert scores["7"] > sorted(scores.values())[4]
    gallery, summary = app_client.predict("cgan", 3, "final", 0, api_name="/discriminate_lineup")
    assert len(gallery) == 4 * 8 and "wrong label" in summary


def test_noise_vector_in_hand(app_client):
    need_models("gan.safetensors")
    z = [0.5, -1, 2, 0, 0, 0, 1.5, -2.5, 0.1, 3]
    img, hist, reads = app_client.predict(*z, api_name="/latent_vector")
    assert is_png(img) and is_png(hist) and "Length of the vector: 4.77" in reads  # √22.76
    img, reads = app_client.predict(0, 0, 2, "(2, 5)", "(6, 1)", 9, api_name="/latent_path")
    assert is_png(img) and reads.count("→") == 8


def test_cgan_sample_defaults(app_client):
    need_models("cgan.safetensors")
    img, report = app_client.predict(api_name="/cgan_sample")
    assert is_png(img) and "of 100" in report


def test_latent_endpoints_defaults(app_client):
    need_models("gan.safetensors")
    img, reads = app_client.predict(api_name="/latent_walk")
    assert is_png(img) and reads.count("→") == 8
    seq = [d.strip() for d in reads.split(":", 1)[1].split("→")]
    kinds = [d for i, d in enumerate(seq) if i == 0 or d != seq[i - 1]]
    assert kinds == ["3", "9", "4"]  # the tab's text promises the chapter's 3 → 9 → 4 (along dimension 8 here)
    assert is_png(app_client.predict(api_name="/latent_grid"))
    img, norms = app_client.predict(api_name="/latent_interpolate")
    assert is_png(img) and "spherical" in norms
    one, strip, table, summary = app_client.predict(api_name="/latent_direction")
    assert is_png(one) and is_png(strip) and "stroke thickness" in summary
    # the strip's eleven points, the chosen one (0, on the strip) marked once instead of listed twice (issue 33)
    distances = [row[0] for row in table["data"]]
    assert distances == [f"{a}" for a in range(-5, 0)] + ["0 ← your point"] + [f"{a}" for a in range(1, 6)], distances
    _, _, table, _ = app_client.predict(alpha=2.5, api_name="/latent_direction")
    distances = [row[0] for row in table["data"]]
    assert len(distances) == 12 and distances[7:9] == ["2", "2.5 ← your point"], distances


BAD = [
    ("/gan_sample", {"n": 0}, "Number of digits must be between 1 and 256"),
    ("/gan_sample", {"n": 100000}, "Number of digits must be between 1 and 256"),
    ("/gan_sample", {"n": 2.5}, "Number of digits must be a whole number"),
    ("/gan_sample", {"seed": -5}, "Seed must be between 0 and"),
    ("/gan_timeline", {"epoch": 100000}, "Epoch must be between 1 and"),
    ("/mode_collapse", {"n": 50}, "Number of samples N must be between 100 and 10000"),
    ("/mode_collapse", {"source": "bogus"}, "Generator must be 'final' or an epoch from 1 to"),
    ("/mode_collapse", {"source": "100000"}, "Generator must be 'final' or an epoch from 1 to"),
    ("/cgan_sample", {"digit": "12"}, "Digit must be one of: all, 0, 1"),
    ("/cgan_sample", {"n": -1}, "must be between 1 and 256"),
    ("/latent_walk", {"dim": 10}, "Dimension (0–9) must be between 0 and 9"),
    ("/latent_walk", {"k": 1000}, "must be between 2 and 25"),
    ("/latent_grid", {"dim_x": 3, "dim_y": 3}, "Choose two different dimensions"),
    ("/latent_interpolate", {"seed_b": 1e12}, "Seed B (right) must be between 0 and"),
    ("/latent_direction", {"attribute": "hairstyle"}, "Direction must be one of: thickness, slant, digit0"),
    ("/latent_direction", {"alpha": 99}, "Distance along the direction must be between"),
    ("/latent_path", {"start": "(2, x)"}, "From (across, down) must be two numbers like (2, 5)"),
    ("/latent_path", {"end": "(60, 1)"}, "To (across, down) must be two numbers like (2, 5)"),
    ("/latent_grid", {"span": 50}, "Map reaches ± this far must be between"),
    ("/gan_sample", {"recipe": "bogus"}, "Which GAN must be one of: remedy, chapter"),
    ("/mode_collapse", {"recipe": "bogus"}, "Training recipe must be one of: remedy, chapter"),
    ("/discriminate", {"image": None}, "Please draw a digit or upload an image first"),
    ("/discriminate_lineup", {"which": "bogus"}, "Discriminator must be one of: chapter, remedy, cgan"),
    ("/discriminate_lineup", {"label": 12}, "must be between 0 and 9"),
]

NEEDS = {
    "/gan_timeline": "gan_timeline.npz",
    "/cgan_sample": "cgan.safetensors",
    "/discriminate_lineup": "gan_chapter_discriminator.safetensors",
    "/discriminate": "gan_chapter_discriminator.safetensors",
}


@pytest.mark.parametrize("api,kwargs,message", BAD, ids=[f"{a}-{list(k)[0]}" for a, k, _ in BAD])
def test_bad_input_gets_a_clear_message_and_the_app_keeps_serving(app_client, api, kwargs, message):
    need_models(NEEDS.get(api, "gan.safetensors"))
    with pytest.raises(Exception) as e:
        app_client.predict(api_name=api, **kwargs)
    assert message in str(e.value)
    assert "Traceback" not in str(e.value)
    assert is_png(app_client.predict(api_name="/gan_sample"))


def test_text_where_a_number_belongs(app_client):
    need_models("gan.safetensors")
    with pytest.raises(Exception, match="whole number"):
        app_client.predict(api_name="/latent_walk", k="nine")
    img, _ = app_client.predict(api_name="/latent_walk", seed=3, dim=2, k=5)
    assert is_png(img)
