"""Issue #13, cases 1-7: every legal-looking request does bounded work and holds bounded memory. Handler-level checks
here (no server); the served bounds are in tests/app/test_hostile.py, the soak test in the slow suite."""

import os
import struct
import time
import zlib

import gradio as gr
import numpy as np
import pytest
import torch
from PIL import Image

from gendemo.app import limits
from gendemo.app.ui import diffusion_common as dc
from gendemo.app.ui.common import MAX_LAYERS, SketchInput
from gendemo.app.ui.prompts_tab import distinct_orderings, prompt_variants
from gendemo.core.images import BadImage, ink_of, open_image
from gendemo.diffusion.text import plain_digits, translate_prompt

# ---------------------------------------------------------------- case 1: orderings of repeated words


def test_orderings_are_distinct_and_start_with_the_prompt():
    out = distinct_orderings(["ornate", "red", "seven"], 8)
    assert out[0] == "ornate red seven" and len(out) == 6 == len(set(out))
    assert distinct_orderings(["seven", "red", "a"], 8)[0] == "seven red a"  # the prompt as typed comes first
    assert distinct_orderings(["a", "a", "b"], 8) == ["a a b", "a b a", "b a a"]


def test_repeated_words_cost_one_step_per_ordering():
    # 12 equal words and one other: 13 distinct orderings, where itertools.permutations walked 13! = 6.2e9.
    words = ["seven"] * 12 + ["red"]
    t = time.process_time()
    out = distinct_orderings(words, 8)
    assert len(out) == 8 == len(set(out)) and out[0] == " ".join(words)
    assert sorted(distinct_orderings(words, 100)) == sorted(
        {" ".join(words[:i] + ["red"] + words[i:-1]) for i in range(13)}
    )
    assert time.process_time() - t < 1.0  # the old walk never finished with 50 words; this is a sanity bound


def test_one_word_repeated_has_nothing_to_reorder():
    with pytest.raises(gr.Error, match="two different words"):
        prompt_variants(" ".join(["seven"] * 50), "permute")


# ---------------------------------------------------------------- case 6: prompts


def test_a_megabyte_prompt_is_refused_with_its_length():
    with pytest.raises(gr.Error, match=r"1048576 characters long; the text encoder reads at most 300"):
        dc.check_prompt("x" * 2**20, "en")
    with pytest.raises(gr.Error, match="最多读取 300"):
        dc.check_prompt("七" * 301, "zh-CN")
    assert dc.check_prompt("a red seven  ", "en") == ("a red seven", [])


def test_a_lone_surrogate_gets_a_sentence_not_an_internal_error():
    with pytest.raises(gr.Error, match="not valid text"):
        dc.check_prompt("a red \udcff seven", "en")
    with pytest.raises(gr.Error, match="无效的字符"):
        dc.check_prompt("红色的\udcff七", "zh-CN")


@pytest.mark.parametrize("seven", ["⑦", "٧", "𝟕", "７", "7"])
def test_digits_in_any_script_reach_the_glossary(seven):
    assert plain_digits(f"红色的{seven}") == "红色的7"
    assert dc.check_prompt(f"红色的{seven}", "zh-CN")[0] == "a red seven"
    assert translate_prompt("红色的七") == ("a red seven", True)  # Chinese numerals are left to the glossary


# ---------------------------------------------------------------- case 4 (and 6): image files on every path


def png_header_only(path, w, h, mode=6):
    """A PNG whose header claims w × h RGBA (colour type 6) with almost no data: the size is known before decoding."""

    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    ihdr = struct.pack(">IIBBBBB", w, h, 8, mode, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\0" * 64)))
    return path


def test_a_144_megapixel_sketch_is_refused_before_its_alpha_is_decoded(tmp_path):
    p = png_header_only(tmp_path / "big.png", 12_000, 12_000)
    Image.MAX_IMAGE_PIXELS = 89_478_485  # PIL's default, as in a fresh process where no upload was opened yet
    with pytest.raises(BadImage, match="too large"):
        ink_of(p)


@pytest.mark.parametrize("kind", ["directory", "text", "empty"])
def test_a_file_that_is_not_an_image_gets_the_image_message(tmp_path, kind):
    p = tmp_path / "upload.png"
    if kind == "directory":
        p.mkdir()
    else:
        p.write_bytes(b"" if kind == "empty" else b"hello, this is text\n")
    for read in (ink_of, open_image):
        with pytest.raises(BadImage):
            read(p)


def test_sketch_alpha_is_still_the_ink(tmp_path):
    a = np.zeros((40, 40, 4), np.uint8)
    a[10:30, 18:22] = (0, 0, 0, 255)  # a black stroke on a transparent canvas
    Image.fromarray(a, "RGBA").save(tmp_path / "s.png")
    ink = ink_of(tmp_path / "s.png")
    assert ink.shape == (40, 40) and ink[20, 20] == 1.0 and ink[0, 0] == 0.0


def test_a_sketch_with_forty_layers_is_refused_before_decoding():
    class Payload:
        layers = ["layer.png"] * 40  # never opened: the count is checked first
        id = None

    with pytest.raises(gr.Error, match=f"at most {MAX_LAYERS} layers"):
        SketchInput().preprocess(Payload())


# ---------------------------------------------------------------- case 5: large N in batches


def test_conditional_generation_in_batches_equals_one_batch():
    from gendemo.gan.model import CGANConfig, CondGenerator
    from gendemo.gan.sampling import generate_cond, noise

    torch.manual_seed(0)
    g = CondGenerator(CGANConfig(noise_dim=8, g_channels=8, d_channels=8)).eval()
    z, d = noise(23, 8, 0), torch.arange(23) % 10
    assert torch.allclose(generate_cond(g, z, d, batch=5), generate_cond(g, z, d, batch=1000), atol=1e-6)


# ---------------------------------------------------------------- cases 2, 3, 7: what the server is told


def test_launch_options_bound_sessions_uploads_and_monitoring():
    import app

    kw = app.launch_kwargs()
    assert kw["state_session_capacity"] == limits.SESSION_CAPACITY <= 500
    assert kw["max_file_size"] == 10 * 2**20 and kw["enable_monitoring"] is False
    assert any(m.cls is limits.RequestLimits for m in kw["app_kwargs"]["middleware"])


def test_the_cache_is_trimmed_oldest_first(tmp_path):
    now = time.time()
    for i in range(10):
        p = tmp_path / f"d{i}" / "f.bin"
        p.parent.mkdir()
        p.write_bytes(b"\0" * 100_000)
        os.utime(p, (now - 100 + i, now - 100 + i))  # d0 is the oldest
    before, after = limits.trim_cache(tmp_path, 500_000)
    assert before == 1_000_000 and after <= 400_000
    left = sorted(p.parent.name for p in tmp_path.rglob("f.bin"))
    assert left == [f"d{i}" for i in range(10 - len(left), 10)]  # the newest survive
    assert limits.trim_cache(tmp_path, 500_000) == (after, after)  # under budget: nothing more goes


def test_the_cache_forgets_old_files_but_keeps_what_gradio_keeps(tmp_path):
    from types import SimpleNamespace

    now = time.time()
    ages = {"old": 100, "kept": 100, "young": 5}
    for name, age in ages.items():
        p = tmp_path / name / "f.png"
        p.parent.mkdir()
        p.write_bytes(b"\0" * 1000)
        os.utime(p, (now - age, now - age))
    # a component's starting value, as Gradio lists it (its keep_in_cache), is never deleted for its age
    demo = SimpleNamespace(
        blocks={1: SimpleNamespace(keep_in_cache={str(tmp_path / "kept" / "f.png")}), 2: SimpleNamespace()},
        GRADIO_CACHE=str(tmp_path),
        delete_cache=(5, 30),
    )
    sweeper = limits.CacheSweeper(blocks=demo)
    assert sweeper.root == tmp_path and sweeper.max_age == 30
    assert sweeper.sweep() == (2000, 1000)  # the kept file is not counted; the old one goes
    assert sorted(p.parent.name for p in tmp_path.rglob("f.png")) == ["kept", "young"]
    # over the byte budget the oldest files go first, still sparing the kept one
    assert limits.trim_cache(tmp_path, 500, keep=limits.kept_files(demo)) == (1000, 0)
    assert sorted(p.parent.name for p in tmp_path.rglob("f.png")) == ["kept"]
