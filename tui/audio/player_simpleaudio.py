"""The optional simpleaudio player (`pip install 'aichat-tui[simpleaudio]'`, [audio] backend =
"simpleaudio"), for systems where miniaudio's device handling misbehaves.

simpleaudio plays whole buffers, so a thread takes everything queued (up to a few seconds)
and plays it as one buffer: chunks that arrived in the meantime play without a gap.
"""

from __future__ import annotations

import threading
from typing import Any

from tui.audio.alsa_quiet import silence_alsa
from tui.audio.player import PcmQueue, no_sound_device
from tui.domain.errors import AudioError, SettingsError
from tui.domain.voice import PCM_BYTES_PER_SECOND, PCM_CHANNELS, PCM_SAMPLE_RATE, PCM_SAMPLE_WIDTH

MAX_BUFFER_SECONDS = 5
# How long the thread waits for audio before looking again whether it was closed.
IDLE_POLL_SECONDS = 0.2


class SimpleaudioPlayer:
    """Implements `tui.audio.player.Player` with simpleaudio."""

    def __init__(self) -> None:
        silence_alsa()
        try:
            import simpleaudio
        except ImportError:
            raise SettingsError('The audio backend "simpleaudio" is not installed.',
                                "Install it with `pip install 'aichat-tui[simpleaudio]'`, or "
                                'set backend = "miniaudio" in [audio].') from None
        self._simpleaudio: Any = simpleaudio
        try:
            # simpleaudio opens the device per buffer; a few silent samples tell whether it can.
            self._play_buffer(bytes(PCM_SAMPLE_WIDTH * 240)).wait_done()
        except Exception:  # SimpleaudioError: its only error type, not importable by name
            raise no_sound_device() from None
        self._queue = PcmQueue()
        self._lock = threading.Lock()
        self._current: Any = None
        self._failure: AudioError | None = None
        self._closed = threading.Event()
        self._thread = threading.Thread(target=self._run, name="aichat-simpleaudio", daemon=True)
        self._thread.start()

    def play(self, pcm: bytes) -> None:
        if self._failure is not None:
            raise self._failure
        if pcm:
            self._queue.put(pcm)

    async def drain(self) -> None:
        await self._queue.wait_idle()
        if self._failure is not None:
            raise self._failure

    def stop(self) -> None:
        self._queue.clear()
        with self._lock:
            if self._current is not None:
                self._current.stop()

    def close(self) -> None:
        self._closed.set()
        self.stop()
        self._thread.join(timeout=2)

    def _play_buffer(self, pcm: bytes) -> Any:
        return self._simpleaudio.play_buffer(pcm, PCM_CHANNELS, PCM_SAMPLE_WIDTH, PCM_SAMPLE_RATE)

    def _run(self) -> None:
        while not self._closed.is_set():
            pcm = self._queue.take(MAX_BUFFER_SECONDS * PCM_BYTES_PER_SECOND,
                                   timeout=IDLE_POLL_SECONDS)
            if not pcm:
                continue
            try:
                with self._lock:
                    self._current = self._play_buffer(pcm)
                self._current.wait_done()
            except Exception as e:  # the device went away mid-reply
                self._failure = AudioError(f"Playback failed ({e}).", "Check the sound device.")
                self._queue.clear()
            finally:
                with self._lock:
                    self._current = None
