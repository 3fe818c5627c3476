"""Markdown is read as words: no markup, no URLs, a mention instead of code."""

from __future__ import annotations

import pytest

from tui.audio.speakable import CODE_BLOCK, speakable


@pytest.mark.parametrize(("markdown", "spoken"), [
    ("Some **bold**, __strong__, *emphasis* and ~~gone~~ text.",
     "Some bold, strong, emphasis and gone text."),
    ("See [the docs](https://docs.python.org/3/library/re.html \"title\") now.",
     "See the docs now."),
    ("Bare https://www.example.com/a/b?c=d. Next.", "Bare example.com. Next."),
    ("Auto <https://qiniu.com/x> link.", "Auto qiniu.com link."),
    ("![a cat](cat.png) and a note[^1].", "a cat and a note."),
    ("Call `re.sub(r'\\*', x)` with *care*.", "Call re.sub(r'\\*', x) with care."),
    ("# Heading one ##\n## Heading two", "Heading one\nHeading two"),
    ("- first\n* second\n+ third\n1. one\n2) two\n- [x] done", "first\nsecond\nthird\none\ntwo\ndone"),
    ("> quoted\n>> twice", "quoted\ntwice"),
    ("| name | size |\n|:-----|----:|\n| a.txt | 3 KB |", "name, size\na.txt, 3 KB"),
    ("Title\n=====\nText\n\n---\n***\nEnd", "Title\nText\nEnd"),
    ("Escaped \\*not emphasis\\* and 2*3*4 and snake_case_name.",
     "Escaped *not emphasis* and 2*3*4 and snake_case_name."),
    ("Line <b>bold</b><!-- hidden --> <br/>end", "Line bold end"),
    ("[ref]: https://example.com\nA [link][ref].", "A link."),
    ("Spaces   and\ttabs  ", "Spaces and tabs"),
    ("**unclosed bold at the end of a stream", "unclosed bold at the end of a stream"),
    ("中文**加粗**和[链接](http://a.cn)。", "中文加粗和链接。"),
])
def test_markup_is_removed(markdown, spoken):
    assert speakable(markdown) == spoken


def test_code_blocks_become_a_short_mention():
    markdown = "Run this:\n```python\nprint('x')\n```\nThen ~~~ is text\n~~~~\nmore code\n~~~~\nDone."
    assert speakable(markdown) == f"Run this:\n{CODE_BLOCK}\nThen ~~~ is text\n{CODE_BLOCK}\nDone."


def test_an_unclosed_fence_is_code_to_the_end():
    assert speakable("Look:\n```\nhalf a code block\nstill code") == f"Look:\n{CODE_BLOCK}"


def test_a_fence_closes_only_with_the_same_marker_at_least_as_long():
    markdown = "````\n```\nnested\n```\n````\nafter"
    assert speakable(markdown) == f"{CODE_BLOCK}\nafter"


def test_blank_lines_and_empty_markup_leave_nothing():
    assert speakable("\n\n---\n\n") == ""
