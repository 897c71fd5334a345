"""Every GAN endpoint through gradio_client on the in-process app: defaults only, then bad input (the app's own message)
followed by a good call that must still succeed."""

import pytest
from support import need

from gendemo.core.paths import CHECKPOINT_DIR

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
    bar, cmp, table, summary, grouped, unsure = app_client.predict(api_name="/mode_collapse")
    assert "N = 1,000" in summary and "KL" in summary
    assert is_png(grouped)
    assert len(unsure) == 12
    shares = [row[1] for row in table["data"]]
    assert sum(shares) == pytest.approx(100, abs=0.6)


def test_cgan_sample_defaults(app_client):
    need_models("cgan.safetensors")
    img, report = app_client.predict(api_name="/cgan_sample")
    assert is_png(img) and "of 100" in report


def test_latent_endpoints_defaults(app_client):
    need_models("gan.safetensors")
    img, reads = app_client.predict(api_name="/latent_walk")
    assert is_png(img) and reads.count("→") == 8
    assert is_png(app_client.predict(api_name="/latent_grid"))
    img, norms = app_client.predict(api_name="/latent_interpolate")
    assert is_png(img) and "spherical" in norms
    one, strip, table, summary = app_client.predict(api_name="/latent_direction")
    assert is_png(one) and is_png(strip) and "stroke thickness" in summary
    assert len(table["data"]) == 12


BAD = [
    ("/gan_sample", {"n": 0}, "Number of digits must be between 1 and 256"),
    ("/gan_sample", {"n": 100000}, "Number of digits must be between 1 and 256"),
    ("/gan_sample", {"n": 2.5}, "Number of digits must be a whole number"),
    ("/gan_sample", {"seed": -5}, "Seed must be between 0 and"),
    ("/gan_timeline", {"epoch": 100000}, "Epoch must be between 1 and"),
    ("/mode_collapse", {"n": 50}, "Number of samples N must be between 100 and 10000"),
    ("/mode_collapse", {"source": "bogus"}, "Generator must be 'final' or an epoch from 1 to"),
    ("/mode_collapse", {"source": "100000"}, "Generator must be 'final' or an epoch from 1 to"),
    ("/cgan_sample", {"digit": "12"}, "Digit must be a whole number from 0 to 9"),
    ("/cgan_sample", {"n": -1}, "must be between 1 and 256"),
    ("/latent_walk", {"dim": 10}, "Dimension (0–9) must be between 0 and 9"),
    ("/latent_walk", {"k": 1000}, "must be between 2 and 25"),
    ("/latent_grid", {"dim_x": 3, "dim_y": 3}, "Choose two different dimensions"),
    ("/latent_interpolate", {"seed_b": 1e12}, "Seed must be between 0 and"),
    ("/latent_direction", {"attribute": "hairstyle"}, "Unknown direction 'hairstyle'"),
    ("/latent_direction", {"alpha": 99}, "Distance along the direction must be between"),
]

NEEDS = {"/gan_timeline": "gan_timeline.npz", "/cgan_sample": "cgan.safetensors"}


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
