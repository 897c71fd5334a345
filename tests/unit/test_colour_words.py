import re

import pytest

from gendemo.diffusion.captions import (
    DIGIT_WORDS,
    EVAL_PROMPTS_PATH,
    PALETTE,
    PALETTE_NAMES,
    check_eval_prompts,
    load_eval_prompts,
)
from gendemo.diffusion.colour_words import SHADES, THINGS, map_colour_words, nearest_palette
from gendemo.diffusion.text import prepare_prompt, translate_prompt

COLOUR_WORDS_SET = EVAL_PROMPTS_PATH.with_name("eval_prompts_colour_words.tsv")


def test_every_palette_colour_is_its_own_nearest():
    for name, rgb in PALETTE.items():
        assert nearest_palette(rgb) == name


@pytest.mark.parametrize(
    "rgb, palette",
    [
        ((220, 20, 60), "red"),  # crimson
        ((0, 0, 128), "blue"),  # navy: dark, but a blue (brightness does not count, as for the judge)
        ((135, 206, 235), "cyan"),  # sky blue
        ((50, 205, 50), "green"),  # lime
        ((255, 215, 0), "yellow"),  # gold
        ((139, 69, 19), "orange"),  # brown
        ((200, 162, 200), "lavender"),  # lilac: pale, yet not white (an RGB-direction cosine calls it white)
        ((128, 128, 128), "white"),  # grey: a dim white on black
        ((75, 0, 130), "purple"),  # indigo
        ((255, 105, 180), "pink"),  # hot pink
    ],
)
def test_nearest_palette(rgb, palette):
    assert nearest_palette(rgb) == palette


@pytest.mark.parametrize(
    "prompt, encoded, changes",
    [
        ("a crimson 7", "a red 7", [("crimson", "red")]),
        ("an emerald one", "a green one", [("emerald", "green")]),  # the article follows the new word
        ("a navy zero", "a blue zero", [("navy", "blue")]),
        ("a sky blue 3", "a cyan 3", [("sky blue", "cyan")]),  # the whole name, not its palette word
        ("a pale violet six", "a lavender six", [("pale violet", "lavender")]),  # lighter: lavender, not purple
        ("a Golden 8", "a yellow 8", [("Golden", "yellow")]),
        ("a two the colour of grass", "a two in green", [("the colour of grass", "green")]),
        ("a 9 like the sky", "a 9 in blue", [("like the sky", "blue")]),
        ("a 6 like a ripe tomato", "a 6 in red", [("like a ripe tomato", "red")]),
        ("a rose-coloured one", "a pink one", [("rose-coloured", "pink")]),  # the shade rose, not the flower
        ("a four the color of roses", "a four in red", [("the color of roses", "red")]),
        ("i'd like a lemon 3", "i'd like a yellow 3", [("lemon", "yellow")]),  # "like" before a digit is no simile
        ("six in snowy white", "six in white", [("snowy", "white")]),
    ],
)
def test_map_colour_words(prompt, encoded, changes):
    assert map_colour_words(prompt) == (encoded, changes)


@pytest.mark.parametrize(
    "prompt",
    [
        "a red seven",
        "create the numeral three in bright cyan",  # a palette name made brighter is still the palette name
        "a 2 rendered in green on a dark background",
        "red colored handwritten seven, centered",
        "a thick slanted 4",
        "",
    ],
)
def test_palette_words_and_other_words_are_left_alone(prompt):
    assert map_colour_words(prompt) == (prompt, [])


def test_every_lexicon_entry_maps_and_is_matched():
    for word in SHADES:
        text, changes = map_colour_words(f"a {word} 5")
        assert changes and changes[0][1] == nearest_palette(SHADES[word]), word
        assert text.split()[-2:] == [changes[0][1], "5"], (word, text)
    for thing in THINGS:
        text, changes = map_colour_words(f"a 5 the colour of {thing}")
        assert text == f"a 5 in {nearest_palette(THINGS[thing])}", (thing, text)


def test_held_out_prompts_keep_their_colour():
    # The mapping must not move a prompt that already names a palette colour to another one.
    for path in (EVAL_PROMPTS_PATH, EVAL_PROMPTS_PATH.with_name("eval_prompts_fresh.tsv")):
        for p in load_eval_prompts(path):
            text, changes = map_colour_words(p.prompt)
            if p.colour is not None:
                assert PALETTE_NAMES[p.colour] in text, (p, text)
                assert all(c == PALETTE_NAMES[p.colour] for _, c in changes), (p, changes)


def test_colour_words_set_is_disjoint_from_the_palette_and_the_mapping_agrees():
    prompts = load_eval_prompts(COLOUR_WORDS_SET)
    assert len(prompts) >= 60
    assert {p.colour for p in prompts} == set(range(10)) and {p.digit for p in prompts} == set(range(10))
    assert check_eval_prompts([p.prompt for p in prompts]) == []
    for p in prompts:
        assert not any(re.search(rf"\b{c}\b", p.prompt, re.I) for c in PALETTE_NAMES), p  # no training colour word
        words = re.findall(r"[a-z]+|\d", p.prompt.lower())
        assert {
            DIGIT_WORDS.index(w) if w in DIGIT_WORDS else int(w) for w in words if w in DIGIT_WORDS or w.isdigit()
        } == {p.digit}, p
        text, changes = map_colour_words(p.prompt)
        assert changes and {c for _, c in changes} == {PALETTE_NAMES[p.colour]}, (p, changes)


def test_prepare_prompt_translates_then_maps():
    assert prepare_prompt("a crimson 7").text == "a red 7"
    assert prepare_prompt("a crimson 7").colour_words == (("crimson", "red"),)
    assert prepare_prompt("a red 7").colour_words == ()
    p = prepare_prompt("天蓝色的五")
    assert p.translated and p.text == "a cyan five"
    assert translate_prompt("金色的八") == ("a yellow eight", True)
    assert translate_prompt("藏青色的二") == ("a blue two", True)  # 藏青 is navy, not the 青 (cyan) inside it
    assert translate_prompt("灰色的一") == ("a white one", True)
