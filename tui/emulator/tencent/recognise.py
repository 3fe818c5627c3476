"""Speech recognition for the emulator: audio in, a transcript out.

Placeholder until the Qiniu emulator's recogniser of its own synthesized speech can be shared:
it checks the audio is real (PCM, or a WAV it can parse) and reports what it heard as a sentence
about its length, so the request/answer/callback shapes are exercised end to end.
"""

from __future__ import annotations

import io
import wave


class Undecodable(ValueError):
    pass


def pcm_of(audio: bytes, fmt: str, rate: int) -> tuple[bytes, int]:
    """The 16-bit mono samples of `audio` (format 1 PCM, 2 WAV) and their rate."""
    if fmt == "1":
        if len(audio) % 2:
            raise Undecodable("PCM audio with half a sample")
        return audio, rate
    if fmt == "2":
        try:
            with wave.open(io.BytesIO(audio)) as wav:
                if wav.getsampwidth() != 2 or wav.getnchannels() != 1:
                    raise Undecodable("WAV audio must be 16-bit mono")
                return wav.readframes(wav.getnframes()), wav.getframerate()
        except (wave.Error, EOFError) as e:
            raise Undecodable(str(e)) from None
    raise Undecodable("AMR and SILK are not decoded by the emulator")


def transcribe(pcm: bytes, rate: int) -> str:
    seconds = len(pcm) / 2 / rate
    if not any(pcm):
        return ""
    return f"这是一段模拟识别的语音。它长{seconds:.1f}秒。"


def duration_ms(pcm: bytes, rate: int) -> int:
    return round(len(pcm) / 2 / rate * 1000)
