"""Making untrusted text safe to put on a terminal.

A reply could carry escape sequences (OSC 52 writes the clipboard, CSI 2J clears the screen).
Every control character but newline and tab becomes a visible Control Pictures glyph, so the
sequence is shown, not obeyed.
"""

from __future__ import annotations

import re

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
