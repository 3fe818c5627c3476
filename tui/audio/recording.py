"""A player that plays into memory: for tests and benchmarks, which have no sound card.

It implements the `Player` protocol like the device players; the difference is that it
"plays" each chunk the moment it is queued, and remembers when each chunk arrived. With
`realtime`, `drain()` lasts as long as the audio would take to hear, as on a sound card, so
something can happen while a reading is being heard (a barge-in).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass

from tui.domain.errors import AudioError
from tui.domain.voice import PCM_BYTES_PER_SECOND


@dataclass(frozen=True, slots=True)
class Arrival:
    at: float
    size: int


class RecordingPlayer:
    """Implements `tui.audio.player.Player`; `pcm` holds everything it was given to play."""

    def __init__(self, clock: Callable[[], float] = time.perf_counter, *,
                 realtime: bool = False) -> None:
        self.clock = clock
        self.realtime = realtime
        self.pcm = bytearray()
        self.arrivals: list[Arrival] = []
        self.stops = 0
        self.closed = False
        self._heard_until = 0.0  # time.monotonic() when what was queued has been heard

    def play(self, pcm: bytes) -> None:
        if self.closed:
            raise AudioError("The player was closed.")
        if pcm:
            self.pcm += pcm
            self.arrivals.append(Arrival(self.clock(), len(pcm)))
            self._heard_until = (max(time.monotonic(), self._heard_until)
                                 + len(pcm) / PCM_BYTES_PER_SECOND)

    async def drain(self) -> None:
        while self.realtime and time.monotonic() < self._heard_until:
            await asyncio.sleep(min(0.02, self._heard_until - time.monotonic()))

    def stop(self) -> None:
        self.stops += 1
        self._heard_until = 0.0

    def close(self) -> None:
        self.closed = True

    @property
    def first_audio_at(self) -> float | None:
        return self.arrivals[0].at if self.arrivals else None
