"""`TencentSpeech`: the platform's text to speech (`aai_tts`) behind the `SpeechEngine` protocol.

Four speakers, a fixed catalogue: `tencent-1` (male), `tencent-5`, `tencent-6`, `tencent-7`
(female). A request takes at most 150 bytes of text; the caller splits at sentence ends. The
service sends the whole audio at once with its MD5, which is checked: audio that does not match
is damaged and never played or saved. Speech is asked for as WAV and turned into the project's
PCM (24 kHz) here, whatever rate the service synthesizes at.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
from collections.abc import AsyncGenerator

from tui.backends.tencent.client import TencentClient
from tui.domain.errors import AudioError, InvalidInput, ServiceError
from tui.domain.voice import PCM_CHANNELS, PCM_SAMPLE_RATE, Synthesis, Voice

log = logging.getLogger(__name__)

TTS_API = "aai/aai_tts"
MAX_TEXT_BYTES = 150
VOICE_PREFIX = "tencent-"
CATEGORY = "腾讯语音"
VOICES = (
    Voice("tencent-1", "腾讯男声 1", CATEGORY, declared_language="zh", declared_gender="male"),
    Voice("tencent-5", "腾讯女声 5", CATEGORY, declared_language="zh", declared_gender="female"),
    Voice("tencent-6", "腾讯女声 6", CATEGORY, declared_language="zh", declared_gender="female"),
    Voice("tencent-7", "腾讯女声 7", CATEGORY, declared_language="zh", declared_gender="female"),
)
PREVIEW_TEXT = "你好，我是腾讯的语音。Hello!"
FORMATS = {"wav": 2, "mp3": 3}
# The platform's pitch and timbre defaults (aht 0, apc 58) and its volume midpoint.
DEFAULTS = {"volume": 0, "aht": 0, "apc": 58}
SPEED_RANGE = (50, 200)


def is_tencent_voice(voice: str) -> bool:
    return voice.startswith(VOICE_PREFIX)


def speaker_of(voice: str) -> str:
    speaker = voice.removeprefix(VOICE_PREFIX)
    if voice not in {v.voice_type for v in VOICES}:
        known = ", ".join(v.voice_type for v in VOICES)
        raise InvalidInput(f"Tencent has no voice {voice!r}.", f"Pick one of {known}.")
    return speaker


def speed_percent(speed: float) -> int:
    """A speed ratio (1.0 normal) as the platform's percentage, within 50..200."""
    low, high = SPEED_RANGE
    return max(low, min(high, round(speed * 100)))


class TencentSpeech:
    """Implements `tui.domain.voice.SpeechEngine`. Close with aclose()."""

    max_text_bytes = MAX_TEXT_BYTES

    def __init__(self, client: TencentClient) -> None:
        self._client = client

    async def list_voices(self, *, refresh: bool = False) -> list[Voice]:
        return list(VOICES)

    async def fetch_preview(self, voice: Voice) -> bytes:
        return (await self.synthesize(PREVIEW_TEXT, voice=voice.voice_type, speed=1.0,
                                      encoding="mp3")).audio

    async def synthesize(self, text: str, *, voice: str, speed: float,
                         encoding: str = "pcm") -> Synthesis:
        speaker = speaker_of(voice)
        size = len(text.encode())
        if size > MAX_TEXT_BYTES:
            raise InvalidInput(f"The text is {size} bytes; Tencent speaks at most "
                               f"{MAX_TEXT_BYTES} bytes per request.",
                               "Split it at sentence ends; aichat-tui does this when it reads.")
        wire = "mp3" if encoding == "mp3" else "wav"
        log.debug("Synthesizing %d bytes with %s (%s)", size, voice, wire)
        data = await self._client.call(TTS_API, {
            "speaker": speaker, "format": FORMATS[wire], "speed": speed_percent(speed),
            "text": text, **DEFAULTS})
        audio = self._checked_audio(data)
        if encoding == "pcm":
            pcm = _wav_to_pcm(audio)
            return Synthesis(pcm, "pcm", round(len(pcm) * 1000 / (PCM_SAMPLE_RATE * 2)))
        return Synthesis(audio, wire, 0)

    async def stream(self, text: str, *, voice: str, speed: float) -> AsyncGenerator[bytes, None]:
        # The platform answers with the whole audio at once: one chunk.
        yield (await self.synthesize(text, voice=voice, speed=speed)).audio

    async def aclose(self) -> None:
        await self._client.aclose()

    def _checked_audio(self, data: dict[str, object]) -> bytes:
        speech, md5sum = data.get("speech"), data.get("md5sum")
        if not isinstance(speech, str) or not speech or not isinstance(md5sum, str):
            raise self._client.errors.not_the_api("a speech answer without audio")
        try:
            audio = base64.b64decode(speech, validate=True)
        except (binascii.Error, ValueError):
            raise self._client.errors.not_the_api("audio that is not valid base64") from None
        if hashlib.md5(audio).hexdigest().lower() != md5sum.strip().lower():
            raise ServiceError("The audio from Tencent does not match its checksum (md5sum), so "
                               "it was damaged on the way.", "Try again.", code="md5sum")
        return audio


def _wav_to_pcm(audio: bytes) -> bytes:
    import miniaudio  # a C extension: loaded at the first synthesis, not at start-up

    try:
        sound = miniaudio.decode(audio, output_format=miniaudio.SampleFormat.SIGNED16,
                                 nchannels=PCM_CHANNELS, sample_rate=PCM_SAMPLE_RATE)
    except miniaudio.DecodeError:
        raise AudioError("The speech from Tencent is not audio that can be decoded.",
                         "Try again, or another voice.") from None
    return sound.samples.tobytes()
