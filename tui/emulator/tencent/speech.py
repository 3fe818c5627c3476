"""`aai_tts`: the emulator's stand-in synthesizer (shared with the Qiniu emulator) behind the
platform's parameters: speaker 1 is male, 5, 6 and 7 female; `speed` 50..200 is a percentage,
`aht` shifts the pitch in semitones; the answer carries the audio's MD5."""

from __future__ import annotations

import base64
import hashlib

from tui.emulator.qiniu.encode import encode_segments
from tui.emulator.qiniu.synth import synthesize, voice_pitch

SPEAKERS = {"1": "male", "5": "female", "6": "female", "7": "female"}
FORMATS = {"1": "pcm", "2": "wav", "3": "mp3"}
MAX_TEXT_BYTES = 150


def render(text: str, *, speaker: str, fmt: str, speed: int, aht: int) -> bytes:
    pitch = voice_pitch(f"tencent_{SPEAKERS[speaker]}_{speaker}") * 2 ** (aht / 12)
    segments = synthesize(text, pitch, speed / 100)
    return b"".join(encode_segments([s.pcm for s in segments], FORMATS[fmt]))


def tts_data(audio: bytes, fmt: str, *, corrupt_md5: bool = False) -> dict[str, object]:
    digest = hashlib.md5(audio).hexdigest()
    if corrupt_md5:
        digest = hashlib.md5(audio + b"!").hexdigest()
    return {"format": int(fmt), "speech": base64.b64encode(audio).decode("ascii"), "md5sum": digest}
