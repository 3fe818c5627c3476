"""Turning the cumulative snapshots of a streamed reply into edits.

Tongyi sends the whole reply so far in every event. A renderer wants to know what changed:
usually text appended at the end, sometimes a rewrite of earlier text (or a shorter list).
"""

from __future__ import annotations

from dataclasses import dataclass
from os.path import commonprefix


@dataclass(slots=True)  # a value, not frozen for its cost: see tui.domain.events
class Edit:
    """Keep the first `keep` characters of the old text, then put `insert` after them."""

    keep: int
    insert: str
    old_length: int

    @property
    def is_append(self) -> bool:
        return self.keep == self.old_length

    def apply(self, old: str) -> str:
        return old[: self.keep] + self.insert


class ReplyText:
    """The text of a reply as it streams, updated from cumulative snapshots."""

    __slots__ = ("text",)

    def __init__(self, text: str = "") -> None:
        self.text = text

    def update(self, snapshot: str) -> Edit | None:
        """Take the newest snapshot; return the edit from the previous text, or None if equal."""
        old = self.text
        if snapshot == old:
            return None
        self.text = snapshot
        n = len(old)
        # The common case, an extension, costs one prefix comparison and no scan.
        if snapshot.startswith(old):
            return Edit(n, snapshot[n:], n)
        keep = len(commonprefix((old, snapshot)))
        return Edit(keep, snapshot[keep:], n)
