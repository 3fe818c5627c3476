"""Speech audio from a `SpeechEngine`, through the cache, in the units the player needs.

Everything is cached per unit it was synthesized in: a sentence for speaking and for WAV
files (so a reply heard once saves to WAV without a request, and the other way round), a
request-sized piece for MP3 files (each request's MP3 carries its own encoder padding, so
fewer, longer pieces sound seamless).

The cache, the file written and MP3 decoding are worked on in threads: in the app, the event
loop these coroutines run on is the UI's, which must never wait for a disk or a decoder.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Awaitable, Callable
from contextlib import aclosing
from functools import partial
from pathlib import Path

from tui.audio.cache import AudioCache
from tui.audio.decode import decode, duration_ms, to_wav
from tui.audio.sentences import pack, speech_units
from tui.audio.speakable import speakable
from tui.domain.errors import AudioError, InvalidInput
from tui.domain.voice import PCM_SAMPLE_WIDTH, SpeechEngine, Voice

SAVE_EXTENSIONS = (".wav", ".mp3")
# Requests in flight at once while saving a whole reply to a file.
SAVE_CONCURRENCY = 4


class Synthesizer:
    def __init__(self, engine: SpeechEngine, cache_dir: Path | None = None) -> None:
        self.engine = engine
        self._speech = AudioCache(cache_dir / "tts") if cache_dir is not None else None
        self._previews = AudioCache(cache_dir / "previews") if cache_dir is not None else None

    async def stream_pcm(self, text: str, *, voice: str,
                         speed: float) -> AsyncGenerator[bytes, None]:
        """PCM of one unit of text as it is synthesized (all at once when cached)."""
        key = _speech_key("pcm", text, voice, speed)
        cached = await _get(self._speech, key)
        if cached is not None:
            yield cached
            return
        received: list[bytes] = []
        carry = b""
        async with aclosing(self.engine.stream(text, voice=voice, speed=speed)) as chunks:
            async for chunk in chunks:
                # Frames need not end on a sample boundary; a player must only get whole samples.
                data = carry + chunk
                whole = len(data) - len(data) % PCM_SAMPLE_WIDTH
                carry = data[whole:]
                if whole:
                    received.append(data[:whole])
                    yield data[:whole]
        decode(carry, "pcm")  # a dangling half sample means the audio is damaged: say so
        await _put(self._speech, b"".join(received), key)

    async def pcm(self, text: str, *, voice: str, speed: float) -> bytes:
        """PCM of one unit of text in one request (or from the cache)."""
        key = _speech_key("pcm", text, voice, speed)
        cached = await _get(self._speech, key)
        if cached is not None:
            return cached
        synthesis = await self.engine.synthesize(text, voice=voice, speed=speed, encoding="pcm")
        pcm = decode(synthesis.audio, "pcm")
        await _put(self._speech, pcm, key)
        return pcm

    async def preview_pcm(self, voice: Voice) -> bytes:
        """The voice's sample clip, decoded; fetched once, then from the cache."""
        key = (voice.voice_type, voice.preview_url)
        cached = await _get(self._previews, key)
        clip = cached if cached is not None else await self.engine.fetch_preview(voice)
        # Before caching: a clip that does not decode is not kept.
        pcm = await asyncio.to_thread(decode, clip, "mp3")
        if cached is None:
            await _put(self._previews, clip, key)
        return pcm

    async def save(self, markdown: str, path: Path, *, voice: str, speed: float) -> int:
        """Write the speech of `markdown` to `path` (.wav or .mp3); returns its length in ms."""
        suffix = path.suffix.lower()
        if suffix not in SAVE_EXTENSIONS:
            raise InvalidInput(f"Cannot save speech as {path.name}: the file name must end in "
                               ".wav or .mp3.")
        limit = self.engine.max_text_bytes
        units = speech_units(speakable(markdown), limit)
        units = [unit for unit in units if unit.strip()]
        if not units:
            raise InvalidInput("There is nothing to speak in this text (no words once the "
                             "markup is removed).")
        if suffix == ".wav":
            pcm = b"".join(await _bounded(
                [partial(self.pcm, u, voice=voice, speed=speed) for u in units]))
            data, length = to_wav(pcm), duration_ms(pcm)
        else:
            data = b"".join(await _bounded(
                [partial(self._mp3, p, voice=voice, speed=speed) for p in pack(units, limit)]))
            length = duration_ms(await asyncio.to_thread(decode, data, "mp3"))
        await asyncio.to_thread(_write, path, data)
        return length

    async def _mp3(self, text: str, *, voice: str, speed: float) -> bytes:
        key = _speech_key("mp3", text, voice, speed)
        cached = await _get(self._speech, key)
        if cached is not None:
            return cached
        synthesis = await self.engine.synthesize(text, voice=voice, speed=speed, encoding="mp3")
        # Check it before it is cached or written.
        await asyncio.to_thread(decode, synthesis.audio, "mp3")
        await _put(self._speech, synthesis.audio, key)
        return synthesis.audio


async def _get(cache: AudioCache | None, key: tuple[object, ...]) -> bytes | None:
    return await asyncio.to_thread(cache.get, *key) if cache is not None else None


async def _put(cache: AudioCache | None, data: bytes, key: tuple[object, ...]) -> None:
    if cache is not None:
        await asyncio.to_thread(cache.put, data, *key)


def _speech_key(encoding: str, text: str, voice: str, speed: float) -> tuple[str, str, float, str]:
    return (encoding, voice, float(speed), text)  # float: 1 and 1.0 are the same speed


async def _bounded(jobs: list[Callable[[], Awaitable[bytes]]]) -> list[bytes]:
    """Run the jobs a few at a time; results in order. The first failure cancels the rest."""
    gate = asyncio.Semaphore(SAVE_CONCURRENCY)

    async def run(job: Callable[[], Awaitable[bytes]]) -> bytes:
        async with gate:
            return await job()

    tasks = [asyncio.ensure_future(run(job)) for job in jobs]
    try:
        return list(await asyncio.gather(*tasks))
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def _write(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.part")
    try:
        tmp.write_bytes(data)
        tmp.replace(path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise AudioError(f"Could not write {path} ({e.strerror}).",
                         "Check that the folder exists and is writable.") from None

