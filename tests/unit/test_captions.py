import random
import re

import pytest
import torch

from gendemo.diffusion.captions import (
    DIGIT_WORDS,
    KEEP_PER_KEY,
    NONE_ID,
    PALETTE_NAMES,
    PALETTE_RGB,
    STYLE_COMBOS,
    CaptionSampler,
    build_caption_bank,
    caption_attributes,
    check_eval_prompts,
    colourize,
    fix_articles,
    key_of,
    load_eval_prompts,
    measure_style,
    name_colours,
    template_match,
)


@pytest.fixture(scope="module")
def bank():
    return build_caption_bank()


def _digits_in(s):
    words = re.findall(r"[a-z]+|\d", s.lower())
    return {DIGIT_WORDS.index(w) if w in DIGIT_WORDS else int(w) for w in words if w in DIGIT_WORDS or w.isdigit()}


def _colours_in(s):
    return {c for c in PALETTE_NAMES if re.search(rf"\b{c}\b", s)}


def test_bank_is_deterministic_and_covers_every_digit_and_colour(bank):
    assert bank == build_caption_bank()
    assert len(bank) == 11 * 11 * len(STYLE_COMBOS) * KEEP_PER_KEY
    for d in range(10):
        assert any(DIGIT_WORDS[d] in c.split() for c in bank) and any(str(d) in c.split() for c in bank), d
    for c in PALETTE_NAMES:
        assert sum(c in cap for cap in bank) > 100, c
    # The brief's examples are phrasings the templates produce.
    for s in ("a red seven", "7 in red", "a thick, slanted red 7", "the number seven written in red ink"):
        assert template_match(s), s


def test_bank_layout_names_the_keyed_attributes(bank):
    rng = random.Random(0)
    for _ in range(300):
        d, c, combo = rng.randrange(11), rng.randrange(11), rng.randrange(len(STYLE_COMBOS))
        cap = bank[key_of(d, c, combo) * KEEP_PER_KEY + rng.randrange(KEEP_PER_KEY)]
        assert _digits_in(cap) == (set() if d == NONE_ID else {d}), cap
        assert _colours_in(cap) == (set() if c == NONE_ID else {PALETTE_NAMES[c]}), cap
        # ... and the training's auxiliary labels read the same attributes back from the index.
        i = key_of(d, c, combo) * KEEP_PER_KEY + rng.randrange(KEEP_PER_KEY)
        assert [int(v) for v in caption_attributes(torch.tensor([i]))] == [d, c]


def test_sampler_picks_captions_that_fit(bank):
    g = torch.Generator().manual_seed(0)
    n = 2000
    digits, colours = torch.randint(0, 10, (n,), generator=g), torch.randint(0, 10, (n,), generator=g)
    z = torch.zeros(n, dtype=torch.long)
    idx = CaptionSampler().sample(digits, colours, z + 1, z + 1, z + 2, g)
    only_digit = only_colour = 0
    for i, d, c in zip(idx.tolist(), digits.tolist(), colours.tolist()):
        cap = bank[i]
        ds, cs = _digits_in(cap), _colours_in(cap)
        assert ds <= {d} and cs <= {PALETTE_NAMES[c]} and (ds or cs), cap
        only_digit += bool(ds and not cs)
        only_colour += bool(cs and not ds)
    assert only_digit > 100 and only_colour > 100  # some captions name only one of the two


@pytest.mark.parametrize("name, least", [("eval_prompts.tsv", 100), ("eval_prompts_fresh.tsv", 50)])
def test_eval_prompts_are_held_out(bank, name, least):
    from gendemo.diffusion.captions import EVAL_PROMPTS_PATH

    prompts = load_eval_prompts(EVAL_PROMPTS_PATH.with_name(name))
    assert len(prompts) >= least
    assert {p.digit for p in prompts if p.digit is not None} == set(range(10))
    assert {p.colour for p in prompts if p.colour is not None} == set(range(10))
    assert check_eval_prompts([p.prompt for p in prompts], bank) == []
    for p in prompts:  # labels agree with the words
        if p.digit is not None:
            assert _digits_in(p.prompt) == {p.digit}, p
        if p.colour is not None:
            assert _colours_in(p.prompt) == {PALETTE_NAMES[p.colour]}, p
    # The checker does catch a training caption.
    assert check_eval_prompts([bank[12345], "a purple 4"], bank) == [bank[12345], "a purple 4"]


def test_colourize_and_name_colours_round_trip():
    g = torch.Generator().manual_seed(0)
    ink = torch.zeros(40, 1, 28, 28)
    ink[:, :, 6:22, 12:16] = 1.0  # a bar, with soft edges
    ink[:, :, 6:22, 11] = 0.4
    colours = torch.arange(40) % 10
    bright = torch.empty(40).uniform_(0.85, 1.05, generator=g)
    rgb = colourize(ink, colours, bright)
    assert rgb.shape == (40, 3, 28, 28) and rgb.max() <= 1 and rgb[:, :, 0, 0].abs().max() == 0  # black background
    assert torch.equal(name_colours(rgb), colours)
    assert torch.equal(name_colours(PALETTE_RGB[:, :, None, None].expand(-1, -1, 28, 28)), torch.arange(10))


def test_style_measures():
    img = torch.zeros(2, 1, 28, 28)
    for y in range(4, 24):
        img[0, 0, y, 14 + (14 - y) // 3] = 1  # top to the right: leaning right
        img[1, 0, y, 14 - (14 - y) // 3] = 1
    m = measure_style(img)
    assert m["slant"][0] > 0.2 and m["slant"][1] < -0.2
    assert m["mass"][0] == pytest.approx(20)
    assert m["area"][0] == 20 * 7  # rows 4..23, columns 11..17


def test_articles():
    assert fix_articles("a orange 8") == "an orange 8"
    assert fix_articles("a 8 in red") == "an 8 in red"
    assert fix_articles("a one") == "a one" and fix_articles("a upright 2") == "an upright 2"
