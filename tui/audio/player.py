"""Players: a queue of PCM that plays gaplessly as chunks arrive, and stops at once.

All players take PCM s16le 24 kHz mono (see `tui.domain.voice`). `play()` queues and returns
at once; the device pulls from the queue on its own thread; `drain()` waits (without blocking
the event loop) until everything queued has been played; `stop()` drops what is queued.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections import deque
from typing import Protocol

from tui.domain.errors import NoSoundDevice, SettingsError

BACKENDS = ("miniaudio", "simpleaudio")


class Player(Protocol):
    def play(self, pcm: bytes) -> None:
        """Queue PCM behind what is already queued; returns at once."""
        ...

    async def drain(self) -> None:
        """Return when all queued audio has played, or when `stop()` dropped it."""
        ...

    def stop(self) -> None:
        """Drop all queued audio and fall silent now; the player can be used again."""
        ...

    def close(self) -> None: ...


def no_sound_device() -> NoSoundDevice:
    return NoSoundDevice("No sound device is available.",
                         "Write the audio to a file instead: `aichat-tui say --out FILE`.")


def open_player(backend: str = "miniaudio") -> Player:
    """The player for `[audio] backend`. Raises NoSoundDevice when nothing can play."""
    if backend == "simpleaudio":
        from tui.audio.player_simpleaudio import SimpleaudioPlayer

        return SimpleaudioPlayer()
    if backend != "miniaudio":
        raise SettingsError(f"Unknown audio backend {backend!r}; use one of {', '.join(BACKENDS)}.")
    from tui.audio.player_miniaudio import MiniaudioPlayer

    return MiniaudioPlayer()


class PcmQueue:
    """PCM waiting to be played, shared by the event loop (which puts) and a device thread
    (which takes). It is idle once it is empty and the device has asked for more after the
    last audio, i.e. the last period handed over has been played."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._chunks: deque[memoryview] = deque()
        self._size = 0
        self._sounding = False
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    @property
    def queued_bytes(self) -> int:
        return self._size

    def put(self, pcm: bytes) -> None:
        with self._cond:
            self._chunks.append(memoryview(pcm))
            self._size += len(pcm)
            self._cond.notify_all()

    def take(self, limit: int, timeout: float | None = None) -> bytes:
        """Up to `limit` bytes (an even number), waiting up to `timeout` for some if given."""
        with self._cond:
            if not self._size and timeout:
                self._cond.wait(timeout)
            if not self._size:
                if self._sounding:
                    self._sounding = False
                    self._wake()
                return b""
            out = bytearray()
            while self._chunks and len(out) < limit:
                chunk = self._chunks.popleft()
                need = limit - len(out)
                if len(chunk) > need:
                    self._chunks.appendleft(chunk[need:])
                    chunk = chunk[:need]
                out += chunk
            self._size -= len(out)
            self._sounding = True
            return bytes(out)

    def clear(self) -> None:
        with self._cond:
            self._chunks.clear()
            self._size = 0
            self._sounding = False
            self._wake()
            self._cond.notify_all()

    async def wait_idle(self) -> None:
        loop = asyncio.get_running_loop()
        with self._cond:
            if not self._size and not self._sounding:
                return
            future: asyncio.Future[None] = loop.create_future()
            self._waiters.append((loop, future))
        await future

    def _wake(self) -> None:
        for loop, future in self._waiters:
            with contextlib.suppress(RuntimeError):  # a closed loop: nobody waits any more
                loop.call_soon_threadsafe(_resolve, future)
        self._waiters.clear()


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)
