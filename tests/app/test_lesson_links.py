"""Lesson links (issue 32) read without a browser: what a URL may set, what it may not, and the link a view writes."""

import urllib.parse

import pytest

from gendemo.app.endpoints import ENDPOINTS
from gendemo.app.ui.lesson_links import MAX_NOTE, VIEWS, link_for, plan


def test_a_link_sets_its_view_checked_like_the_controls():
    p = plan({"tab": "diffusion", "prompt": "a red seven", "guidance": "7", "steps": "20", "run": "1", "hide": "seed"})
    assert (p.tab, p.endpoint, p.run, p.hide, p.notes) == ("diffusion", "diffusion_generate", True, ["seed"], [])
    assert p.values["guidance"] == 7.0 and p.values["steps"] == 20 and p.values["prompt"].text == "a red seven"


def test_without_a_tab_the_page_opens_as_usual():
    p = plan({"seed": "3", "__theme": "dark"})
    assert p.tab is None and not p.values and not p.notes


@pytest.mark.parametrize("tab", ["nope", "../../etc/passwd", "x" * 10_000, '{"tab": "gan"}'])
def test_an_unknown_tab_is_a_short_note(tab):
    p = plan({"tab": tab, "seed": "3"})
    assert p.tab is None and not p.values and len(p.notes) == 1
    assert "no tab called" in p.notes[0] and len(p.notes[0]) < 300
    assert "gan, live" in p.notes[0]  # the names a teacher can use


def test_bad_values_are_clamped_or_left_with_the_controls_message():
    p = plan({"tab": "gan", "seed": "-5", "n": "100000", "recipe": '{"__class__": "x"}'})
    assert p.values == {"seed": 0, "n": 256}  # clamped, each said
    assert any("Seed was set to 0" in n for n in p.notes) and any("set to 256" in n for n in p.notes)
    assert any("must be one of: remedy, chapter" in n for n in p.notes)  # the control's own message


def test_a_10kb_value_is_refused_and_not_echoed_back():
    p = plan({"tab": "diffusion", "prompt": "seven " * 2000, "sampler": "x" * 10_000, "y" * 10_000: "1"})
    assert "prompt" not in p.values and "sampler" not in p.values
    assert len(p.notes) == 3 and all(len(n) <= MAX_NOTE for n in p.notes)
    assert "ignored" in p.notes[-1] and len(p.notes[-1]) < 120


def test_a_path_or_a_model_outside_the_catalog_reaches_nothing():
    # the upload and session state are never set by a link; a network or GAN is one of the catalog's, by its checks
    p = plan({"tab": "noising", "image": "../../etc/passwd", "steps": "5"})
    assert p.values == {"steps": 5} and "image" in p.notes[-1]
    p = plan({"tab": "diffusion", "network": "../checkpoints/gan"})
    assert "network" not in p.values and "must be one of" in p.notes[0]
    p = plan({"tab": "live", "control": "other-session", "section": "gan_live_step", "run": "1"})
    assert "control" not in p.values and "run" not in p.values and "control" in p.notes[-1]


def test_a_section_picks_another_view_of_the_tab():
    p = plan({"tab": "latent", "section": "latent_grid", "dim_x": "4", "dim": "2"})
    assert (p.endpoint, p.values) == ("latent_grid", {"dim_x": 4}) and "dim" in p.notes[-1]
    p = plan({"tab": "latent", "section": "diffusion_generate"})
    assert p.endpoint == "latent_walk" and "no section" in p.notes[0]


def test_hide_names_only_the_views_controls():
    p = plan({"tab": "cgan", "hide": "seed,n,../x,tab"})
    assert p.hide == ["seed", "n"] and "../x" in p.notes[-1]


def test_a_long_query_is_read_only_so_far():
    q = {"tab": "gan", **{f"k{i}": "1" for i in range(5000)}}
    p = plan(q)
    assert p.tab == "gan" and len(p.notes) == 1 and p.notes[0].endswith("….")


def test_notes_speak_chinese_on_a_chinese_page():
    p = plan({"tab": "gan", "seed": "-1", "zzz": "1"}, "zh-CN")
    assert "已被设为" in p.notes[0] and "已忽略" in p.notes[1]
    assert "没有名为" in plan({"tab": "x"}, "zh-CN").notes[0]


def test_the_link_keeps_the_address_the_page_was_opened_with():
    values = {"prompt": "a red seven", "guidance": 7.0, "steps": 20.0, "seed": 3.0, "sampler": "ddim", "n": 8}
    url = link_for("https://someone-gendemo.hf.space/?__theme=dark&tab=gan&seed=9", "diffusion", "diffusion_generate",
                   values)  # fmt: skip
    parts = urllib.parse.urlsplit(url)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "someone-gendemo.hf.space", "/")
    q = dict(urllib.parse.parse_qsl(parts.query))
    assert q == {"__theme": "dark", "tab": "diffusion", "prompt": "a red seven", "guidance": "7", "steps": "20",
                 "seed": "3", "sampler": "ddim", "n": "8"}  # fmt: skip
    assert "%20" in url  # spaces encoded, the link is one word to copy
    share = link_for("https://abc123.gradio.live/", "latent", "latent_grid", {"dim_x": 3})
    assert share == "https://abc123.gradio.live/?tab=latent&section=latent_grid&dim_x=3"


@pytest.mark.parametrize("tab", list(VIEWS))
def test_every_views_link_reads_back_as_the_same_values(tab):
    """link_for → plan gives back what the controls held, for every view of every tab (the browser test does the same
    through the page for each tab's main view)."""
    for ep_name in VIEWS[tab]:
        ep = ENDPOINTS[ep_name]
        values = {p.name: (p.start() if p.kind != "prompt" else "a blue two") for p in ep.params if p.link}
        url = link_for("http://127.0.0.1:7860/", tab, ep_name, values)
        q = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(url).query))
        back = plan(q)
        assert (back.tab, back.endpoint, back.notes) == (tab, ep_name, []), url
        got = {k: getattr(v, "text", v) for k, v in back.values.items()}
        assert got == {k: list(v) if isinstance(v, tuple) else v for k, v in values.items()}, url


def test_what_a_link_echoes_back_is_shown_letter_for_letter():
    from gendemo.app.ui.lesson_links import plain

    note = plan({"tab": "[click](http://evil.example) <img src=x onerror=alert(1)>"}).notes[0]
    shown = plain(note)
    assert "](" not in shown and "<img" not in shown and "http://" not in shown
    assert shown.replace("\\", "").replace("&lt;", "<") == note  # only escapes added
