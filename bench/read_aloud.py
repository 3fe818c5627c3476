"""Reading a reply aloud as it streams: how soon after a sentence is complete in the stream
its first audio reaches the player, and whether the listener would hear gaps.

    ./run python bench/read_aloud.py [--chars 1400] [--events 70] [--rate 10]

The whole app runs headless at 80x24 with reading aloud on and a RecordingPlayer in place of
the sound card. The emulator (in a thread) streams a `#bench` reply of several sentences at
`rate` events per second (20 characters an event by default: a fast model's pace), with the
TTS latency model of bench/tts_first_audio.py (0.3 s to start plus 4 ms per character).
For each sentence:

* complete: when the stream event that shows the sentence is finished reached the client
  (the sentence splitter, replayed over the recorded events, says which event; the last
  sentence is complete when the reply ends);
* first audio: when the player was handed the first PCM of that sentence (a reading asks
  for one sentence's audio at a time, and plays each chunk as it comes).

Sentences are synthesized one after another, so a later one may wait for those before it;
the first one shows what the app adds. It is compared with the TTS alone (the same sentence
spoken straight through a Speaker, in this run). Also printed: the silence a listener would
hear between sentences at 1x playback; the session's first, cold reading (a `#multi` reply
asked first, which warms the session up); and the reply's streaming time with reading aloud
on and off (speaking must not slow the stream down).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from tts_first_audio import LATENCY_PER_CHAR, RUNS, START_LATENCY, VOICE, first_audio  # noqa: E402

from tui.audio.recording import RecordingPlayer  # noqa: E402
from tui.audio.sentences import SentenceFeed  # noqa: E402
from tui.audio.synthesis import Synthesizer  # noqa: E402
from tui.backends.aliyun import TongyiProvider  # noqa: E402
from tui.backends.qiniu import QiniuSpeech  # noqa: E402
from tui.domain.events import TextChanged  # noqa: E402
from tui.domain.secret import Secret  # noqa: E402
from tui.domain.voice import PCM_BYTES_PER_SECOND  # noqa: E402
from tui.emulator import DEMO, Emulator, EmulatorConfig  # noqa: E402
from tui.settings import AudioSettings, QiniuSettings, Settings, load_settings  # noqa: E402
from tui.ui.app import make_app  # noqa: E402
from tui.ui.speech import SpeechController  # noqa: E402
from tui.ui.widgets.prompt import Prompt  # noqa: E402

WARM_UP = "#multi"


@dataclass
class Timeline:
    """One reply: its snapshots as they reached the client, the sentences whose audio was
    asked for, and the audio the player got."""

    snapshots: list[tuple[float, str]] = field(default_factory=list)
    requested: list[str] = field(default_factory=list)
    audio: list[tuple[float, int, int]] = field(default_factory=list)  # (time, sentence, bytes)

    def sentences(self) -> list[tuple[str, float, float]]:
        """(sentence, complete at, first audio at) for every sentence read, in order."""
        feed, completed = SentenceFeed(), []
        for at, text in self.snapshots:
            completed += [(unit, at) for unit in feed.update(text)]
        end, final = self.snapshots[-1]
        completed += [(unit, end) for unit in feed.finish(final)]
        spoken = [(unit, at) for unit, at in completed if unit.strip()]  # as Reading skips them
        assert [unit for unit, _ in spoken] == self.requested, "the replay is not what was read"
        first: dict[int, float] = {}
        for at, index, _ in self.audio:
            first.setdefault(index, at)
        return [(unit, at, first[index]) for index, (unit, at) in enumerate(spoken)]

    @property
    def streaming_time(self) -> float:
        return self.snapshots[-1][0] - self.snapshots[0][0]

    def silences(self) -> tuple[float, float]:
        """Silence a listener would hear between sentences, as (waiting for the stream,
        waiting for synthesis): each sentence plays once its audio is in and the one before
        it has played out (at 1x, as a sound card would)."""
        lengths: dict[int, float] = {}
        for _, index, size in self.audio:
            lengths[index] = lengths.get(index, 0.0) + size / PCM_BYTES_PER_SECOND
        stream = synthesis = 0.0
        played_out: float | None = None
        for index, (_, complete, heard) in enumerate(self.sentences()):
            starts = heard
            if played_out is not None:
                if heard > played_out:
                    stream += max(0.0, min(complete, heard) - played_out)
                    synthesis += heard - max(complete, played_out)
                starts = max(heard, played_out)
            played_out = starts + lengths[index]
        return stream, synthesis


class Witness(RecordingPlayer):
    """Notes which sentence each chunk belongs to: the last one asked for (a reading asks for
    the next only when the last one's audio is all in)."""

    def __init__(self, timelines: list[Timeline]) -> None:
        super().__init__()
        self.timelines = timelines

    def play(self, pcm: bytes) -> None:
        super().play(pcm)
        timeline = self.timelines[-1]
        timeline.audio.append((self.clock(), len(timeline.requested) - 1, len(pcm)))


@contextmanager
def requests_noted(timelines: list[Timeline]) -> Iterator[None]:
    """Note each sentence a reading asks audio for (from the TTS or the speech cache)."""
    stream_pcm = Synthesizer.stream_pcm

    def noted(synthesizer: Synthesizer, text: str, **options):
        timelines[-1].requested.append(text)
        return stream_pcm(synthesizer, text, **options)

    Synthesizer.stream_pcm = noted  # type: ignore[method-assign]
    try:
        yield
    finally:
        Synthesizer.stream_pcm = stream_pcm  # type: ignore[method-assign]


def chat(settings: Settings, questions: list[str]) -> list[Timeline]:
    """Ask `questions` in one app session; the timeline of each reply."""
    timelines: list[Timeline] = []
    player = Witness(timelines)

    class TimedProvider(TongyiProvider):
        async def stream_reply(self, request):
            async for event in super().stream_reply(request):
                if isinstance(event, TextChanged):
                    timelines[-1].snapshots.append((time.perf_counter(), event.text))
                yield event

    speech = SpeechController(settings, player_factory=lambda backend: player)
    app = make_app(settings, provider=TimedProvider(settings.tongyi), speech=speech)

    async def drive(pilot) -> None:
        await pilot.pause()
        for question in questions:
            timelines.append(Timeline())
            app.screen.query_one(Prompt).text = question
            await pilot.press("enter")
            while app.screen.replying or speech.speaking:
                await asyncio.sleep(0.05)
            await app.workers.wait_for_complete()
        await speech.aclose()
        app.exit()

    with requests_noted(timelines):
        app.run(headless=True, size=(80, 24), auto_pilot=drive)
    return timelines


async def tts_alone(base_url: str, text: str) -> float:
    """The TTS's own first-audio time for `text`: a Speaker straight on the engine."""
    engine = QiniuSpeech(QiniuSettings(api_key=Secret(DEMO.qiniu_api_key), base_url=base_url))
    try:
        await first_audio(engine, "Warm up.", streaming=True)
        return statistics.median([await first_audio(engine, text, streaming=True)
                                  for _ in range(RUNS)])
    finally:
        await engine.aclose()


def settings_for(emulator: Emulator, scratch: Path, *, read_aloud: bool) -> Settings:
    # A fresh data dir per session: the speech cache must not answer for the TTS.
    data = Path(tempfile.mkdtemp(dir=scratch))
    settings = load_settings(env={**os.environ, **emulator.client_env(),
                                  "AICHAT_TUI_DATA_DIR": str(data),
                                  "AICHAT_TUI_CONFIG": str(data / "config.toml"),
                                  "AICHAT_QINIU_VOICE": VOICE})
    return replace(settings, audio=AudioSettings(read_aloud=read_aloud))


def main() -> None:
    parser = argparse.ArgumentParser()
    # 1400 characters of #bench say no sentence twice: each one is synthesized.
    parser.add_argument("--chars", type=int, default=1400)
    parser.add_argument("--events", type=int, default=70)
    parser.add_argument("--rate", type=float, default=10.0)
    args = parser.parse_args()
    question = f"#bench chars={args.chars} events={args.events} rate={args.rate:g}"

    config = EmulatorConfig(tts_start_latency=START_LATENCY, tts_latency_per_char=LATENCY_PER_CHAR)
    with Emulator.in_thread(config) as emulator, tempfile.TemporaryDirectory() as scratch:
        cold, read = chat(settings_for(emulator, Path(scratch), read_aloud=True),
                          [WARM_UP, question])
        [silent] = chat(settings_for(emulator, Path(scratch), read_aloud=False), [question])
        sentences = read.sentences()
        alone = asyncio.run(tts_alone(f"{emulator.base_url}/v1", sentences[0][0]))

    print(f"{question}: {len(sentences)} sentences read aloud; TTS latency model "
          f"{START_LATENCY} s + {LATENCY_PER_CHAR * 1000:.0f} ms/char")
    print(f"{'#':>2}  {'chars':>5}  {'complete':>8}  {'first audio':>11}  {'after':>7}  sentence")
    start = read.snapshots[0][0]
    waits = []
    for number, (text, complete, heard) in enumerate(sentences, 1):
        waits.append(heard - complete)
        shown = " ".join(text.split())
        print(f"{number:2}  {len(text):5}  {complete - start:6.2f} s  {heard - start:9.2f} s  "
              f"{heard - complete:5.2f} s  {shown[:40]}{'…' if len(shown) > 40 else ''}")
    first = waits[0]
    cold_first = cold.sentences()[0]
    print(f"first sentence: complete -> first audio {first:.3f} s; the TTS alone "
          f"{alone:.3f} s; ratio {first / alone:.2f}x")
    print(f"median over the {len(waits)} sentences: {statistics.median(waits):.3f} s "
          f"(each waits for the synthesis of those before it)")
    stream_wait, synthesis_wait = read.silences()
    print(f"silence between sentences at 1x playback: {synthesis_wait:.2f} s waiting for "
          f"synthesis, {stream_wait:.2f} s waiting for the stream")
    print(f"cold start (the session's first reading, {WARM_UP}): "
          f"{cold_first[2] - cold_first[1]:.3f} s")
    print(f"streaming time, reading aloud on / off: {read.streaming_time:.2f} s / "
          f"{silent.streaming_time:.2f} s = {read.streaming_time / silent.streaming_time:.2f}x")


if __name__ == "__main__":
    main()
