"""A long paragraph that grows at the end of a streaming reply, kept as wrapped lines so that
each append costs its own length, not the paragraph's.

Textual parses a paragraph's inline markdown whole, then wraps and draws it whole: at 100 KB
that is ~150 ms per frame. Here the paragraph's source is split in two: a frozen start, kept
as segments already turned into Content and wrapped into lines once, and a short tail, parsed
and wrapped again on each append. A segment is frozen only where that changes nothing:

* it ends at a run of spaces between two words (so it ends a word for markdown-it and for
  the wrapping, and the space between them is one space either way);
* parsed alone, it leaves no delimiter open: no `*`, `_` or `~` run that could open, no
  backtick, no `[`, no `<`, no hard break. Text appended later can then only pair with
  delimiters after it, so markdown-it gives it the very same Content inside the whole.

Wrapping is greedy, so every line but the last of the frozen start is final; that last line
(the carry) is wrapped again with the tail. A paragraph with an open delimiter near its
start stays whole in the tail (and costs its length again, as before) until the delimiter
closes.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it.token import Token
from textual.content import Content

# The tail is frozen down to about KEEP characters once it is longer than FREEZE_AT.
FREEZE_AT = 3_000
KEEP = 1_000
_SPACES = re.compile(r"(?<=\S) +(?=\S)")
_OPENS = re.compile(r"[*_~]+(?=\S)|[`\[<]")


class GrowingParagraph:
    """The Content of a paragraph's inline markdown, as lines wrapped at a width."""

    def __init__(self, parse: Callable[[str], Token], to_content: Callable[[Token], Content],
                 text: str) -> None:
        self._parse = parse  # inline markdown -> markdown-it's inline token
        self._to_content = to_content  # inline token -> the paragraph's Content
        self._segments: list[Content] = []  # the frozen start, each segment ending in " "
        self._tail = ""
        self._tail_content: Content | None = None
        # Lines at one width: those of the frozen start but its last, and where each starts
        # in the paragraph's text; the carry is the frozen text after them.
        self._width = -1
        self._done: list[Content] = []
        self._done_starts: list[int] = []
        self._carry = Content("")
        self._carry_start = 0
        self._wrapped = 0  # segments wrapped so far
        self._tail_lines: tuple[list[Content], list[int]] | None = None
        self.extend(text.lstrip())

    @property
    def plain(self) -> str:
        return "".join(segment.plain for segment in self._segments) + self.tail_content.plain

    @property
    def tail_content(self) -> Content:
        if self._tail_content is None:
            self._tail_content = self._to_content(self._parse(self._tail.rstrip()))
        return self._tail_content

    def extend(self, more: str) -> None:
        """Take `more`, appended to the paragraph's source (line breaks in it go on the
        paragraph: markdown-it reads them as spaces, or as breaks after two spaces)."""
        self._tail += more
        self._tail_content = None
        self._tail_lines = None
        while len(self._tail) > FREEZE_AT and self._freeze():
            pass

    def _freeze(self) -> bool:
        """Freeze a segment at the start of the tail, if there is one that changes nothing."""
        tail = self._tail
        cuts = [match.end() for match in _SPACES.finditer(tail, 0, len(tail) - KEEP)]
        if not cuts:
            return False
        # The latest cut first; failing that, the latest one before each possible opener.
        candidates = [cuts[-1]]
        for opener in reversed([match.start() for match in _OPENS.finditer(tail, 0, cuts[-1])]):
            before = [cut for cut in cuts if cut <= opener]
            if before and before[-1] < candidates[-1]:
                candidates.append(before[-1])
            if len(candidates) == 4:
                break
        for cut in candidates:
            token = self._parse(tail[:cut].rstrip())
            if _closed(token):
                self._segments.append(self._to_content(token) + " ")
                self._tail = tail[cut:]
                self._tail_content = None
                self._tail_lines = None
                return True
        return False

    def lines(self, width: int) -> tuple[list[Content], list[int]]:
        """The tail's lines at `width` and where each starts in the paragraph's text; the
        lines before them are `done_line(index)`."""
        if width != self._width:
            self._width, self._done, self._done_starts = width, [], []
            self._carry, self._carry_start, self._wrapped = Content(""), 0, 0
            self._tail_lines = None
        for segment in self._segments[self._wrapped:]:
            lines, starts = _wrap(self._carry + segment, width, self._carry_start)
            self._done += lines[:-1]
            self._done_starts += starts[:-1]
            self._carry = (self._carry + segment)[starts[-1] - self._carry_start:]
            self._carry_start = starts[-1]
            self._tail_lines = None
        self._wrapped = len(self._segments)
        if self._tail_lines is None:
            self._tail_lines = _wrap(self._carry + self.tail_content, width, self._carry_start)
        return self._tail_lines

    @property
    def done(self) -> list[Content]:
        """The final lines at the width of the last `lines()`."""
        return self._done

    @property
    def done_starts(self) -> list[int]:
        return self._done_starts


def _closed(token: Token) -> bool:
    """Whether an inline token leaves nothing open that later text could close."""
    for child in token.children or ():
        if child.type in ("html_inline", "hardbreak"):
            return False
        if child.type == "text" and _OPENS.search(child.content):
            return False
    return True


def _wrap(content: Content, width: int, start: int) -> tuple[list[Content], list[int]]:
    """`content` wrapped as Textual wraps a paragraph, and where each line starts (its text
    begins at `start` of the paragraph's)."""
    lines = content.wrap(width) or [Content("")]
    starts, position, text = [], 0, content.plain
    for line in lines:
        # A line begins with a word (it is where a break went): found past the spaces that
        # ended the line before.
        position = text.find(line.plain, position) if line.plain else position
        starts.append(start + position)
        position += len(line.plain)
    return lines, starts
