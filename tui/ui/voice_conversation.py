"""Hands-free voice conversation, without any widget: listen, send, read the reply, listen.

One audio source runs for the whole conversation and every chunk goes through the
voice-activity detector. When speech starts, a recognition session opens (with the audio of
the moment before, so the first syllable is not lost); when the speaker has been silent for
`silence_timeout` seconds it closes, and the final transcript, if it has words, goes to
`send(text)`. Whoever answers reports the reply as it streams (`reply_changed`, then
`reply_ended`); it is read aloud sentence by sentence through the `SpeechController`, and
listening resumes when the reading ends.

Barge-in: speech starting while a reply is being read (or awaited) stops the reading, and the
rest of that reply is shown but not read; the new words are heard and sent as usual.

`state` is "listening", "thinking" (words sent, no sound of the reply yet) or "speaking";
`heard` is the transcript of the words being spoken; `level` the input loudness (0..1).
`on_change()` is called whenever any of them changes. The microphone hears the loudspeaker
too: without headphones (or a device with echo cancellation) a reply may interrupt itself.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Literal

from tui.audio.sources import CHUNK_MS, AudioSource
from tui.audio.vad import SpeechEnded, SpeechStarted, VoiceActivity
from tui.domain.errors import AichatError
from tui.domain.transcript import SpeechRecognizer, TranscriptChanged, TranscriptFinished
from tui.ui.speech import SpeechController

if TYPE_CHECKING:
    from tui.audio.speaker import Reading

State = Literal["listening", "thinking", "speaking"]

# Audio kept from before speech is detected: the detector needs 60 ms of it, and a chunk is
# 100 ms, so the words began up to ~200 ms before it said so.
PREROLL_MS = 500


class VoiceConversation:
    def __init__(self, source: AudioSource, recognizer: SpeechRecognizer,
                 speech: SpeechController, send: Callable[[str], Awaitable[bool]], *,
                 silence_timeout: float, on_change: Callable[[], None] = lambda: None,
                 on_error: Callable[[AichatError], None] = lambda error: None) -> None:
        self._source = source
        self._recognizer = recognizer
        self._speech = speech
        self._send = send
        self._silence_ms = round(silence_timeout * 1000)
        self._on_change = on_change
        self._on_error = on_error
        self.state: State = "listening"
        self.heard = ""
        self.level = 0.0
        self._feeding: Reading | None = None  # the reading of the reply still streaming
        self._reading: Reading | None = None  # the reading being heard
        self._unread = False  # the reply in progress was interrupted: show it, do not read it
        self._tasks: set[asyncio.Task[None]] = set()
        self._failure: AichatError | None = None

    def stop(self) -> None:
        """End the conversation: `run()` returns. A reply being read goes on being read."""
        self._source.stop()

    async def run(self) -> None:
        """Listen until `stop()`. Raises the `AichatError` that ended it (the source or the
        recogniser failed)."""
        vad = VoiceActivity(hangover_ms=self._silence_ms)
        before: deque[bytes] = deque(maxlen=max(1, PREROLL_MS // CHUNK_MS))
        utterance: asyncio.Queue[bytes | None] | None = None
        try:
            async for chunk in self._source.chunks():
                events = vad.feed(chunk)
                self.level = vad.level
                if utterance is None and any(isinstance(e, SpeechStarted) for e in events):
                    self._barge_in()
                    utterance = asyncio.Queue()
                    for earlier in before:
                        utterance.put_nowait(earlier)
                    self._start(self._recognise(utterance))
                if utterance is not None:
                    utterance.put_nowait(chunk)
                    if any(isinstance(e, SpeechEnded) for e in events):
                        utterance.put_nowait(None)
                        utterance = None
                else:
                    before.append(chunk)
                self._on_change()
                if self._failure is not None:
                    break
            if self._failure is not None:
                raise self._failure
        finally:
            if utterance is not None:
                utterance.put_nowait(None)
            for task in list(self._tasks):
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # -- the reply, reported by whoever streams it ---------------------------------------------

    def reply_changed(self, text: str) -> None:
        """The reply so far (cumulative, as shown)."""
        if self._unread:
            return
        if self._feeding is None:
            try:
                self._feeding = self._reading = self._speech.start_reading()
            except AichatError as error:
                self._on_error(error)
                self._unread = True
                return
            self._start(self._follow(self._feeding))
        self._feeding.feed(text)

    def reply_ended(self, text: str, *, complete: bool) -> None:
        """The reply is over: `complete`, or stopped or failed (its reading stops too)."""
        reading, unread = self._feeding, self._unread
        self._feeding, self._unread = None, False
        if reading is None or unread:
            self._set_state("listening")
        elif complete:
            reading.finish(text)
        else:
            self._speech.stop()

    # -- inside --------------------------------------------------------------------------------

    def _start(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _barge_in(self) -> None:
        if self.state == "listening":
            return
        if self._reading is not None:
            self._reading = None
            self._speech.stop()
        self._feeding, self._unread = None, True
        self._set_state("listening")

    async def _recognise(self, utterance: asyncio.Queue[bytes | None]) -> None:
        async def audio() -> AsyncIterator[bytes]:
            while (chunk := await utterance.get()) is not None:
                yield chunk

        final = ""
        try:
            async for event in self._recognizer.transcribe(audio()):
                if isinstance(event, TranscriptChanged):
                    self.heard = event.text
                    self._on_change()
                elif isinstance(event, TranscriptFinished):
                    final = event.text
        except AichatError as error:
            self._failure = error
            self._source.stop()  # ends run(), which raises it
            return
        self.heard = ""
        if not final.strip():
            self._on_change()
            return
        self._set_state("thinking")
        self._unread = False  # what comes now answers these words
        # Sending may first end the reply in progress (reply_ended: "listening" again).
        sent = await self._send(final.strip())
        if not sent:
            self._set_state("listening")
        elif self.state == "listening":
            self._set_state("thinking")

    async def _follow(self, reading: Reading) -> None:
        """The state while `reading` is heard, and listening again once it ends."""
        audible = asyncio.ensure_future(reading.audible.wait())
        ended = asyncio.ensure_future(reading.wait())
        try:
            await asyncio.wait({audible, ended}, return_when=asyncio.FIRST_COMPLETED)
            if self._reading is reading and not ended.done():
                self._set_state("speaking")
            await asyncio.wait({ended})
        finally:
            audible.cancel()
            ended.cancel()
        error = None if ended.cancelled() else ended.exception()
        if isinstance(error, AichatError):
            self._on_error(error)
        if self._reading is reading:
            self._reading = None
            self._set_state("listening")

    def _set_state(self, state: State) -> None:
        if state != self.state:
            self.state = state
            self._on_change()
