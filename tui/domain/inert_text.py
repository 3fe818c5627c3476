"""How text from a service (or a user) reaches a terminal, a widget or a file: inert.

A reply could carry escape sequences (OSC 52 writes the clipboard, CSI 2J clears the screen) or
bidi controls (U+202E makes "exe.txt" read as "txt.exe"). `make_inert` is the one function
every path uses: control characters but newline and tab become visible Control Pictures
glyphs, C1 controls, bidi controls and lone surrogates (undecodable bytes) become visible
escapes, so the sequence is shown, not obeyed. `inert_value` is the same for a value quoted
inside a message: one line, and shortened when it is over-long. `inert_json` is JSON output
(`--json`), which reaches terminals too: there the same characters become `\\u` escapes, so
nothing is lost for a JSON reader.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from tui.domain.reply import Edit

_BIDI = "\u200e\u200f\u202a-\u202e\u2066-\u2069"
_CONTROL = re.compile(f"[\\x00-\\x08\\x0b-\\x1f\\x7f-\\x9f{_BIDI}\\ud800-\\udfff]")
# A value quoted in an error line: long enough to recognise, short enough for one line.
VALUE_LIMIT = 200


def _glyph(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟, ␛ for ESC
    if code == 0x7F:
        return "\u2421"  # ␡
    if code <= 0x9F:
        return f"\\x{code:02x}"  # C1 controls have no glyphs
    return f"\\u{code:04x}"  # bidi controls; lone surrogates are bytes that were not UTF-8


def make_inert(text: str) -> str:
    return _CONTROL.sub(_glyph, text) if _CONTROL.search(text) else text


def shorten(text: str, limit: int = VALUE_LIMIT) -> str:
    """`text` cut to about `limit` characters, saying how much was left out."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({len(text) - limit} more characters)"


def inert_value(value: object, limit: int = VALUE_LIMIT) -> str:
    """A service's value (an error message, a code, a voice name) as it may appear inside one
    line of a message: inert, whitespace collapsed, shortened."""
    return make_inert(" ".join(shorten(str(value), limit).split()))


def inert_json(value: Any, *, indent: int | None = None) -> str:
    """`value` as JSON (UTF-8 kept readable) in which every character `make_inert` would change
    is a `\\uXXXX` escape: inert on a terminal, and the same value once parsed. JSON escapes C0
    controls itself; DEL, C1, bidi controls and lone surrogates it would write as they are."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    return _CONTROL.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


class InertReply:
    """The inert form of a streaming reply, kept in step with the raw edits.

    Only the inserted part of an append is converted, so a long reply costs no more per event
    than its newest words. Some characters become several (C1 controls are shown as \\x9b), so
    positions in the inert text differ from raw ones; a rewrite converts the kept prefix afresh.
    """

    __slots__ = ("text",)

    def __init__(self) -> None:
        self.text = ""

    def apply(self, edit: Edit, raw_text: str | Callable[[], str]) -> Edit:
        """Take a raw edit and the whole raw text after it (or a function that makes it: only
        a rewrite needs it); return the edit of the inert text."""
        old_length = len(self.text)
        if edit.is_append:
            insert = make_inert(edit.insert)
            self.text += insert
            return Edit(old_length, insert, old_length)
        if callable(raw_text):
            raw_text = raw_text()
        keep = len(make_inert(raw_text[: edit.keep]))
        self.text = make_inert(raw_text)
        return Edit(keep, self.text[keep:], old_length)
