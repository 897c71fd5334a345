"""docs/CHAPTER.md, the chapter claim by claim (issue 31): its quotes are the chapter's own words, and the counts at
its top are its table's."""

import collections
import re

import pytest
from support import ROOT

DOC = ROOT / "docs" / "CHAPTER.md"
CHAPTER = ROOT.parent / "shared" / "chapter" / "generative-ai-chapter.zh.md"  # beside the project, not in it
STATUSES = ("faithful", "partial", "missing", "cannot")


def _rows() -> list[list[str]]:
    rows = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("| ") and cells[0].isdigit():
            rows.append(cells)
    return rows


def test_the_counts_at_the_top_are_the_tables():
    rows = _rows()
    numbers = [int(r[0]) for r in rows]
    assert numbers == list(range(1, len(rows) + 1)), "claims are numbered 1, 2, … in order"
    status = collections.Counter(r[-1].split(":")[0].strip() for r in rows)
    assert set(status) <= set(STATUSES), status
    said = re.search(r"^COUNTS: (\d+) claims · (\d+) faithful · (\d+) partial · (\d+) missing · (\d+) cannot$",
                     DOC.read_text(encoding="utf-8"), re.M)  # fmt: skip
    assert said, "the COUNTS line is missing"
    assert [int(x) for x in said.groups()] == [len(rows), *(status[s] for s in STATUSES)]
    for r in rows:  # a claim the app cannot show says why
        assert not r[-1].startswith("cannot") or r[-1].startswith("cannot: "), f"claim {r[0]}: cannot, and why?"


def test_every_quote_is_the_chapters_own_words():
    if not CHAPTER.exists():
        pytest.skip(f"the chapter is not beside the project ({CHAPTER})")
    text = CHAPTER.read_text(encoding="utf-8").replace("*", "")  # its emphasis marks are not words
    quotes = re.findall(r"「(.+?)」", DOC.read_text(encoding="utf-8"))
    assert len(quotes) >= len(_rows())
    wrong = [q for q in quotes if q not in text]
    assert not wrong, f"not verbatim in the chapter: {wrong}"
