"""A long list at the end of a streaming reply, cut into parts as it grows, so that each
append costs the last few items, not the list.

Textual's append parses the document again from the start of its last block, and replaces
that block whole: for a list of 300 items, 160 ms per append, most of it laying out the list
mounted anew. Here, once the list at the end has SEAL_ITEMS items, everything above its last
item is sealed: left as it is, a block of its own, and Textual is told that the last block
starts at the last item. The parts look as one list: a sealed part has no space below it, and
the numbers of an ordered list are as wide in every part as in the last.

A part is sealed only where that changes nothing: at a line that starts a new item of the same
list at its first column (which ends every item above it), and, for an ordered list, only if
that item's number is the one the list would give it anyway (a list written "1. 1. 1." is
numbered by its first number: it is left whole).

This leans on Textual's private `Markdown._last_parsed_line` (where the next append starts
parsing), `Markdown._parse_markdown` (tokens to blocks) and `MarkdownBlock._token`; they are
checked by tests/ui/test_textual_internals.py.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from markdown_it import MarkdownIt
from textual.widgets._markdown import MarkdownBullet, MarkdownBulletList, MarkdownOrderedList

if TYPE_CHECKING:
    from textual.widgets import Markdown

SEAL_ITEMS = 8
SEALED = "-sealed"
LIST_TYPES = (MarkdownBulletList, MarkdownOrderedList)
# An item's marker is followed by white space or ends its line (an empty item, so far).
_NUMBER = re.compile(r"(\d{1,9})([.)])(?:[ \t\n]|$)")
# A thematic break takes precedence over a bullet item ("- - -").
_BREAK = re.compile(r"[ ]{0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")


async def seal_long_list(markdown: Markdown) -> None:
    """Seal the list at the end of `markdown` above its last item, if it is long enough."""
    block = markdown.children[-1] if markdown.children else None
    if not isinstance(block, LIST_TYPES) or len(block.children) < SEAL_ITEMS:
        return
    lines = markdown.source.splitlines(keepends=True)
    start, end = block.source_range
    if end != len(lines):
        return
    ordered = isinstance(block, MarkdownOrderedList)
    cut = _last_item(lines, start, end, block._token.markup, ordered)
    if cut is None:
        return
    if isinstance(block, MarkdownOrderedList) and \
            not _numbered_as_written(block, lines[start], lines[cut]):
        return
    tokens = MarkdownIt("gfm-like").parse("".join(lines[cut:]))
    # Alone, the last item must be the whole of one list of the same kind, and one item.
    if not tokens or tokens[0].type != block._token.type or tokens[-1].level != 0 \
            or tokens[-1].type != block._token.type.replace("_open", "_close") \
            or sum(1 for token in tokens if token.level == 0 and token.nesting == 1) != 1 \
            or sum(1 for token in tokens if token.level == 1 and token.nesting == 1) != 1:
        return
    parts = list(markdown._parse_markdown(tokens))
    for part in parts:
        first, last = part.source_range
        part.source_range = (first + cut, last + cut)
    async with markdown.lock:
        with markdown.app.batch_update():
            await block.children[-1].remove()
            block.source_range = (start, cut)
            block.add_class(SEALED)
            await markdown.mount_all(parts)
            markdown._last_parsed_line = cut


def widen_sealed_numbers(markdown: Markdown) -> None:
    """Give the sealed parts of the ordered list at the end numbers as wide as its last
    part's (which grow: 9 then 10)."""
    children = markdown.children
    if len(children) < 2 or not isinstance(children[-1], MarkdownOrderedList):
        return
    width = max((len(bullet.symbol) for bullet in _bullets(children[-1])), default=0)
    for part in reversed(children[:-1]):
        bullets = _bullets(part) if isinstance(part, MarkdownOrderedList) \
            and part.has_class(SEALED) else []
        if not bullets or len(bullets[0].symbol) >= width:
            return
        for bullet in bullets:
            bullet.symbol = bullet.symbol.rjust(width)
            bullet.refresh(layout=True)  # its width is its symbol's


def _bullets(part: MarkdownOrderedList) -> list[MarkdownBullet]:
    """The numbers of a list's own items: each row is the item's bullet, then its blocks."""
    return [row.children[0] for row in part.children
            if row.children and isinstance(row.children[0], MarkdownBullet)]


def _last_item(lines: list[str], start: int, end: int, markup: str,
               ordered: bool) -> int | None:
    """The line where the list's last item starts, if it starts at the first column and is
    not its first item."""
    for index in range(end - 1, start, -1):
        line = lines[index]
        if ordered:
            match = _NUMBER.match(line)
            if match and match[2] == markup:
                return index
        elif (line.rstrip("\n") == markup or line.startswith((markup + " ", markup + "\t"))) \
                and not _BREAK.match(line):
            return index
    return None


def _numbered_as_written(block: MarkdownOrderedList, first: str, last: str) -> bool:
    """Whether the last item's written number is the one the whole list gives it."""
    first_match, last_match = _NUMBER.match(first), _NUMBER.match(last)
    if first_match is None or last_match is None:
        return False
    return int(last_match[1]) == int(first_match[1]) + len(block.children) - 1  # a row an item
