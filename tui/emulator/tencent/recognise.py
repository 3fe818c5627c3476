"""Speech recognition for the emulator: audio in, a transcript out.

Audio the emulator's TTS made (Tencent's or Qiniu's) is heard as the text it was made from,
read back from its data band (`tui/emulator/qiniu/watermark.py`) whatever the client did to it
on the way (WAV or MP3, resampled to 16 or 8 kHz), sentence by sentence with when each was
said; other sound is "recognised" as the Qiniu emulator's placeholder stating its length, and
silence as nothing at all.
"""

from __future__ import annotations

import io
import wave
from dataclasses import dataclass

from tui.emulator.qiniu.asr import placeholder
from tui.emulator.qiniu.watermark import Decoder


class Undecodable(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Heard:
    """A sentence and where it is in the audio."""

    text: str
    start_ms: int
    end_ms: int


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


def hear(pcm: bytes, rate: int) -> list[Heard]:
    """What was said in `pcm`, sentence by sentence; nothing for silence."""
    if not any(pcm):
        return []
    total = duration_ms(pcm, rate)
    decoder = Decoder(rate)
    decoder.feed(pcm)
    heard = [Heard(m.text(), round(m.start_seconds * 1000),
                   round(m.end_seconds * 1000) if m.end_seconds is not None else total)
             for m in decoder.messages if (m.intact or not m.complete) and m.text().strip()]
    return heard or [Heard(placeholder(total), 0, total)]


def transcribe(heard: list[Heard]) -> str:
    return "".join(h.text for h in heard).strip()


def duration_ms(pcm: bytes, rate: int) -> int:
    return round(len(pcm) / 2 / rate * 1000)
