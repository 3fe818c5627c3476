"""The Alibaba emulator's notion of "now": wall-clock time shifted by an offset tests control."""

from __future__ import annotations

import time

# How far a request's date may be from the server's, and how long a nonce is remembered: the
# gateway and the stream both use the real service's 15 minutes.
FRESHNESS_WINDOW = 15 * 60


class Clock:
    """Seconds since the epoch, plus an offset that tests may set or advance.

    Time keeps flowing after a shift, so a test can replay a request recorded on a fixed date
    (`set`) or jump past a token's lifetime (`advance`) without sleeping, while TTLs and the
    15-minute windows behave exactly as they do at real speed.
    """

    def __init__(self) -> None:
        self._offset = 0.0

    def now(self) -> float:
        return time.time() + self._offset

    def set(self, epoch_seconds: float) -> None:
        self._offset = epoch_seconds - time.time()

    def advance(self, seconds: float) -> None:
        self._offset += seconds
