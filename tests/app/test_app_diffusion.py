import pytest
from gradio_client import handle_file
from PIL import Image
from support import ROOT, need
from support.fuzz_inputs import is_own_message, make_images

from gendemo.core.paths import CHECKPOINT_DIR


@pytest.fixture(scope="module", autouse=True)
def diffusion_present():
    need(
        (CHECKPOINT_DIR / "diffusion.safetensors").exists(),
        "diffusion checkpoint missing (python -m gendemo.train diffusion)",
    )


def _bytes(path):
    return Image.open(path).convert("RGB").tobytes()


def test_generate_streams_and_is_reproducible(app_client):
    job = app_client.submit("a green two", "ddim", 10, 3.0, 7, 2, api_name="/diffusion_generate")
    outputs = job.result()
    process, result, status = outputs
    assert result and "DDIM" in status and "a green two" in status
    again = app_client.predict("a green two", "ddim", 10, 3.0, 7, 2, api_name="/diffusion_generate")
    other = app_client.predict("a green two", "ddim", 10, 3.0, 8, 2, api_name="/diffusion_generate")
    assert _bytes(result) == _bytes(again[1]) and _bytes(result) != _bytes(other[1])
    assert len(job.outputs()) >= 2  # intermediate frames were streamed before the final one


def test_chinese_empty_and_long_prompts_are_explained(app_client):
    _, _, status = app_client.predict("红色的七", "ddim", 10, 3.0, 0, 1, api_name="/diffusion_generate")
    assert "a red seven" in status and "translated" in status
    _, _, status = app_client.predict("", "ddim", 10, 3.0, 0, 1, api_name="/diffusion_generate")
    assert "unconditionally" in status
    with pytest.raises(Exception) as e:  # refused with its length, never cut silently (#13 case 6)
        app_client.predict("a red seven " * 100, "ddim", 10, 3.0, 0, 1, api_name="/diffusion_generate")
    assert "characters long" in str(e.value) and "at most 300" in str(e.value)


@pytest.mark.parametrize(
    "args",
    [
        ("a red seven", "ddim", 5000, 3.0, 0, 1),
        ("a red seven", "ddim", 10, 3.0, 0, 999),
        ("a red seven", "ddim", 10, -2, 0, 1),
        ("a red seven", "euler", 10, 3.0, 0, 1),
        ("a red seven", "ddim", "ten", 3.0, 0, 1),
        ("a red seven", "ddim", 10, 3.0, -7, 1),
    ],
)
def test_bad_generation_settings(app_client, args):
    with pytest.raises(Exception) as e:
        app_client.predict(*args, api_name="/diffusion_generate")
    assert is_own_message(str(e.value)), str(e.value)
    assert app_client.predict("a red seven", "ddim", 10, 3.0, 0, 1, api_name="/diffusion_generate")[1]


def test_prompt_experiment_same_seed(app_client):
    gallery, table = app_client.predict("ornate green seven", "colour", 0, 3.0, api_name="/prompt_experiment")
    assert len(gallery) == 8 and "ornate lavender seven" in table and "1.000" in table
    gallery, table = app_client.predict("ornate green vase", "permute", 0, 3.0, api_name="/prompt_experiment")
    assert len(gallery) == 6
    with pytest.raises(Exception) as e:
        app_client.predict("a seven", "colour", 0, 3.0, api_name="/prompt_experiment")
    assert "colour word" in str(e.value)


def test_img2img_strength_zero_keeps_the_image_and_needs_an_image(app_client):
    with pytest.raises(Exception) as e:
        app_client.predict(api_name="/img2img")
    assert "img2img" in str(e.value) and is_own_message(str(e.value))
    blurry = handle_file(str(ROOT / "examples" / "blurry_4.png"))
    seen, start, result, status = app_client.predict(blurry, None, "a white four", 0.0, 0, 1, api_name="/img2img")
    assert _bytes(start) == _bytes(seen) and "t = 0" in status
    seen, start, result, status = app_client.predict(blurry, None, "a white four", 0.4, 0, 2, api_name="/img2img")
    assert "t = 400" in status and result
    for bad in (1.5, -0.1, "half"):
        with pytest.raises(Exception) as e:
            app_client.predict(blurry, None, "a white four", bad, 0, 1, api_name="/img2img")
        assert is_own_message(str(e.value)), str(e.value)


def test_img2img_takes_any_image(app_client, tmp_path):
    for name, (path, ok) in make_images(tmp_path).items():
        try:
            out = app_client.predict(handle_file(str(path)), None, "a four", 0.3, 0, 1, api_name="/img2img")
            assert ok, f"{name} should have been refused"
            assert out[2]
        except Exception as e:  # noqa: BLE001
            assert not ok, f"{name}: {e}"
            assert is_own_message(str(e)), f"{name}: {e}"
