"""Target: streamed speech starts in <= 0.2x the time one-shot synthesis takes to start.

Time from "speak this reply" to the first audio handed to the player, for a 2,000-character
reply, against the emulator's latency model set to realistic values (0.3 s to start plus
4 ms per character, which is what a cloud TTS of Qiniu's kind shows):

* one-shot: the reply split into requests of at most 1,024 bytes (the API limit), each
  POSTed; playback can start when the first request's audio is back.
* streaming: the reply split into sentences, each synthesized over the WebSocket; playback
  starts with the first chunk of the first sentence.

Both run in this process against the same emulator (in a thread: the client mostly waits, so
this measures the protocol, not CPU). Medians of a few runs; the ratio is printed.
"""

from __future__ import annotations

import asyncio
import statistics
import time

from tui.audio.recording import RecordingPlayer
from tui.audio.speaker import Speaker
from tui.audio.synthesis import Synthesizer
from tui.backends.qiniu import QiniuSpeech
from tui.domain.secret import Secret
from tui.emulator import DEMO, Emulator, EmulatorConfig
from tui.settings import QiniuSettings

START_LATENCY = 0.3
LATENCY_PER_CHAR = 0.004
RUNS = 3
VOICE = "qiniu_en_female_msyyn"


def reply(length: int = 2000) -> str:
    sentences = [
        "Here is how the cache works, step by step.",
        "Each sentence is synthesized once and kept on disk.",
        "When you play the reply again, nothing is requested.",
        "The **voice** and the speed are part of the key, so changing either one asks again.",
        "Long replies are split at sentence ends, never inside a word or a number like 3.14.",
    ]
    text, index = "", 0
    while len(text) < length:
        text += sentences[index % len(sentences)] + (" " if index % 4 != 3 else "\n\n")
        index += 1
    return text[:length]


async def first_audio(engine: QiniuSpeech, text: str, *, streaming: bool) -> float:
    player = RecordingPlayer()
    speaker = Speaker(Synthesizer(engine), player, voice=VOICE, streaming=streaming)
    started = time.perf_counter()
    reading = speaker.read()
    reading.finish(text)
    while player.first_audio_at is None and not reading.done:
        await asyncio.sleep(0.001)
    if player.first_audio_at is None:
        await reading.wait()  # raises what went wrong
        raise RuntimeError("no audio was produced")
    speaker.stop()
    await reading.wait()
    return player.first_audio_at - started


async def measure(base_url: str) -> tuple[float, float]:
    engine = QiniuSpeech(QiniuSettings(api_key=Secret(DEMO.qiniu_api_key), base_url=base_url))
    text = reply()
    try:
        await first_audio(engine, "Warm up.", streaming=True)  # connection pool, caches
        one_shot = [await first_audio(engine, text, streaming=False) for _ in range(RUNS)]
        streamed = [await first_audio(engine, text, streaming=True) for _ in range(RUNS)]
    finally:
        await engine.aclose()
    return statistics.median(one_shot), statistics.median(streamed)


def main() -> None:
    config = EmulatorConfig(tts_start_latency=START_LATENCY, tts_latency_per_char=LATENCY_PER_CHAR)
    with Emulator.in_thread(config) as emulator:
        one_shot, streamed = asyncio.run(measure(f"{emulator.base_url}/v1"))
    ratio = streamed / one_shot
    print(f"reply: {len(reply())} characters; latency model: {START_LATENCY} s + "
          f"{LATENCY_PER_CHAR * 1000:.0f} ms/char")
    print(f"first audio, one-shot (requests of <= 1024 bytes): {one_shot:.3f} s")
    print(f"first audio, streaming (sentence by sentence):    {streamed:.3f} s")
    print(f"ratio streaming / one-shot: {ratio:.3f}x (target <= 0.2x) "
          f"{'OK' if ratio <= 0.2 else 'MISSED'}")


if __name__ == "__main__":
    main()
