"""The emulator's own audio encoders: raw PCM, WAV (hand-built RIFF header) and MP3 (LAME).

Encoding works on a list of PCM segments and returns one encoded chunk per segment, so a
streamed response can send each chunk when its segment is ready while the chunks still
concatenate into one valid file.
"""

from __future__ import annotations

import struct

from tui.emulator.qiniu.synth import SAMPLE_RATE

ENCODINGS = ("mp3", "wav", "pcm")
MP3_KBPS = 48


def encode_segments(segments: list[bytes], encoding: str) -> list[bytes]:
    if encoding == "pcm":
        return list(segments)
    if encoding == "wav":
        header = _wav_header(sum(map(len, segments)))
        return [header + segments[0], *segments[1:]]
    if encoding == "mp3":
        return _mp3(segments)
    raise ValueError(encoding)


def _wav_header(data_bytes: int) -> bytes:
    channels, width = 1, 2
    return (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVE"
            + b"fmt " + struct.pack("<IHHIIHH", 16, 1, channels, SAMPLE_RATE,
                                    SAMPLE_RATE * channels * width, channels * width, 8 * width)
            + b"data" + struct.pack("<I", data_bytes))


def _mp3(segments: list[bytes]) -> list[bytes]:
    import lameenc  # only the emulator encodes MP3; the client just decodes it

    encoder = lameenc.Encoder()
    encoder.set_in_sample_rate(SAMPLE_RATE)
    encoder.set_channels(1)
    encoder.set_bit_rate(MP3_KBPS)
    encoder.set_quality(7)  # fast; these are test tones, not music
    chunks = [bytes(encoder.encode(segment)) for segment in segments]
    chunks[-1] += bytes(encoder.flush())
    return chunks
