"""A leak in Textual, mended where it happens.

`StylesCache.get_inner_outer` (textual/_styles_cache.py) is an `lru_cache(1024)` put on an
instance method, though its first parameter is named `cls` and it depends only on two colours:
the cache is keyed by the StylesCache too, so it keeps the last 1,024 StylesCaches alive, and
each of them every rendered line of the widget it drew (Strips, their Segments and their own
caches). Every message unmounted from the conversation, and every footer key replaced, left
its lines there: after ctrl+n the heap stayed at 2.4x the empty chat's, and 60 questions cost
1.7x the heap of 6 (Textualize/textual#6665). Keyed by the colours alone, the cache holds
colours and styles only.
"""

from __future__ import annotations

from functools import lru_cache

from textual._styles_cache import StylesCache
from textual.color import Color
from textual.style import Style

_SIZE = 1024  # Textual's own


def mend_styles_cache() -> None:
    """Key Textual's inner/outer background cache by the colours alone (once; a no-op if an
    upgrade has changed it)."""
    cached = StylesCache.__dict__.get("get_inner_outer")
    function = getattr(cached, "__wrapped__", None)
    if function is None:
        return
    by_colours = lru_cache(_SIZE)(function)

    def get_inner_outer(self: StylesCache, base_background: Color,
                        background: Color) -> tuple[Style, Style]:
        return by_colours(StylesCache, base_background, background)

    StylesCache.get_inner_outer = get_inner_outer  # type: ignore[method-assign,assignment]
