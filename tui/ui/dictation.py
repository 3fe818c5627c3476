"""Push-to-talk: one recording turned into text for the prompt, without any widget.

`run()` streams the source to the recogniser until `stop()` (the text is kept: `run()` returns
the final transcript) or `discard()` (nothing is kept: `run()` returns None). Meanwhile
`text` is the transcript so far, `level` the input loudness (0..1) and `elapsed` the seconds
recorded; `on_change()` is called whenever one of them changes, for the UI to redraw.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

from tui.audio.sources import AudioSource
from tui.audio.vad import VoiceActivity
from tui.domain.transcript import SpeechRecognizer, TranscriptChanged, TranscriptFinished


class Dictation:
    def __init__(self, source: AudioSource, recognizer: SpeechRecognizer, *,
                 on_change: Callable[[], None] = lambda: None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._source = source
        self._recognizer = recognizer
        self._on_change = on_change
        self._clock = clock
        self._started: float | None = None
        self._stopped_at: float | None = None
        self.text = ""
        self.level = 0.0
        self.discarded = False

    @property
    def elapsed(self) -> float:
        if self._started is None:
            return 0.0
        return (self._stopped_at or self._clock()) - self._started

    @property
    def recording(self) -> bool:
        return self._started is not None and self._stopped_at is None

    def stop(self) -> None:
        """Stop recording; `run()` returns once the last words are recognised."""
        if self._stopped_at is None:
            self._stopped_at = self._clock()
        self._source.stop()

    def discard(self) -> None:
        """Stop recording and keep nothing."""
        self.discarded = True
        self.stop()

    async def run(self) -> str | None:
        """The final transcript, or None when discarded. Raises the `AichatError` that ended it
        (a source or recogniser failure); the transcript so far stays in `text`."""
        self._started = self._clock()
        final = ""
        async for event in self._recognizer.transcribe(self._metered(self._source.chunks())):
            if self.discarded:
                return None
            if isinstance(event, TranscriptChanged):
                self.text = event.text
                self._on_change()
            elif isinstance(event, TranscriptFinished):
                final = event.text
        self.stop()
        if self.discarded:
            return None
        self.text = final
        self._on_change()
        return final

    async def _metered(self, chunks: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
        vad = VoiceActivity()
        async for chunk in chunks:
            vad.feed(chunk)
            self.level = vad.level
            self._on_change()
            yield chunk
