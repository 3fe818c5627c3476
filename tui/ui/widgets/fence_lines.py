"""The lines of a long code block, drawn from cached strips: its cost is that of the lines on
screen, not of the block.

A code block that grows while a reply streams (or that stays in pieces because it is huge) is
a list of highlighted pieces. Shown as one label per piece, every frame laid out and placed
each of them (440 at 400 KB); here it is one widget whose height is its number of lines and
whose `render_line` draws a line from the strips of its piece, rendered once per piece.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence

from rich.cells import cell_len
from rich.segment import Segment
from textual.content import Content
from textual.geometry import Size
from textual.selection import Selection
from textual.strip import Strip
from textual.style import Style
from textual.visual import Visual
from textual.widget import Widget

from tui.ui.widgets.tall_layout import relayout


class FenceLines(Widget):
    """Highlighted pieces of code, one after the other, as lines."""

    DEFAULT_CSS = """
    FenceLines {
        width: auto;
        height: auto;
        padding: 1 2;
    }
    """

    def __init__(self, pieces: Sequence[Content] = ()) -> None:
        super().__init__()
        self._pieces: list[Content] = []
        self._starts: list[int] = []  # the first line of each piece
        self._widths: list[int] = []  # the widest line of each piece, in cells
        self._widest: list[int] = []  # the widest line up to each piece (so far), in cells
        self._strips: list[list[Strip] | None] = []  # rendered when first drawn
        self._lines = 0
        self.show(pieces)

    @property
    def pieces(self) -> tuple[Content, ...]:
        return tuple(self._pieces)

    @property
    def code(self) -> str:
        return "\n".join(piece.plain for piece in self._pieces)

    def show(self, pieces: Sequence[Content]) -> None:
        """Show `pieces`; those that are the very objects already shown are not looked at, so
        growing the last piece costs that piece only."""
        same = 0
        for old, new in zip(self._pieces, pieces, strict=False):
            if old is not new:
                break
            same += 1
        if same == len(self._pieces) == len(pieces):
            return
        size = (self._lines, self._widest[-1] if self._widest else 0)
        for kept in (self._pieces, self._starts, self._widths, self._widest, self._strips):
            del kept[same:]
        line = self._starts[-1] + self._pieces[-1].plain.count("\n") + 1 if same else 0
        for piece in pieces[same:]:
            lines = piece.plain.split("\n")
            width = max(cell_len(text.expandtabs(8)) for text in lines)
            self._widest.append(max(width, self._widest[-1] if self._widest else 0))
            self._pieces.append(piece)
            self._starts.append(line)
            self._widths.append(width)
            self._strips.append(None)
            line += len(lines)
        self._lines = line
        # Only the lines on screen are drawn again, from their strips: cheap at any length.
        if (self._lines, self._widest[-1] if self._widest else 0) != size:
            relayout(self)
        else:
            self.refresh()

    def get_content_width(self, container: Size, viewport: Size) -> int:
        return self._widest[-1] if self._widest else 0

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        return self._lines

    def notify_style_update(self) -> None:
        # Colours come from the theme: strips rendered under another one are stale.
        self._strips = [None] * len(self._pieces)
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        if not 0 <= y < self._lines:
            return Strip.blank(self.size.width, self.rich_style)
        index = bisect_right(self._starts, y) - 1
        strips = self._strips[index]
        if strips is None:
            strips = self._strips[index] = self._render_piece(index)
        strip = strips[y - self._starts[index]]
        selection = self.text_selection
        if selection is not None and (span := selection.get_span(y)) is not None:
            strip = self._selected(strip, span)
        return strip.apply_offsets(0, y)

    def _render_piece(self, index: int) -> list[Strip]:
        # At the width of its widest line, a piece is exactly its lines: nothing wraps.
        return Visual.to_strips(self, self._pieces[index], max(1, self._widths[index]), None,
                                self.visual_style, apply_selection=False)

    def _selected(self, strip: Strip, span: tuple[int, int]) -> Strip:
        start, end = span
        if end == -1:
            end = strip.cell_length
        selection = Style.from_styles(self.screen.get_component_styles("screen--selection"))
        before, chosen, after = strip.divide([start, max(start, end), strip.cell_length])[:3]
        chosen = Strip(Segment.apply_style(chosen, post_style=selection.rich_style),
                       chosen.cell_length)
        return Strip.join([before, chosen, after])

    def get_selection(self, selection: Selection) -> tuple[str, str] | None:
        return selection.extract(self.code), "\n"

    def selection_updated(self, selection: Selection | None) -> None:
        self.refresh()
