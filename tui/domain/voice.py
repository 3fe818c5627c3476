"""Voices and the speech-engine interface the audio layer programs against."""

from __future__ import annotations

from collections.abc import AsyncGenerator
from typing import NamedTuple, Protocol

# The one PCM format that flows between a speech engine, the cache and a player:
# signed 16-bit little-endian, 24 kHz, mono (what Qiniu synthesizes).
PCM_SAMPLE_RATE = 24_000
PCM_SAMPLE_WIDTH = 2
PCM_CHANNELS = 1
PCM_BYTES_PER_SECOND = PCM_SAMPLE_RATE * PCM_SAMPLE_WIDTH * PCM_CHANNELS

# What Qiniu accepts as speed_ratio.
SPEED_MIN = 0.2
SPEED_MAX = 3.0


LANGUAGE_NAMES = {"zh": "Chinese", "en": "English", "multi": "Multilingual"}
GENDER_NAMES = {"female": "Female", "male": "Male"}
# Qiniu and the Tencent catalogue name categories in Chinese; an English label helps people
# who do not read it.
CATEGORY_NAMES = {"传统音色": "Standard", "双语音色": "Bilingual", "特殊音色": "Character",
                  "腾讯语音": "Tencent"}


class Voice(NamedTuple):
    """One voice of the catalogue. Language and gender come from the `voice_type` naming scheme,
    `qiniu_<lang>_<gender>_<initials>`, or are declared by catalogues named otherwise (Tencent's
    `tencent-<speaker>`); a voice with neither has both empty."""

    voice_type: str
    name: str
    category: str = ""
    preview_url: str = ""
    updated_ms: int = 0
    declared_language: str = ""
    declared_gender: str = ""

    def _part(self, index: int, known: dict[str, str]) -> str:
        declared = self.declared_language if index == 1 else self.declared_gender
        if declared in known:
            return declared
        parts = self.voice_type.split("_")
        return parts[index] if len(parts) > 3 and parts[index] in known else ""

    @property
    def language(self) -> str:
        """`zh`, `en`, `multi`, or "" when the voice type does not say."""
        return self._part(1, LANGUAGE_NAMES)

    @property
    def gender(self) -> str:
        """`female`, `male`, or "" when the voice type does not say."""
        return self._part(2, GENDER_NAMES)

    @property
    def language_label(self) -> str:
        return LANGUAGE_NAMES.get(self.language, "Unknown")

    @property
    def gender_label(self) -> str:
        return GENDER_NAMES.get(self.gender, "Unknown")

    @property
    def category_label(self) -> str:
        return CATEGORY_NAMES.get(self.category, self.category)

    def in_category(self, name: str) -> bool:
        """Whether `name` is this voice's category, in Chinese or English, any case."""
        wanted = name.strip().casefold()
        return wanted in (self.category.casefold(), self.category_label.casefold())


class Synthesis(NamedTuple):
    """Audio synthesized in one request."""

    audio: bytes
    encoding: str
    duration_ms: int


class SpeechEngine(Protocol):
    """A text-to-speech service. Every method raises an `AichatError` on failure.

    Texts passed to `synthesize` and `stream` must fit one request (`max_text_bytes` of UTF-8);
    splitting longer text is the caller's job, so that it can split at sentence boundaries.
    """

    max_text_bytes: int

    async def list_voices(self, *, refresh: bool = False) -> list[Voice]:
        """The catalogue; may come from a recent cache unless `refresh`."""
        ...

    async def fetch_preview(self, voice: Voice) -> bytes:
        """The voice's sample clip, encoded (usually MP3)."""
        ...

    async def synthesize(self, text: str, *, voice: str, speed: float,
                         encoding: str = "pcm") -> Synthesis:
        """All the audio of `text` in one response."""
        ...

    def stream(self, text: str, *, voice: str, speed: float) -> AsyncGenerator[bytes, None]:
        """PCM chunks of `text` as they are synthesized (sizes need not be whole samples)."""
        ...

    async def aclose(self) -> None: ...
