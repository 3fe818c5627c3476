"""Making untrusted text safe to put on a terminal.

A reply could carry escape sequences (OSC 52 writes the clipboard, CSI 2J clears the screen).
Every control character but newline and tab becomes a visible Control Pictures glyph, so the
sequence is shown, not obeyed.
"""

from __future__ import annotations

import re

from tui.domain.reply import Edit

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _glyph(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟, ␛ for ESC
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"\\x{code:02x}"  # C1 controls have no glyphs


def make_inert(text: str) -> str:
    return _CONTROL.sub(_glyph, text) if _CONTROL.search(text) else text


class InertReply:
    """The inert form of a streaming reply, kept in step with the raw edits.

    Only the inserted part of an append is converted, so a long reply costs no more per event
    than its newest words. Some characters become several (C1 controls are shown as \\x9b), so
    positions in the inert text differ from raw ones; a rewrite converts the kept prefix afresh.
    """

    __slots__ = ("text",)

    def __init__(self) -> None:
        self.text = ""

    def apply(self, edit: Edit, raw_text: str) -> Edit:
        """Take a raw edit (and the whole raw text after it); return the edit of the inert text."""
        old_length = len(self.text)
        if edit.is_append:
            insert = make_inert(edit.insert)
            self.text += insert
            return Edit(old_length, insert, old_length)
        keep = len(make_inert(raw_text[: edit.keep]))
        self.text = make_inert(raw_text)
        return Edit(keep, self.text[keep:], old_length)
