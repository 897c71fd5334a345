"""The chapter map (issue 32): every figure, table and algorithm of the chapter is on it, once, in both languages,
and each of its links is a lesson link that opens a view without a note."""

import re
import urllib.parse

from support import ROOT

from gendemo.app.ui.chapter_map import ENTRIES, text
from gendemo.app.ui.lesson_links import plan

CHAPTER = ROOT.parent / "shared" / "chapter" / "generative-ai-chapter.zh.md"
WANT = [f"6-{i}" for i in range(1, 15)]


def test_the_map_lists_every_figure_the_table_and_the_two_algorithms_in_order():
    for lang, fig, table in (("en", "Figure", "Table"), ("zh-CN", "图", "表")):
        body = text(lang)
        found = re.findall(rf"\*\*(?:{fig}|{table}) ?(6-\d+)\*\*", body)
        assert found == WANT[:4] + ["6-1"] + WANT[4:], (lang, found)
    assert "forward algorithm" in text("en") and "reverse algorithm" in text("en")
    assert "前向算法" in text("zh-CN") and "反向算法" in text("zh-CN")


def test_the_chinese_lines_use_the_chapters_terms():
    body = text("zh-CN")
    terms = ("噪声向量", "leaky ReLU", "模式崩溃", "条件 GAN", "独热编码", "噪声空间", "可控 GAN")
    terms += ("余弦计划", "钟形曲线", "前向算法", "反向算法")
    for term in terms:
        assert term in body, term
    if CHAPTER.exists():  # each of those terms is the chapter's own
        chapter = CHAPTER.read_text(encoding="utf-8")
        for term in ("噪声向量", "leaky ReLU", "模式崩溃", "独热编码", "噪声空间", "余弦计划", "钟形曲线", "前向算法"):
            assert term in chapter, term


def test_figures_an_mnist_model_cannot_do_say_so():
    from gendemo.app.i18n import tr

    keys = {k for k, _ in ENTRIES}
    for key in ("map.f6_7", "map.f6_9", "map.f6_13", "map.f6_14"):
        assert key in keys
        assert re.search(r"no faces|not paintings|beyond an MNIST model", tr(key, "en")), key
        assert re.search(r"没有人脸|不会画油画|处理不了照片", tr(key, "zh-CN")), key


def test_every_link_opens_a_view_without_a_note():
    for lang in ("en", "zh-CN"):
        links = re.findall(r"\]\((\?[^)]*)\)", text(lang))
        assert len(links) == sum(len(ls) for _, ls in ENTRIES)
        for href in links:
            p = plan(dict(urllib.parse.parse_qsl(href[1:])), lang)
            assert p.tab and not p.notes, (href, p.notes)


def test_each_view_names_its_figures_under_its_tab():
    from gendemo.app.ui.chapter_map import caption
    from gendemo.app.ui.lesson_links import VIEWS

    named = ""
    for tab in VIEWS:
        for lang in ("en", "zh-CN"):
            line = caption(tab, lang)
            named += line
            for href in re.findall(r"\]\((\?[^)]*)\)", line):  # each figure links to its own view of this tab
                assert dict(urllib.parse.parse_qsl(href[1:]))["tab"] == tab
    assert "Figure 6-4: The generator's output after epochs 1, 60 and 200" in caption("gan", "en")
    assert "图 6-8：将图像转化为噪声的两种方式：线性（上）和余弦（下）" in caption("noising", "zh-CN")
    for n in range(1, 15):  # every figure is named under some tab, in both languages
        assert f"Figure 6-{n}:" in named and f"图 6-{n}：" in named, n
    assert "Table 6-1" in named and "前向算法" in named and "反向算法" in named
    if CHAPTER.exists():  # the Chinese captions are the chapter's own where it gives one (6-14 is shortened)
        chapter = CHAPTER.read_text(encoding="utf-8")
        for n in (1, 2, 4, 5, 6, 7, 8, 10, 11, 12, 13):
            line = next(x for x in named.split(" · ") if f"图 6-{n}：" in x)
            words = line.split(f"图 6-{n}：", 1)[1].split("]")[0]
            assert words in chapter, (n, words)
