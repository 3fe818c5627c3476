"""Showing a streaming reply on a terminal as it changes, rewrites included."""

from __future__ import annotations

import unicodedata
from typing import TextIO

from tui.domain.inert_text import make_inert
from tui.domain.reply import Edit


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def rows_used(text: str, columns: int) -> int:
    """How many terminal rows `text` occupies when printed from column 0 (wrapping)."""
    return sum(max(1, -(-display_width(line) // columns)) for line in text.split("\n"))


class LiveText:
    """Appends go straight out; a rewrite moves the cursor back up and reprints the reply."""

    def __init__(self, out: TextIO, columns: int) -> None:
        self.out = out
        self.columns = max(10, columns)
        self.shown = ""

    def apply(self, edit: Edit, text: str) -> None:
        if edit.is_append:
            insert = make_inert(edit.insert)
            self.out.write(insert)
            self.shown += insert
        else:
            up = rows_used(self.shown, self.columns) - 1
            self.shown = make_inert(text)
            self.out.write((f"\x1b[{up}F" if up else "\r") + "\x1b[J" + self.shown)
        self.out.flush()
