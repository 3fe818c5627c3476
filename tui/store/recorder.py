"""Saving a reply while it streams, often enough that a crash loses at most about a second."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tui.domain.conversation import MessageStatus
from tui.store.history import History


class ReplyRecorder:
    """Writes a growing reply's text to the history at most once per `interval` seconds.

    The first update is written at once (so even a reply killed in its first second leaves its
    start behind); later ones only when `interval` has passed since the last write. `finish()`
    always writes, so the updates skipped in between are never lost.

    A failed write raises the `HistoryError`; the caller still has the text, and the next
    update (or `finish()`) tries again with the newest text.
    """

    def __init__(self, history: History, message_id: int, interval: float = 1.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._history = history
        self._message_id = message_id
        self._interval = interval
        self._clock = clock
        self._written: str | None = None
        self._written_at: float | None = None

    def update(self, text: str) -> bool:
        """Take the reply so far; return whether it was written now."""
        now = self._clock()
        due = self._written_at is None or now - self._written_at >= self._interval
        if not due or text == self._written:
            return False
        self._history.update_message(self._message_id, text=text)
        self._written, self._written_at = text, now
        return True

    def finish(self, status: MessageStatus, text: str, meta: dict[str, Any] | None = None) -> None:
        """Write the final text and status (and `meta`, see tui.store.meta.reply_meta)."""
        self._history.update_message(self._message_id, text=text, status=status, meta=meta)
        self._written, self._written_at = text, self._clock()
