"""Speech recognition in domain terms: the audio a recogniser takes, the events it yields.

A recogniser hears PCM s16le 16 kHz mono (what the services want; audio sources convert to
it) and reports the transcript as it grows (`TranscriptChanged`, cumulative text turned into
edits like a reply's), then `TranscriptFinished` once the audio has ended.
"""

from __future__ import annotations

from collections.abc import AsyncIterable, AsyncIterator
from dataclasses import dataclass
from typing import Protocol

from tui.domain.reply import Edit

SAMPLE_RATE = 16_000
SAMPLE_WIDTH = 2
BYTES_PER_SECOND = SAMPLE_RATE * SAMPLE_WIDTH


def pcm_ms(byte_count: int) -> int:
    return round(byte_count * 1000 / BYTES_PER_SECOND)


@dataclass(frozen=True, slots=True)
class TranscriptChanged:
    """`text` is the whole transcript so far, `edit` what changed."""

    edit: Edit
    text: str


@dataclass(frozen=True, slots=True)
class TranscriptFinished:
    text: str
    duration_ms: int


TranscriptEvent = TranscriptChanged | TranscriptFinished


class SpeechRecognizer(Protocol):
    name: str

    def transcribe(self, audio: AsyncIterable[bytes]) -> AsyncIterator[TranscriptEvent]:
        """Stream `audio` (PCM chunks of any size) while it lasts; the last event is
        `TranscriptFinished`."""
        ...

    async def transcribe_url(self, url: str) -> TranscriptFinished:
        """Recognise an audio file the service downloads from a public URL."""
        ...

    async def aclose(self) -> None: ...
