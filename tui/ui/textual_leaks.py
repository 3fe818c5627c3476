"""Leaks in Textual, mended where they happen.

`StylesCache.get_inner_outer` (textual/_styles_cache.py) is an `lru_cache(1024)` put on an
instance method, though its first parameter is named `cls` and it depends only on two colours:
the cache is keyed by the StylesCache too, so it keeps the last 1,024 StylesCaches alive, and
each of them every rendered line of the widget it drew (Strips, their Segments and their own
caches). Every message unmounted from the conversation, and every footer key replaced, left
its lines there: after ctrl+n the heap stayed at 2.4x the empty chat's, and 60 questions cost
1.7x the heap of 6 (Textualize/textual#6665). Keyed by the colours alone, the cache holds
colours and styles only.

`DOMNode.query_one` (textual/dom.py) caches what it found in the node's `_query_one_cache`, an
`LRUCache(1024)` keyed by the generation of the node's children (`NodeList._updates`, bumped
for the node and every ancestor whenever children are added, removed or sorted below it). An
entry of an older generation can never be read again, yet it stays until 1,024 newer ones push
it out, and keeps the widget it found alive: every line standing for the messages beyond the
conversation's window, found once to mount a page beside it, outlived the conversation (about
55 KB each, after ctrl+n). The mend drops a node's cached finds when its generation moves on.

`NodeList.displayed` (textual/_node_list.py) caches the list of a node's displayed children
until it is next read after a change. A child removed stays in that list, and so alive with
everything it drew, until something reads the displayed children again: layout does not (it
filters the children itself), a mount into the node or the focus chain does. While a reply
streamed into a long conversation, the messages the view let go above it (about 140 widgets)
stayed alive until the reply ended, and every full collection of the garbage collector walked
them again: streaming cost up to 1.1x the CPU of an empty chat. The mend drops the cached list
whenever the children change; it is made again on the next read, as Textual would.
"""

from __future__ import annotations

from functools import lru_cache

from textual._node_list import NodeList
from textual._styles_cache import StylesCache
from textual.color import Color
from textual.message_pump import MessagePump
from textual.style import Style

_SIZE = 1024  # Textual's own


def mend_textual_leaks() -> None:
    """Mend the leaks above (once; each a no-op if an upgrade has changed what it mends)."""
    _mend_styles_cache()
    _mend_node_list_caches()


def _mend_styles_cache() -> None:
    """Key Textual's inner/outer background cache by the colours alone."""
    cached = StylesCache.__dict__.get("get_inner_outer")
    function = getattr(cached, "__wrapped__", None)
    if function is None:
        return
    by_colours = lru_cache(_SIZE)(function)

    def get_inner_outer(self: StylesCache, base_background: Color,
                        background: Color) -> tuple[Style, Style]:
        return by_colours(StylesCache, base_background, background)

    StylesCache.get_inner_outer = get_inner_outer  # type: ignore[method-assign,assignment]


def _mend_node_list_caches() -> None:
    """When a node list changes (and so its node's generation and every ancestor's moves on),
    forget the displayed children it cached and what `query_one` found in the generations
    before."""
    updated = NodeList.__dict__.get("updated")
    if (updated is None or getattr(updated, "_forgets_stale_caches", False)
            or not isinstance(getattr(NodeList(), "_displayed_nodes", None), tuple)):
        return

    def updated_forgetting(self: NodeList) -> None:
        updated(self)
        self._displayed_nodes = (-1, [])
        node: MessagePump | None = self._parent() if self._parent is not None else None
        while node is not None:
            finds = getattr(node, "_query_one_cache", None)
            if finds:  # most nodes never query: nothing to clear
                finds.clear()
            node = node._parent

    updated_forgetting._forgets_stale_caches = True  # type: ignore[attr-defined]
    NodeList.updated = updated_forgetting  # type: ignore[method-assign]
