import pytest
from gradio_client import handle_file
from PIL import Image
from support import ROOT
from support.fuzz_inputs import is_own_message, make_images


def test_noising_defaults_give_three_rows(app_client):
    rows, caption, alpha, snr, beta = app_client.predict(api_name="/noising")
    im = Image.open(rows)
    assert 1.5 * im.height < im.width < 3 * im.height  # 9 columns of portrait photos, 3 rows
    assert "t = 0, 125" in caption and "cosine" in caption and "constant β 0.0064" in caption
    frame = beta["value"]  # the plot's data frame: columns (t, log₁₀ β_t, schedule)
    assert frame["columns"][2] == "schedule" and {row[2] for row in frame["data"]} == {"linear", "constant β", "cosine"}


def test_noising_is_deterministic_per_seed(app_client):
    digit = handle_file(str(ROOT / "examples" / "digit_7.png"))
    a = Image.open(app_client.predict(digit, 5, 3, api_name="/noising")[0]).tobytes()
    b = Image.open(app_client.predict(digit, 5, 3, api_name="/noising")[0]).tobytes()
    c = Image.open(app_client.predict(digit, 5, 4, api_name="/noising")[0]).tobytes()
    assert a == b and a != c


@pytest.mark.parametrize("steps", [-1, 0, 1000, 2.5, "many"])
def test_bad_step_counts_get_a_clear_message(app_client, steps):
    with pytest.raises(Exception) as e:
        app_client.predict(None, steps, 0, api_name="/noising")
    assert is_own_message(str(e.value)), str(e.value)
    assert app_client.predict(None, 3, 0, api_name="/noising")[0]


def test_noising_takes_any_image(app_client, tmp_path):
    for name, (path, ok) in make_images(tmp_path).items():
        try:
            out = app_client.predict(handle_file(str(path)), 3, 0, api_name="/noising")
            assert ok, f"{name} should have been refused"
            assert Image.open(out[0]).width > 0
        except Exception as e:  # noqa: BLE001
            assert not ok, f"{name}: {e}"
            assert is_own_message(str(e)), f"{name}: {e}"
