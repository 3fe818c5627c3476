"""A Markdown widget for replies, whose code block can grow cheaply while a reply streams.

Each append re-parses the last block; when that is a long code fence, Textual highlights the
whole fence again and re-renders it as one label, so every new line costs more than the one
before. While streaming, a fence here is kept as pieces of PIECE_LINES lines: a full piece is
highlighted once and its label never changes again; only the last piece is redone. Lexer state
across a cut (a string spanning lines) can be off while streaming; when the reply ends, the
fence is highlighted again in one piece (unless it is huge: see markdown_feed).

This is the one place that leans on Textual's private Markdown internals, as Textual has no
public hook for them: `MarkdownBlock._markdown` (the document a block belongs to),
`MarkdownFence._copy_context` and `_update_from_block` (how an append updates the last block in
place). tests/ui/test_textual_internals.py fails, naming what changed, if an upgrade changes
any of them.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.content import Content
from textual.widgets import Label, Markdown
from textual.widgets.markdown import MarkdownBlock, MarkdownFence

PIECE_LINES = 24


class GrowingFence:
    """The highlighted pieces of the fence that grows at the end of a streaming reply."""

    __slots__ = ("_done", "_done_code", "_key")

    def __init__(self) -> None:
        self._key: tuple[str, bool, bool] | None = None
        self._done_code = ""  # the code of the full pieces, each followed by its newline
        self._done: list[Content] = []

    @property
    def size(self) -> int:
        """Characters of the fence already in full pieces."""
        return len(self._done_code)

    def pieces(self, code: str, language: str, ansi: bool, dark: bool) -> tuple[Content, ...]:
        # Guessing a language scans the whole text with every lexer: leave that to the end.
        language = language or "text"
        key = (language, ansi, dark)
        if key != self._key or not code.startswith(self._done_code):
            self._key, self._done_code, self._done = key, "", []
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
    ReplyFence > Label.piece {
        padding: 0 2;
        &.first { padding-top: 1; }
        &.last { padding-bottom: 1; }
    }
    """

    _pieces: tuple[Content, ...] = ()

    def highlight(self, code: str, language: str, ansi: bool = False,  # type: ignore[override]
                  dark: bool = False) -> Content:
        growing = getattr(self._markdown, "growing_fence", None)
        if growing is None:
            self._pieces = ()
            return MarkdownFence.highlight(code, language, ansi, dark)
        self._pieces = growing.pieces(code, language, ansi, dark)
        # Joined, the pieces would cost as much as highlighting them all; while there are
        # pieces, only they are shown (compose, set_content, _update_from_block).
        return self._pieces[-1]

    def compose(self) -> ComposeResult:
        if not self._pieces:
            yield from super().compose()
            return
        for index, piece in enumerate(self._pieces):
            yield self._label(piece, index, len(self._pieces))

    def set_content(self, content: Content) -> None:
        if self._pieces:
            # A theme change while streaming: highlight() has just made new pieces.
            pieces, self._pieces = self._pieces, ()
            self.call_later(self._show, pieces)
        else:
            super().set_content(content)

    async def _update_from_block(self, block: MarkdownBlock) -> None:
        if isinstance(block, ReplyFence) and block._pieces and self._pieces:
            self._copy_context(block)
            await self._show(block._pieces)
        elif self._pieces:
            # The pieces give way to the fence highlighted whole: a block of its own (the
            # last one, so it goes where this one was).
            await self.remove()
            await self._markdown.mount(block)
        else:
            await super()._update_from_block(block)

    async def _show(self, pieces: tuple[Content, ...]) -> None:
        labels = list(self.query_children(Label))
        for index, (label, piece) in enumerate(zip(labels, pieces, strict=False)):
            # Full pieces are the very same objects from one append to the next.
            if index >= len(self._pieces) or self._pieces[index] is not piece:
                label.update(piece)
            label.set_class(index == len(pieces) - 1, "last")
        if len(labels) > len(pieces):
            await self.remove_children(labels[len(pieces):])
        elif len(pieces) > len(labels):
            await self.mount_all(self._label(piece, index, len(pieces))
                                 for index, piece in enumerate(pieces) if index >= len(labels))
        self._pieces = pieces

    @staticmethod
    def _label(piece: Content, index: int, count: int) -> Label:
        classes = " ".join(["piece", *(["first"] if index == 0 else []),
                            *(["last"] if index == count - 1 else [])])
        return Label(piece, classes=classes, expand=True)


class ReplyMarkdown(Markdown):
    BLOCKS = {**Markdown.BLOCKS, "fence": ReplyFence, "code_block": ReplyFence}

    def __init__(self, markdown: str | None = None) -> None:
        super().__init__(markdown)
        # Set only while a reply streams into this widget.
        self.growing_fence: GrowingFence | None = None
