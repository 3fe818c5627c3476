"""`ask` on a terminal: appends stream out, a rewrite moves back and reprints, escapes are inert."""

from __future__ import annotations

import io

from tui.commands.live_text import LiveText, rows_used
from tui.domain.reply import ReplyText


def feed(snapshots, columns=40):
    out, reply = io.StringIO(), ReplyText()
    live = LiveText(out, columns)
    for snapshot in snapshots:
        edit = reply.update(snapshot)
        if edit is not None:
            live.apply(edit, snapshot)
    return out.getvalue()


def test_appends_are_written_as_they_come():
    assert feed(["Hello", "Hello, wor", "Hello, world."]) == "Hello, world."


def test_a_rewrite_returns_to_the_start_and_reprints():
    written = feed(["line one\nline two is long", "line one\nline 2."])
    assert written.startswith("line one\nline two is long")
    assert written.endswith("\x1b[1F\x1b[Jline one\nline 2.")


def test_escape_sequences_are_shown_not_obeyed():
    written = feed(["clip \x1b]52;c;aGk=\x07 clear \x1b[2J"])
    assert "\x1b" not in written and "\x07" not in written
    assert "␛]52;c;aGk=␇" in written and "␛[2J" in written


def test_rows_count_wide_characters_twice():
    assert rows_used("你" * 20, 40) == 1
    assert rows_used("你" * 21, 40) == 2
    assert rows_used("a\n\nb", 40) == 3
