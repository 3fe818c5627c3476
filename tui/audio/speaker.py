"""Reading text aloud, sentence by sentence, with a stop that is heard at once.

Two queues, as in gptme's speech tool: sentences waiting to be synthesized (here) and audio
waiting to be played (the player's). Synthesis streams each sentence's audio into the player
as it arrives, then moves straight on to the next sentence, so the next one is ready when the
current one ends. `stop()` empties both queues and hangs up the synthesis in flight.

Typical use (a UI):

    speaker = Speaker(Synthesizer(engine, settings.cache_dir), open_player(...),
                      voice=..., speed=...)
    await speaker.speak(message_markdown)            # whole text; returns when heard
    reading = speaker.read()                         # while a reply streams in:
    reading.feed(reply_so_far)                       #   each complete sentence is spoken once
    reading.finish(final_reply); await reading.wait()
    speaker.stop()                                   # any time
"""

from __future__ import annotations

import asyncio
from contextlib import aclosing

from tui.audio.player import Player
from tui.audio.sentences import SentenceFeed, pack
from tui.audio.synthesis import Synthesizer
from tui.domain.voice import Voice


class Reading:
    """One text being read aloud. Created by `Speaker.read()` (inside a running event loop)."""

    def __init__(self, synthesizer: Synthesizer, player: Player, *, voice: str, speed: float,
                 streaming: bool) -> None:
        self.voice = voice
        self.speed = speed
        self._synthesizer = synthesizer
        self._player = player
        self._streaming = streaming
        self._sentences = SentenceFeed(synthesizer.engine.max_text_bytes)
        self._queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._finished = False
        # Set when the first audio goes to the player: from then on it is heard.
        self.audible = asyncio.Event()
        self._task = asyncio.get_running_loop().create_task(self._run())

    @property
    def done(self) -> bool:
        """Read to the end, stopped, or failed."""
        return self._task.done()

    def feed(self, markdown: str) -> None:
        """The text so far (cumulative); sentences known to be complete are queued."""
        if not self._finished and not self._task.done():
            for sentence in self._sentences.update(markdown):
                self._queue.put_nowait(sentence)

    def finish(self, markdown: str | None = None) -> None:
        """No more text will come; `markdown`, if given, is the final text."""
        if self._finished:
            return
        self._finished = True
        rest = self._sentences.finish(markdown) if markdown is not None else []
        if not self._streaming:
            # One request per sentence would pay the start latency per sentence: fill requests.
            rest = pack(rest, self._synthesizer.engine.max_text_bytes)
        for unit in rest:
            self._queue.put_nowait(unit)
        self._queue.put_nowait(None)

    async def wait(self) -> bool:
        """Until the reading ends: True if heard to the end, False if stopped. Raises the error
        (an `AichatError`) that ended it early."""
        await asyncio.wait({self._task})
        if self._task.cancelled():
            return False
        self._task.result()
        return True

    def cancel(self) -> None:
        """Stop synthesizing (the caller silences the player)."""
        self._finished = True
        self._task.cancel()
        while not self._queue.empty():
            self._queue.get_nowait()

    async def _run(self) -> None:
        try:
            while (unit := await self._queue.get()) is not None:
                if not unit.strip():
                    continue
                if self._streaming:
                    async with aclosing(self._synthesizer.stream_pcm(
                            unit, voice=self.voice, speed=self.speed)) as chunks:
                        async for pcm in chunks:
                            self._play(pcm)
                else:
                    self._play(await self._synthesizer.pcm(
                        unit, voice=self.voice, speed=self.speed))
            await self._player.drain()
        except asyncio.CancelledError:
            raise  # stopped: whoever stopped it has silenced the player (maybe for a new reading)
        except BaseException:
            self._player.stop()  # a failure mid-reply: no half reading left playing
            raise
        self._player.stop()  # played out: release the device until it is needed again

    def _play(self, pcm: bytes) -> None:
        self._player.play(pcm)
        self.audible.set()


class Speaker:
    """Speaks through one player, one reading (or preview) at a time."""

    def __init__(self, synthesizer: Synthesizer, player: Player, *, voice: str, speed: float = 1.0,
                 streaming: bool = True) -> None:
        self.synthesizer = synthesizer
        self.player = player
        self.voice = voice
        self.speed = speed
        # False: one-shot requests of up to a full request each (the slower baseline, kept
        # for services without streaming and for the benchmark).
        self.streaming = streaming
        self._reading: Reading | None = None
        self._stops = 0

    @property
    def speaking(self) -> bool:
        return self._reading is not None and not self._reading.done

    def read(self, *, voice: str | None = None, speed: float | None = None) -> Reading:
        """Start a new reading (stopping any other); feed it text, then finish it."""
        self.stop()
        self._reading = Reading(self.synthesizer, self.player, voice=voice or self.voice,
                                speed=speed or self.speed, streaming=self.streaming)
        return self._reading

    async def speak(self, markdown: str, *, voice: str | None = None,
                    speed: float | None = None) -> bool:
        """Read `markdown` aloud; True when heard to the end, False when stopped."""
        reading = self.read(voice=voice, speed=speed)
        reading.finish(markdown)
        return await reading.wait()

    async def preview(self, voice: Voice) -> None:
        """Play the voice's sample clip (stopping anything else)."""
        self.stop()
        stops = self._stops
        pcm = await self.synthesizer.preview_pcm(voice)
        if stops != self._stops:
            return  # stopped (or superseded) while the clip was being fetched
        self.player.play(pcm)
        await self.player.drain()
        if stops == self._stops:
            self.player.stop()  # release the device; unless someone else is using it by now

    def stop(self) -> None:
        """Silence now: drop the sentences waiting for synthesis and the audio waiting to play."""
        self._stops += 1
        if self._reading is not None:
            self._reading.cancel()
            self._reading = None
        self.player.stop()

    def close(self) -> None:
        self.stop()
        self.player.close()
