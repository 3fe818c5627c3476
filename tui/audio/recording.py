"""A player that plays into memory: for tests and benchmarks, which have no sound card.

It implements the `Player` protocol like the device players; the difference is that it
"plays" each chunk the moment it is queued, and remembers when each chunk arrived.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from tui.domain.errors import AudioError


@dataclass(frozen=True, slots=True)
class Arrival:
    at: float
    size: int


class RecordingPlayer:
    """Implements `tui.audio.player.Player`; `pcm` holds everything it was given to play."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.pcm = bytearray()
        self.arrivals: list[Arrival] = []
        self.stops = 0
        self.closed = False

    def play(self, pcm: bytes) -> None:
        if self.closed:
            raise AudioError("The player was closed.")
        if pcm:
            self.pcm += pcm
            self.arrivals.append(Arrival(self.clock(), len(pcm)))

    async def drain(self) -> None:
        return None

    def stop(self) -> None:
        self.stops += 1

    def close(self) -> None:
        self.closed = True

    @property
    def first_audio_at(self) -> float | None:
        return self.arrivals[0].at if self.arrivals else None
