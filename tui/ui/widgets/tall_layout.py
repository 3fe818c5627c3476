"""Laying out containers whose children can be thousands of lines tall (a long reply) at a
cost that does not grow with their height.

To find which children are on screen, Textual files each child of an arrangement into a
spatial map of 100x20-cell squares: a code block 10,000 lines tall goes into 500 squares, in
every container from the block up to the conversation, on every layout (each frame while a
reply streams): a fifth of a 400 KB reply's CPU. A map whose squares are a sixteenth of the
arrangement's height answers the same question (Textual culls what it returns exactly) for a
cost that depends on the number of children only.

A block that grows on every frame also meets a race in Textual: `refresh(layout=True)` is
ignored while an earlier one is pending, and a layout run in between (asked for by another
widget) caches the block's box model for its height at that time. `relayout` makes the new
height count.

Textual internals used (tests/ui/test_textual_internals.py checks them):
`textual._spatial_map.SpatialMap` and `DockArrangeResult._spatial_map`, the lazily built map
an arrangement is given here in advance; `Widget._layout_updates`, part of the key of a
widget's cached box model.
"""

from __future__ import annotations

from textual._spatial_map import SpatialMap
from textual.layout import DockArrangeResult, WidgetPlacement
from textual.widget import Widget

# Textual's own squares, and how many squares at most a child spans down the map.
SQUARE = (100, 20)
SQUARES_DOWN = 16


def spatial_map(placements: list[WidgetPlacement]) -> SpatialMap[WidgetPlacement]:
    """The spatial map Textual would make of `placements`, with squares as tall as needed."""
    bottom = max((placement.region.bottom + placement.margin.bottom + placement.offset.y
                  for placement in placements if not placement.fixed), default=0)
    width, height = SQUARE
    placed: SpatialMap[WidgetPlacement] = SpatialMap(width, max(height, bottom // SQUARES_DOWN))
    placed.insert((placement.region.grow(placement.margin), placement.offset, placement.fixed,
                   placement.overlay, placement) for placement in placements)
    return placed


def tall_arrangement(arrangement: DockArrangeResult) -> DockArrangeResult:
    """`arrangement` (a container's, from `Widget.arrange`), mapped by `spatial_map`.

    A container that can hold a long reply overrides `arrange` to return this of Textual's
    (a mixin would not do: Textual takes a widget's CSS from its first base class only)."""
    if arrangement._spatial_map is None:
        arrangement._spatial_map = spatial_map(arrangement.placements)
    return arrangement


def relayout(widget: Widget) -> None:
    """Lay `widget` out again: its height changed (see the module doc)."""
    widget._layout_updates += 1
    widget.refresh(layout=True)
