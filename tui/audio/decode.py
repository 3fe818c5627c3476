"""Audio in any encoding the service sends (MP3, WAV, raw PCM) -> the one PCM format we play."""

from __future__ import annotations

import io
import wave

from tui.domain.errors import AudioError
from tui.domain.voice import PCM_BYTES_PER_SECOND, PCM_CHANNELS, PCM_SAMPLE_RATE, PCM_SAMPLE_WIDTH


def decode(data: bytes, encoding: str) -> bytes:
    """PCM s16le 24 kHz mono. `encoding` is "pcm" (taken as is) or anything miniaudio reads
    (MP3, WAV, FLAC, Vorbis: it recognizes the format from the data)."""
    if encoding == "pcm":
        if len(data) % PCM_SAMPLE_WIDTH:
            raise AudioError("The PCM audio ends in half a sample, so it is damaged.",
                             "Try again; if it keeps happening, report it.")
        return data
    import miniaudio  # a C extension: loaded when audio is first decoded, not at start-up

    try:
        sound = miniaudio.decode(data, output_format=miniaudio.SampleFormat.SIGNED16,
                                 nchannels=PCM_CHANNELS, sample_rate=PCM_SAMPLE_RATE)
    except miniaudio.DecodeError:
        raise AudioError(f"The {encoding} audio could not be decoded ({len(data)} bytes that "
                         "are not audio miniaudio can read).",
                         "Try again; if it keeps happening, try another voice.") from None
    # array('h') is in machine order; every platform aichat-tui runs on is little-endian.
    return sound.samples.tobytes()


def duration_ms(pcm: bytes) -> int:
    return round(len(pcm) * 1000 / PCM_BYTES_PER_SECOND)


def to_wav(pcm: bytes) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(PCM_CHANNELS)
        out.setsampwidth(PCM_SAMPLE_WIDTH)
        out.setframerate(PCM_SAMPLE_RATE)
        out.writeframes(pcm)
    return buffer.getvalue()
