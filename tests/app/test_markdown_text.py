"""Issue 33: Markdown written in a string renders as Markdown in both languages. In Chinese, "**请注意：**引导" showed
its asterisks: CommonMark closes bold only where the closing ** is not squeezed between punctuation and a letter, and
Chinese puts no space after "：" or "。". Every string is rendered here with CommonMark (as the page's Markdown is) and
must leave no asterisk behind."""

import re

from markdown_it import MarkdownIt

from gendemo.app.i18n import LANGS, all_strings


def test_no_string_shows_literal_asterisks():
    md = MarkdownIt("commonmark")
    strings = all_strings()
    left = []
    for lang in LANGS:
        for key, text in strings[lang].items():
            if "*" not in text:
                continue
            shown = re.sub(r"<[^>]+>", "", md.render(text)).replace("\\*", "")
            if "*" in shown:
                at = shown.index("*")
                left.append((lang, key, shown[max(0, at - 20) : at + 20]))
    assert not left, left
