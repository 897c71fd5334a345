import re

import gradio as gr

from gendemo.app.i18n import LANGS, all_strings, lang_of, tr

TEXT_ATTRS = ("label", "value", "placeholder", "info")


def test_both_languages_have_the_same_keys_and_no_empty_text():
    s = all_strings()
    assert set(s["en"]) == set(s["zh-CN"])
    for lang in LANGS:
        assert all(isinstance(v, str) and v.strip() for v in s[lang].values()), lang
    # placeholders agree, so a formatted message never fails in one language
    for k in s["en"]:
        assert set(re.findall(r"{(\w+)", s["en"][k])) == set(re.findall(r"{(\w+)", s["zh-CN"][k])), k


def test_chinese_text_is_chinese():
    s = all_strings()
    for k, v in s["zh-CN"].items():
        if not re.search(r"[A-Za-z]{2,}", re.sub(r"{\w*[^}]*}", "", v)):
            continue  # a pure symbol, formula (ᾱ_t) or layout of placeholders reads the same in both languages
        assert re.search(r"[\u4e00-\u9fff]", v), f"{k} has no Chinese: {v!r}"


def _is_translated(v) -> bool:
    return isinstance(v, gr.i18n.I18nData) or (isinstance(v, str) and v.startswith("__i18n__"))


def test_no_hard_coded_english_in_the_blocks():
    import app

    offenders = []
    for block in app.demo.blocks.values():
        if type(block).__name__ == "Dataset":  # the rows of gr.Examples are data, not UI text
            continue
        texts = [getattr(block, a, None) for a in ("label", "placeholder", "info")]
        if isinstance(block, (gr.Markdown, gr.Button, gr.HTML)):
            texts.append(getattr(block, "value", None))
        for v in texts:
            if isinstance(v, str) and not _is_translated(v) and re.search(r"[A-Za-z]{3,}", v):
                offenders.append((type(block).__name__, v[:60]))
    assert not offenders, offenders


def test_request_language_from_accept_language():
    class R:
        def __init__(self, h):
            self.headers = {"accept-language": h}

    assert lang_of(R("zh-CN,zh;q=0.9,en;q=0.8")) == "zh-CN"
    assert lang_of(R("en-US,en;q=0.9")) == "en"
    assert lang_of(None) == "en"
    assert "整数" in tr("err.not_int", "zh-CN", name="N", value="x")
