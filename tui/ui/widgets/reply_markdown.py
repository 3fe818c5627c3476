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

This is the one place that leans on Textual's private Markdown internals, as Textual has no
public hook for them: `Markdown._markdown` (the source, which an append extends),
`MarkdownBlock._markdown` (the document a block belongs to) and `_token`, `MarkdownFence.
_copy_context` and `_update_from_block` (how an append updates the last block in place).
tests/ui/test_textual_internals.py fails, naming what changed, if an upgrade changes any.
"""

from __future__ import annotations

import re

from textual.app import ComposeResult
from textual.await_complete import AwaitComplete
from textual.content import Content
from textual.widgets import Markdown
from textual.widgets.markdown import MarkdownBlock, MarkdownFence

from tui.ui.widgets.fence_lines import FenceLines

PIECE_LINES = 24

# A line that could end a fence (or text markdown-it would normalise): such an append is
# parsed again. Broader than markdown-it's rule on purpose: a false alarm only costs a parse.
_MAY_CLOSE = re.compile(r"^[ \t]*(?:```|~~~)|[\r\0]", re.MULTILINE)


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
            self._done.append(MarkdownFence.highlight(code[start:end - 1], language, ansi, dark))
            start = end
        self._done_code = code[:start]
        return (*self._done, MarkdownFence.highlight(code[start:], language, ansi, dark))


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
        in_pieces = isinstance(block, ReplyFence) and bool(block._pieces)
        if in_pieces and self._pieces:
            self._copy_context(block)
            self._pieces, self._growing = block._pieces, block._growing
            self._show_pieces()
        elif in_pieces or self._pieces:
            # Pieces give way to the fence highlighted whole, or the other way round: a block
            # of its own (the last one, so it goes where this one was).
            await self.remove()
            await self._markdown.mount(block)
        else:
            await super()._update_from_block(block)


class ReplyMarkdown(Markdown):
    BLOCKS = {**Markdown.BLOCKS, "fence": ReplyFence, "code_block": ReplyFence}

    def __init__(self, markdown: str | None = None) -> None:
        super().__init__(markdown)
        # Set only while a reply streams into this widget.
        self.growing_fence: GrowingFence | None = None
        # The last block, while it is a fence still open at the end of the source, and the
        # source after its opening line.
        self._open_fence: ReplyFence | None = None
        self._open_body = ""

    def update(self, markdown: str) -> AwaitComplete:
        self._open_fence = None
        return super().update(markdown)

    def append(self, markdown: str) -> AwaitComplete:
        fence = self._open_fence
        if fence is not None and self.growing_fence is not None:
            last_line = self._open_body[self._open_body.rfind("\n") + 1:]
            if not _MAY_CLOSE.search(last_line + markdown):
                self._markdown = self.source + markdown
                self._open_body += markdown
                start, end = fence.source_range
                fence.source_range = (start, end + markdown.count("\n"))
                # markdown-it's code of an open fence: its lines, less trailing white space.
                fence.grow(self._open_body.rstrip())
                return AwaitComplete.nothing()
        self._open_fence = None
        appended = super().append(markdown)

        async def then_find_the_open_fence() -> None:
            await appended
            self._find_open_fence()

        return AwaitComplete(then_find_the_open_fence())

    def _find_open_fence(self) -> None:
        """Note the last block if it is a fence that text appended next could grow."""
        fence = self.children[-1] if self.children else None
        if (self.growing_fence is None or not isinstance(fence, ReplyFence)
                or fence._token.type != "fence" or not fence._pieces):
            return
        lines = self.source.splitlines(keepends=True)
        start, end = fence.source_range
        opening = lines[start] if start < len(lines) else ""
        body = "".join(lines[start + 1:])
        # Taken as is, the lines are markdown-it's code only for a fence that starts its line
        # (no indent to take off), whose opening line is whole and that runs to the end.
        if (end == len(lines) and opening.startswith(fence._token.markup)
                and opening.endswith("\n")
                and not (body and _MAY_CLOSE.search(lines[-1]))
                and "\r" not in body and "\0" not in body):
            self._open_fence, self._open_body = fence, body
