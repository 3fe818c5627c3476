"""Markdown -> the text a voice should read.

A listener wants the words, not the markup: no asterisks or hashes, link texts without their
URLs, a short mention instead of a code block, table cells as a list. Each output line is one
block (heading, paragraph line, list item, table row), so the sentence splitter can treat a
line break as the end of a sentence. Works line by line, so a half-streamed reply gives the
same text for the part that is complete (an unclosed code fence is a code block so far).
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

CODE_BLOCK = "(code block omitted)"

_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_HEADING = re.compile(r"^ {0,3}#{1,6}(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_RULE = re.compile(r"^ {0,3}(?:(?:-[ \t]*){3,}|(?:=[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$")
_QUOTE = re.compile(r"^[ \t]*(?:>[ \t]?)+")
_LIST_MARKER = re.compile(r"^[ \t]*(?:[-*+•]|\d{1,9}[.)])[ \t]+(?:\[[ xX]\][ \t]+)?")
_TABLE_RULE = re.compile(r"^[ \t]*\|?(?:[ \t]*:?-+:?[ \t]*\|)+(?:[ \t]*:?-+:?[ \t]*)?$")
_REFERENCE = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]*\S+")

_CODE_SPAN = re.compile(r"(`+)(.+?)\1")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\((?:[^()]|\([^)]*\))*\)")
_REFERENCE_LINK = re.compile(r"\[([^\]]+)\]\[[^\]]*\]")
_FOOTNOTE = re.compile(r"\[\^[^\]]*\]")
_AUTOLINK = re.compile(r"<((?:https?|ftp)://[^>\s]+)>")
# A URL does not end in punctuation: that belongs to the sentence around it.
_URL = re.compile(r"(?:https?|ftp)://[^\s<>()\[\]]+(?<![.,;:!?'\"])")
_HTML = re.compile(r"<!--.*?-->|</?[A-Za-z][^<>]*>")
_STRONG = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_STRIKE = re.compile(r"~~(?=\S)(.+?)(?<=\S)~~")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![\w*])"
                       r"|(?<![\w_])_(?=[^\s_])(.+?)(?<=[^\s_])_(?![\w_])")
# Markup left unpaired (often a reply cut mid-stream): `**`, `__`, `~~`, and a `*` that opens
# or closes a word ("2*3*4" keeps its stars).
_STRAY_MARKUP = re.compile(r"\*\*|__|(?<!~)~~(?!~)|(?<!\S)\*(?=\S)|(?<=\S)\*(?!\S)")
_ESCAPABLE = "\\`*_{}[]()#+-.!|>~<"
_ESCAPE = re.compile(r"\\([\\`*_{}\[\]()#+\-.!|>~<])")
# While markup is removed, escaped characters hide in the private use area so that `\*` never
# starts an emphasis; they come back as the plain character.
_HIDDEN = {chr(0xE000 + i): c for i, c in enumerate(_ESCAPABLE)}
_HIDDEN_CHARS = re.compile(f"[{''.join(_HIDDEN)}]")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")


def speakable(markdown: str) -> str:
    """The words of `markdown`, one block per line, without markup."""
    lines = SpeakableLines()
    return "\n".join(text for text in map(lines.line, markdown.split("\n")) if text)


class SpeakableLines:
    """Markdown converted one line at a time (what a streaming reader needs): only a code
    fence spans lines, so its state is all there is to remember."""

    def __init__(self) -> None:
        self._fence: str | None = None

    def line(self, raw: str) -> str:
        """The words of the next complete line ("" when it says nothing)."""
        text, self._fence = self._convert(raw)
        return text

    def peek(self, raw: str) -> str:
        """The words of a line that may still grow, without moving past it."""
        return self._convert(raw)[0]

    def _convert(self, raw: str) -> tuple[str, str | None]:
        raw = raw.removesuffix("\r")
        marker = _FENCE.match(raw)
        fence = self._fence
        if fence is not None:
            closes = (marker and marker.group(1)[0] == fence[0]
                      and len(marker.group(1)) >= len(fence) and not raw[marker.end():].strip())
            return "", None if closes else fence
        if marker:
            return CODE_BLOCK, marker.group(1)
        return _block_text(raw), None


def _block_text(line: str) -> str:
    if _RULE.match(line) or _TABLE_RULE.match(line) or _REFERENCE.match(line):
        return ""
    heading = _HEADING.match(line)
    if heading:
        line = heading.group(1) or ""
    line = _QUOTE.sub("", line)
    line = _LIST_MARKER.sub("", line)
    stripped = line.strip()
    if stripped.startswith("|") or stripped.count("|") >= 2:
        cells = [_inline(cell) for cell in stripped.strip("|").split("|")]
        return ", ".join(cell for cell in cells if cell)
    return _inline(line)


def _inline(text: str) -> str:
    # Code spans are read as they are; markup rules apply only between them.
    parts = _CODE_SPAN.split(text)
    out = []
    for index, part in enumerate(parts):
        kind = index % 3
        if kind == 0:
            out.append(_markup_free(part))
        elif kind == 2:
            out.append(part.strip())
    return _SPACES.sub(" ", "".join(out)).strip()


def _markup_free(text: str) -> str:
    text = _ESCAPE.sub(lambda m: chr(0xE000 + _ESCAPABLE.index(m.group(1))), text)
    text = _AUTOLINK.sub(lambda m: _host(m.group(1)), text)
    text = _HTML.sub("", text)
    text = _IMAGE.sub(r"\1", text)
    text = _LINK.sub(r"\1", text)
    text = _REFERENCE_LINK.sub(r"\1", text)
    text = _FOOTNOTE.sub("", text)
    text = _URL.sub(lambda m: _host(m.group(0)), text)
    text = _STRONG.sub(r"\2", text)
    text = _STRIKE.sub(r"\1", text)
    text = _EMPHASIS.sub(lambda m: m.group(1) or m.group(2), text)
    text = _STRAY_MARKUP.sub("", text)
    return _HIDDEN_CHARS.sub(lambda m: _HIDDEN[m.group()], text)


def _host(url: str) -> str:
    """A URL is read as its site's name: "docs.python.org", not forty characters of path."""
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        host = ""
    return host.removeprefix("www.") or "a link"
