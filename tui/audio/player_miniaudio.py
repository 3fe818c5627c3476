"""The default player: a miniaudio playback device fed by a generator that reads the queue."""

from __future__ import annotations

from collections.abc import Generator, Sequence
from typing import TYPE_CHECKING

from tui.audio.alsa_quiet import silence_alsa
from tui.audio.player import PcmQueue, no_sound_device
from tui.domain.errors import AudioError
from tui.domain.voice import PCM_CHANNELS, PCM_SAMPLE_RATE, PCM_SAMPLE_WIDTH

if TYPE_CHECKING:
    import miniaudio

# Short periods: a stop is heard at once, and the device asks for the next chunk often.
PERIOD_MS = 40


class MiniaudioPlayer:
    """Implements `tui.audio.player.Player`. `backends` defaults to every real backend; pass
    `[miniaudio.Backend.NULL]` for a device that consumes audio in real time but makes no sound."""

    def __init__(self, backends: Sequence[miniaudio.Backend] | None = None) -> None:
        silence_alsa()
        import miniaudio

        if backends is None:
            # Left to itself miniaudio may settle for its null backend, which would "play" into
            # nothing; a person without a sound card must be told instead.
            backends = [b for b in miniaudio.Backend
                        if b not in (miniaudio.Backend.NULL, miniaudio.Backend.CUSTOM)]
        self._queue = PcmQueue()
        try:
            self._device = miniaudio.PlaybackDevice(
                output_format=miniaudio.SampleFormat.SIGNED16, nchannels=PCM_CHANNELS,
                sample_rate=PCM_SAMPLE_RATE, buffersize_msec=PERIOD_MS, backends=list(backends),
                app_name="aichat-tui")
        except miniaudio.MiniaudioError:
            raise no_sound_device() from None
        self.backend_name: str = self._device.backend
        self._miniaudio = miniaudio

    @property
    def queued_bytes(self) -> int:
        """PCM waiting to be played."""
        return self._queue.queued_bytes

    def play(self, pcm: bytes) -> None:
        if not pcm:
            return
        self._queue.put(pcm)
        if not self._device.running:
            feed = self._pull()
            next(feed)  # miniaudio wants the generator started
            try:
                self._device.start(feed)
            except self._miniaudio.MiniaudioError as e:
                self._queue.clear()
                raise AudioError(f"The sound device ({self.backend_name}) would not start: {e}.",
                                 "Check that it is connected, or save the audio to a file instead."
                                 ) from None

    async def drain(self) -> None:
        await self._queue.wait_idle()

    def stop(self) -> None:
        self._queue.clear()
        # Also releases the device until the next play(), so an idle aichat-tui holds no
        # sound card that another program might want.
        self._device.stop()

    def close(self) -> None:
        self._queue.clear()
        self._device.close()

    def _pull(self) -> Generator[bytes, int, None]:
        frames = yield b""
        while True:
            want = frames * PCM_SAMPLE_WIDTH * PCM_CHANNELS
            pcm = self._queue.take(want)
            # Pad with silence: an underrun is a pause, never a stopped device.
            frames = yield pcm + bytes(want - len(pcm))
