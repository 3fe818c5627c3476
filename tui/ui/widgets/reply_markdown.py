"""A Markdown widget for replies, whose code block can grow cheaply while a reply streams.

Textual's append re-parses the whole last block, and a fence re-parsed is highlighted again
whole and re-rendered as one label: every new line of a long code block would cost more than
the one before. Here, while a reply streams:

* text appended inside an open fence (one that the new text does not close) goes straight to
  the fence, without markdown-it: only the new text and the fence's last line are looked at;
* the fence's code is highlighted as pieces of PIECE_LINES lines: a full piece is highlighted
  once and never again, only the last piece is redone;
* the pieces are shown by one FenceLines widget, whose layout and drawing cost the lines on
  screen, not the block.

Lexer state across a cut (a string spanning lines) can be off while streaming; when the reply
ends, the fence is highlighted again in one piece (unless it is huge: see markdown_feed).
A long paragraph growing at the end is drawn the same way from a GrowingParagraph
(growing_paragraph.py), as long as every line an append starts begins with a letter (such a
line cannot start another block, or make the paragraph a heading or a table). A long list at
the end is cut into parts as it grows (sealed_lists.py).

This is the one place that leans on Textual's private Markdown internals, as Textual has no
public hook for them: `Markdown._markdown` (the source, which an append extends),
`MarkdownBlock._markdown` (the document a block belongs to), `_token`, `_content` and
`_token_to_content` (inline markdown to Content), `MarkdownFence._copy_context` and
`_update_from_block` (how an append updates the last block in place), and the paragraph
block, `textual.widgets._markdown.MarkdownParagraph`.
tests/ui/test_textual_internals.py fails, naming what changed, if an upgrade changes any.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from markdown_it import MarkdownIt
from markdown_it.token import Token
from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.content import Content
from textual.geometry import Size
from textual.layout import DockArrangeResult
from textual.selection import Selection
from textual.strip import Strip
from textual.style import Style
from textual.visual import Visual
from textual.widgets import Markdown
from textual.widgets._markdown import MarkdownParagraph
from textual.widgets.markdown import MarkdownBlock, MarkdownFence

from tui.ui.widgets.fence_lines import FenceLines
from tui.ui.widgets.growing_paragraph import FREEZE_AT, GrowingParagraph
from tui.ui.widgets.sealed_lists import SEALED, seal_long_list, widen_sealed_numbers
from tui.ui.widgets.tall_layout import relayout, tall_arrangement

PIECE_LINES = 24

# A line that could end a fence (or text markdown-it would normalise): such an append is
# parsed again. Broader than markdown-it's rule on purpose: a false alarm only costs a parse.
_MAY_CLOSE = re.compile(r"^[ \t]*(?:```|~~~)|[\r\0]", re.MULTILINE)
# Text markdown-it would normalise before parsing.
_CONTROL = re.compile(r"[\r\0]")


class GrowingFence:
    """The highlighted pieces of one fence's code, made as it grows: a full piece once."""

    __slots__ = ("_done", "_done_code", "_key")

    def __init__(self) -> None:
        self._key: tuple[str, bool, bool] | None = None
        self._done_code = ""  # the code of the full pieces, each followed by its newline
        self._done: list[Content] = []

    @property
    def size(self) -> int:
        """Characters of the fence already in full pieces."""
        return len(self._done_code)

    def fits(self, code: str, key: tuple[str, bool, bool]) -> bool:
        """Whether `code` (highlighted as `key` says) is the code so far, grown."""
        return self._key in (None, key) and code.startswith(self._done_code)

    def pieces(self, code: str, key: tuple[str, bool, bool]) -> tuple[Content, ...]:
        """The pieces of `code`, which fits."""
        self._key = key
        language, ansi, dark = key
        start = len(self._done_code)
        while (end := _after_lines(code, start, PIECE_LINES)) is not None:
            self._done.append(_highlight(code[start:end - 1], language, ansi, dark))
            start = end
        self._done_code = code[:start]
        return (*self._done, _highlight(code[start:], language, ansi, dark))


def _goes_on_paragraph(markdown: str, after_break: bool) -> bool:
    """Whether `markdown`, appended to a paragraph (whose source ends in a line break if
    `after_break`), only goes on with it: each line it starts begins with a letter, and such a
    line stays a paragraph line however it goes on. A line it leaves empty at its end is left
    to the next append."""
    lines = markdown.split("\n")
    started = lines if after_break else lines[1:]
    if started and started[-1] == "" and len(lines) > 1:
        started = started[:-1]
    return all(line.lstrip(" \t")[:1].isalpha() for line in started)


def _highlight(code: str, language: str, ansi: bool, dark: bool) -> Content:
    """`code` highlighted, every line of it: Textual's highlight drops a last empty line,
    which in a piece is a line of the fence."""
    content = MarkdownFence.highlight(code, language, ansi, dark)
    lost = code.count("\n") - content.plain.count("\n")
    return content + "\n" * lost if lost > 0 else content


def _after_lines(text: str, start: int, count: int) -> int | None:
    """The index just past the `count`-th newline from `start`, or None if there are fewer."""
    index = start - 1
    for _ in range(count):
        index = text.find("\n", index + 1)
        if index < 0:
            return None
    return index + 1


class ReplyFence(MarkdownFence):
    """A fence that, while its reply streams, shows its code as pieces (see the module doc)."""

    DEFAULT_CSS = """
    ReplyFence > FenceLines { padding: 1 2; }
    ReplyFence:ansi > FenceLines { padding: 1 0; }
    """

    _pieces: tuple[Content, ...] = ()
    _growing: GrowingFence | None = None

    def highlight(self, code: str, language: str, ansi: bool = False,  # type: ignore[override]
                  dark: bool = False) -> Content:
        document = self._markdown
        shared = document.growing_fence if isinstance(document, ReplyMarkdown) else None
        if shared is None and not self._pieces:
            return MarkdownFence.highlight(code, language, ansi, dark)
        # Guessing a language scans the whole text with every lexer: leave that to the end.
        key = (language or "text", ansi, dark)
        # While streaming, the pieces of the last fence are the document's (a new block made
        # by an append takes them over); a fence kept in pieces (huge) keeps its own, which
        # a restyle reuses and only a new theme makes again.
        growing = shared if shared is not None else self._growing
        if growing is None or not growing.fits(code, key):
            growing = GrowingFence()
            if isinstance(document, ReplyMarkdown) and shared is not None:
                document.growing_fence = growing
        self._growing = growing
        self._pieces = growing.pieces(code, key)
        # Joined, the pieces would cost as much as highlighting them all; while there are
        # pieces, only they are shown (compose, set_content, _update_from_block).
        return self._pieces[-1]

    def arrange(self, size: Size, optimal: bool = False) -> DockArrangeResult:
        # It can hold a long reply: see tall_layout.
        return tall_arrangement(super().arrange(size, optimal))

    def compose(self) -> ComposeResult:
        if self._pieces:
            yield FenceLines(self._pieces)
        else:
            yield from super().compose()

    def set_content(self, content: Content) -> None:
        if self._pieces:
            self._show_pieces()
        else:
            super().set_content(content)

    def grow(self, code: str) -> None:
        """Show `code`, this fence's code grown by an append that did not close it."""
        self.code = code
        self._highlighted_code = self.highlight(code, self.lexer, self.app.native_ansi_color,
                                                self.app.current_theme.dark)
        self._show_pieces()

    def _show_pieces(self) -> None:
        for lines in self.query_children(FenceLines):
            lines.show(self._pieces)

    async def _update_from_block(self, block: MarkdownBlock) -> None:
        fence = block if isinstance(block, ReplyFence) and block._pieces else None
        if fence is not None and self._pieces:
            self._copy_context(fence)
            self._pieces, self._growing = fence._pieces, fence._growing
            self._show_pieces()
        elif fence is not None or self._pieces:
            # Pieces give way to the fence highlighted whole, or the other way round: a block
            # of its own (the last one, so it goes where this one was).
            await self.remove()
            await self._markdown.mount(block)
        else:
            await super()._update_from_block(block)


class ReplyParagraph(MarkdownParagraph):
    """A paragraph that, when long and growing at the end of a streaming reply, is drawn from
    a GrowingParagraph: each append wraps and draws only its tail (see growing_paragraph)."""

    _growing: GrowingParagraph | None = None

    def __init__(self, markdown: Markdown, token: Token) -> None:
        super().__init__(markdown, token)
        self._done_strips: dict[int, Strip] = {}  # drawn lines of the frozen start, by line
        self._drawn_width = -1

    @property
    def drawn_in_lines(self) -> bool:
        """Whether it is drawn from a GrowingParagraph."""
        return self._growing is not None

    def grow_from(self, text: str, parse: Callable[[str], Token]) -> None:
        """Be drawn from now on from `text`, this paragraph's source, as it grows."""
        self._growing = GrowingParagraph(parse, self._token_to_content, text)
        self._done_strips.clear()
        relayout(self)

    def grow(self, more: str) -> None:
        """Take `more`, appended to this paragraph's source, which it only goes on."""
        assert self._growing is not None
        height = self._height()
        self._growing.extend(more)
        if self._height() != height or not height:
            relayout(self)
        else:
            self.refresh()

    def _height(self) -> int:
        growing, width = self._growing, self.size.width
        if growing is None or not width:
            return 0
        tail, _ = growing.lines(width)  # first: it brings `done` up to date
        return len(growing.done) + len(tail)

    async def _update_from_block(self, block: MarkdownBlock) -> None:
        growing = self._growing
        if growing is not None and isinstance(block, MarkdownParagraph) \
                and block._content.plain == growing.plain:
            # Parsed again (text after it ended it): what is drawn is already that.
            self._copy_context(block)
            return
        self._growing = None
        self._done_strips.clear()
        await super()._update_from_block(block)
        relayout(self)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        if self._growing is None:
            return super().get_content_height(container, viewport, width)
        tail, _ = self._growing.lines(width)  # first: it brings `done` up to date
        return len(self._growing.done) + len(tail)

    def notify_style_update(self) -> None:
        self._done_strips.clear()
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        growing = self._growing
        if growing is None:
            return super().render_line(y)
        width = self.size.width
        tail, tail_starts = growing.lines(width)
        done = growing.done
        if width != self._drawn_width:
            self._done_strips.clear()
            self._drawn_width = width
        if y < len(done):
            if (strip := self._done_strips.get(y)) is None:
                strip = self._draw(done[y], growing.done_starts[y], width)
                if self.text_selection is None:
                    self._done_strips[y] = strip
            return strip
        if y - len(done) < len(tail):
            return self._draw(tail[y - len(done)], tail_starts[y - len(done)], width)
        return Strip.blank(width, self.rich_style)

    def _draw(self, line: Content, start: int, width: int) -> Strip:
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(0)) is not None:
            first, last = span
            first, last = first - start, (len(line) if last == -1 else last - start)
            if first < len(line) and last > 0:
                style = Style.from_styles(self.screen.get_component_styles("screen--selection"))
                line = line.stylize(style, max(0, first), min(len(line), last))
        [strip] = Visual.to_strips(self, line, width, 1, self.visual_style,
                                   apply_selection=False)
        # Offsets in the paragraph's text, as a whole paragraph's are (for selecting).
        return strip.apply_offsets(start, 0)

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        if self._growing is None:
            return super().get_selection(selection)
        return selection.extract(self._growing.plain), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self._done_strips.clear()
        super().selection_updated(selection)


class ReplyMarkdown(Markdown):
    BLOCKS = {**Markdown.BLOCKS, "fence": ReplyFence, "code_block": ReplyFence,
              "paragraph_open": ReplyParagraph}
    DEFAULT_CSS = f"""
    ReplyMarkdown > .{SEALED} {{ margin-bottom: 0; }}
    """

    def __init__(self, markdown: str | None = None) -> None:
        super().__init__(markdown)
        # Set only while a reply streams into this widget.
        self.growing_fence: GrowingFence | None = None
        # The last block, while text appended next (in the same line, for a paragraph) would
        # only grow it, and for a fence, the source after its opening line.
        self._open_block: ReplyFence | ReplyParagraph | None = None
        self._open_body = ""
        self._inline_parser: MarkdownIt | None = None

    def arrange(self, size: Size, optimal: bool = False) -> DockArrangeResult:
        # It can hold a long reply: see tall_layout.
        return tall_arrangement(super().arrange(size, optimal))

    def update(self, markdown: str) -> AwaitComplete:
        self._open_block = None
        return super().update(markdown)

    def append(self, markdown: str) -> AwaitComplete:
        if self._grow(markdown):
            self._markdown = self.source + markdown
            return AwaitComplete.nothing()
        self._open_block = None
        appended = super().append(markdown)

        async def then_find_the_open_block() -> None:
            await appended
            if self.growing_fence is not None:
                await seal_long_list(self)
            widen_sealed_numbers(self)
            self._find_open_block()

        return AwaitComplete(then_find_the_open_block())

    def _grow(self, markdown: str) -> bool:
        """Give `markdown` straight to the open block, if it cannot end it or change it."""
        block = self._open_block
        if isinstance(block, ReplyParagraph):
            after_break = self.source.endswith("\n")
            if _CONTROL.search(markdown) or not _goes_on_paragraph(markdown, after_break):
                return False
            start, end = block.source_range
            ends_line = markdown.endswith("\n")
            block.source_range = (start, end + markdown.count("\n") + after_break - ends_line)
            block.grow(markdown)
            return True
        if block is None or self.growing_fence is None:
            return False
        last_line = self._open_body[self._open_body.rfind("\n") + 1:]
        if _MAY_CLOSE.search(last_line + markdown):
            return False
        self._open_body += markdown
        start, end = block.source_range
        block.source_range = (start, end + markdown.count("\n"))
        # markdown-it's code of an open fence: its lines, less trailing white space.
        block.grow(self._open_body.rstrip())
        return True

    def _find_open_block(self) -> None:
        """Note the last block if text appended next can go straight to it."""
        block = self.children[-1] if self.children else None
        if self.growing_fence is None or not isinstance(block, ReplyFence | ReplyParagraph):
            return
        lines = self.source.splitlines(keepends=True)
        start, end = block.source_range
        if end != len(lines) or start >= end:
            return
        if isinstance(block, ReplyParagraph):
            text = "".join(lines[start:])
            last = lines[-1].lstrip(" ")
            # A line that starts with a letter stays a paragraph line however it goes on;
            # a short paragraph is cheap enough to parse again.
            if (len(text) >= FREEZE_AT and last[:1].isalpha() and len(lines[-1]) - len(last) < 4
                    and not _CONTROL.search(text)):
                block.grow_from(text, self._parse_inline)
                self._open_block = block
            return
        opening, body = lines[start], "".join(lines[start + 1:])
        # Taken as is, the lines are markdown-it's code only for a fence that starts its line
        # (no indent to take off), whose opening line is whole and that is not closed.
        if (block._token.type == "fence" and block._pieces
                and opening.startswith(block._token.markup) and opening.endswith("\n")
                and not (body and _MAY_CLOSE.search(lines[-1]))
                and not _CONTROL.search(body)):
            self._open_block, self._open_body = block, body

    def _parse_inline(self, text: str) -> Token:
        if self._inline_parser is None:
            self._inline_parser = MarkdownIt("gfm-like")
        [inline] = self._inline_parser.parseInline(text)
        return inline
