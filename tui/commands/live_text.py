"""Showing a streaming reply on a terminal as it changes, rewrites included."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import TextIO

from tui.domain.inert_text import InertReply
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
        self.inert = InertReply()

    def apply(self, edit: Edit, text: str | Callable[[], str]) -> None:
        """Show `edit`; `text` is the whole reply after it, or a function that makes it (only a
        rewrite reads it)."""
        shown = self.inert.text
        inert_edit = self.inert.apply(edit, text)
        if inert_edit.is_append:
            self.out.write(inert_edit.insert)
        else:
            up = rows_used(shown, self.columns) - 1
            self.out.write((f"\x1b[{up}F" if up else "\r") + "\x1b[J" + self.inert.text)
        self.out.flush()
