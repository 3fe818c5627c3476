"""Audio in: where speech to recognise comes from, always as PCM s16le 16 kHz mono.

An `AudioSource` yields chunks while it lasts; `stop()` ends it (the recogniser then sends its
last packet). The microphone is miniaudio's capture device (miniaudio converts from the
device's own format); a file is anything miniaudio decodes (WAV, MP3, FLAC, Ogg Vorbis); a
`PcmSource` plays PCM from memory, optionally in real time and followed by silence, which is
how a file stands in for the microphone (`[audio] input = "file:PATH"`) and how tests speak.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from tui.domain.errors import AudioError, InvalidInput, NoSoundDevice, SettingsError
from tui.domain.transcript import BYTES_PER_SECOND, SAMPLE_RATE

if TYPE_CHECKING:
    import miniaudio

CHUNK_MS = 100
CHUNK_BYTES = BYTES_PER_SECOND * CHUNK_MS // 1000
FILE_PREFIX = "file:"


class AudioSource(Protocol):
    def chunks(self) -> AsyncIterator[bytes]:
        """PCM s16le 16 kHz mono as it comes; ends when the audio does or after `stop()`."""
        ...

    def stop(self) -> None: ...


class PcmSource:
    """PCM from memory. `realtime` paces it like a microphone; `then_silence` keeps it going
    with silence after the end, as a quiet room would, until `stop()`."""

    def __init__(self, pcm: bytes, *, realtime: bool = False, then_silence: bool = False) -> None:
        self._pcm = pcm[:len(pcm) - len(pcm) % 2]
        self._realtime = realtime
        self._then_silence = then_silence
        self._stopped = asyncio.Event()

    def stop(self) -> None:
        self._stopped.set()

    async def chunks(self) -> AsyncIterator[bytes]:
        loop = asyncio.get_running_loop()
        started, sent = loop.time(), 0
        offset = 0
        while not self._stopped.is_set():
            if offset < len(self._pcm):
                chunk = self._pcm[offset:offset + CHUNK_BYTES]
                offset += len(chunk)
            elif self._then_silence:
                chunk = bytes(CHUNK_BYTES)
            else:
                return
            if self._realtime:
                # Paced by the clock, not by sleeps, so a busy loop does not stretch the audio.
                delay = started + (sent + len(chunk)) / BYTES_PER_SECOND - loop.time()
                if delay > 0:
                    try:
                        await asyncio.wait_for(self._stopped.wait(), delay)
                        return
                    except (TimeoutError, asyncio.TimeoutError):
                        pass
            sent += len(chunk)
            yield chunk
            await asyncio.sleep(0)  # let a consumer that stops us run


def decode_file(path: Path, rate: int = SAMPLE_RATE) -> bytes:
    """Any file miniaudio decodes, as PCM s16le mono at `rate` (16 kHz unless an API wants
    another). Blocking: call from a worker. A file that is missing or not audio is the user's
    input to fix (InvalidInput)."""
    import miniaudio

    try:
        sound = miniaudio.decode_file(str(path), output_format=miniaudio.SampleFormat.SIGNED16,
                                      nchannels=1, sample_rate=rate)
    except FileNotFoundError:
        raise InvalidInput(f"There is no audio file {path}.", "Check the path.") from None
    except IsADirectoryError:
        raise InvalidInput(f"{path} is a folder, not an audio file.") from None
    except PermissionError:
        raise InvalidInput(f"{path} cannot be read (permission denied).") from None
    except miniaudio.DecodeError:
        raise InvalidInput(f"{path} is not audio that can be decoded.",
                           "Use WAV, MP3, FLAC or Ogg Vorbis.") from None
    return sound.samples.tobytes()


async def file_source(path: Path, *, realtime: bool = False,
                      then_silence: bool = False) -> PcmSource:
    pcm = await asyncio.to_thread(decode_file, path)
    return PcmSource(pcm, realtime=realtime, then_silence=then_silence)


class MicrophoneSource:
    """The default capture device. `backends` defaults to every real backend (miniaudio would
    otherwise settle for its null backend: silence forever); tests pass the null backend."""

    def __init__(self, backends: Sequence[miniaudio.Backend] | None = None) -> None:
        from tui.audio.alsa_quiet import silence_alsa  # ctypes: only when a device opens

        silence_alsa()
        import miniaudio

        if backends is None:
            backends = [b for b in miniaudio.Backend
                        if b not in (miniaudio.Backend.NULL, miniaudio.Backend.CUSTOM)]
        try:
            self._device = miniaudio.CaptureDevice(
                input_format=miniaudio.SampleFormat.SIGNED16, nchannels=1,
                sample_rate=SAMPLE_RATE, buffersize_msec=CHUNK_MS, backends=list(backends),
                app_name="aichat-tui")
        except miniaudio.MiniaudioError:
            raise no_capture_device() from None
        self.backend_name: str = self._device.backend
        self._queue: asyncio.Queue[bytes | None] = asyncio.Queue()
        self._loop: asyncio.AbstractEventLoop | None = None

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._queue.put_nowait, None)

    async def chunks(self) -> AsyncIterator[bytes]:
        self._loop = asyncio.get_running_loop()
        loop, queue = self._loop, self._queue

        def receive():  # runs on miniaudio's audio thread
            while True:
                data = yield
                loop.call_soon_threadsafe(queue.put_nowait, bytes(data))

        feed = receive()
        next(feed)
        try:
            self._device.start(feed)
        except Exception as e:  # miniaudio raises its own error types from the C side
            raise AudioError(f"The microphone ({self.backend_name}) would not start: {e}.") \
                from None
        try:
            while (chunk := await queue.get()) is not None:
                yield chunk
        finally:
            self._device.close()


def no_capture_device() -> NoSoundDevice:
    return NoSoundDevice("No microphone was found (no audio capture device).",
                         "Connect one, or give a file: `aichat-tui listen FILE`, or "
                         'set input = "file:PATH" in [audio] to let a file stand in for it.')


async def open_source(spec: str) -> AudioSource:
    """The source `[audio] input` names: "microphone", or "file:PATH" (played in real time,
    then silence, like a person who said something and stopped)."""
    if spec == "microphone":
        return await asyncio.to_thread(MicrophoneSource)
    if spec.startswith(FILE_PREFIX):
        path = Path(spec[len(FILE_PREFIX):]).expanduser()
        return await file_source(path, realtime=True, then_silence=True)
    raise SettingsError(f'[audio] input must be "microphone" or "file:PATH", not {spec!r}.')
