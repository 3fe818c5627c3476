"""Saving a reply while it streams, often enough that a crash loses at most about a second."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from tui.domain.conversation import MessageStatus
from tui.store.errors import HistoryError
from tui.store.history import History


class ReplyRecorder:
    """Writes a growing reply's text to the history at most once per `interval` seconds.

    The first update is written at once (so even a reply killed in its first second leaves its
    start behind); later ones only when `interval` has passed since the last write. `finish()`
    always writes, so the updates skipped in between are never lost.

    A failed write raises the `HistoryError`; the caller still has the text. Updates then wait
    `retry_after` seconds before trying again, so a locked file (each try costs SQLite's busy
    timeout) cannot stall the stream; `finish()` tries regardless.
    """

    def __init__(self, history: History, message_id: int, interval: float = 1.0,
                 clock: Callable[[], float] = time.monotonic, retry_after: float = 5.0) -> None:
        self._history = history
        self._message_id = message_id
        self._interval = interval
        self._retry_after = retry_after
        self._clock = clock
        self._written: str | None = None
        self._next_write = float("-inf")  # one throttle: after a write or after a failure

    def update(self, text: str | Callable[[], str]) -> bool:
        """Take the reply so far (or a function that makes it, called only when a write is
        due); return whether it was written now."""
        now = self._clock()
        if now < self._next_write:
            return False
        if callable(text):
            text = text()
        if text == self._written:
            return False
        try:
            self._history.update_message(self._message_id, text=text)
        except HistoryError:
            self._next_write = now + self._retry_after
            raise
        self._written, self._next_write = text, now + self._interval
        return True

    def finish(self, status: MessageStatus, text: str, meta: dict[str, Any] | None = None) -> None:
        """Write the final text and status (and `meta`, see tui.store.meta.reply_meta)."""
        self._history.update_message(self._message_id, text=text, status=status, meta=meta)
        self._written, self._next_write = text, self._clock() + self._interval
