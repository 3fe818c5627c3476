"""Voice conversation mode against the emulator's latency models: from the end of speech to
the first audio of the reply, and, in the same run, the parts it is made of: the silence
timeout (waiting to know the speaker has finished), the chat's own time to its first
sentence, and what is left (recognition's final answer, synthesis of the first sentence).
Target: end of speech -> first audio within 1.0 s + the chat's time to first sentence, beyond
the silence timeout the user chose.

    ./run python bench/voice_latency.py
"""

from __future__ import annotations

import asyncio
import base64

import httpx
import miniaudio

from tui.audio.recording import RecordingPlayer
from tui.audio.sentences import SentenceFeed
from tui.audio.sources import PcmSource
from tui.audio.vad import SpeechEnded, VoiceActivity
from tui.backends.aliyun import TongyiProvider
from tui.backends.recognizers import open_recognizer
from tui.domain.events import TextChanged
from tui.domain.providers import ChatRequest
from tui.domain.transcript import BYTES_PER_SECOND
from tui.emulator import DEMO, Emulator
from tui.settings import load_settings
from tui.ui.speech import SpeechController
from tui.ui.voice_conversation import VoiceConversation

QUESTION = "What is the weather like in Shanghai tomorrow?"
SILENCE_TIMEOUT = 1.5
RUNS = 3


async def spoken(emulator: Emulator) -> bytes:
    async with httpx.AsyncClient() as client:
        answer = await client.post(
            f"{emulator.base_url}/v1/voice/tts",
            headers={"Authorization": f"Bearer {DEMO.qiniu_api_key}"},
            json={"audio": {"voice_type": "qiniu_zh_female_wwxkjx", "encoding": "mp3"},
                  "request": {"text": QUESTION}})
    return miniaudio.decode(base64.b64decode(answer.json()["data"]),
                            output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1,
                            sample_rate=16000).samples.tobytes()


async def one_turn(emulator: Emulator, pcm: bytes, speech_s: float) -> tuple[float, float]:
    """(end of speech -> first audio, the chat's send -> first complete sentence)."""
    settings = load_settings(env=emulator.client_env())
    loop = asyncio.get_running_loop()
    player = RecordingPlayer(clock=loop.time)
    speech = SpeechController(settings, player_factory=lambda backend: player)
    recognizer = open_recognizer(settings)
    provider = TongyiProvider(settings.tongyi, network=settings.network,
                              token_file=settings.token_path)
    first_sentence: list[float] = []
    replied = asyncio.Event()

    async def answer(text: str) -> None:
        sent_at, feed = loop.time(), SentenceFeed()
        reply = ""
        async for event in provider.stream_reply(ChatRequest(text)):
            if isinstance(event, TextChanged):
                reply = event.text
                if not first_sentence and feed.update(reply):
                    first_sentence.append(loop.time() - sent_at)
                voice.reply_changed(reply)
        voice.reply_ended(reply, complete=True)
        replied.set()

    async def send(text: str) -> bool:
        loop.create_task(answer(text))
        return True

    source = PcmSource(pcm, realtime=True, then_silence=True)
    voice = VoiceConversation(source, recognizer, speech, send, silence_timeout=SILENCE_TIMEOUT)
    started = loop.time()
    listening = loop.create_task(voice.run())
    await replied.wait()
    while player.first_audio_at is None:
        await asyncio.sleep(0.005)
    first_audio = player.first_audio_at
    while speech.speaking:  # heard to the end before anything closes
        await asyncio.sleep(0.01)
    source.stop()
    await listening
    await speech.aclose()
    await recognizer.aclose()
    await provider.aclose()
    return first_audio - (started + speech_s), first_sentence[0]


async def main() -> None:
    emulator = Emulator()  # the default latency models
    await emulator.start()
    pcm = await spoken(emulator)
    # The end of speech is its last voiced frame (the clip ends in a sentence pause).
    ends = [e for e in VoiceActivity().feed(pcm + bytes(BYTES_PER_SECOND))
            if isinstance(e, SpeechEnded)]
    speech_s = ends[-1].at_ms / 1000
    turns = [await one_turn(emulator, pcm, speech_s) for _ in range(RUNS)]
    await emulator.stop()
    total, chat = min(turns)
    rest = total - SILENCE_TIMEOUT - chat
    print(f"speech ends at {speech_s:.2f} s; [voice] silence_timeout {SILENCE_TIMEOUT} s; "
          f"best of {RUNS} (a shared machine)")
    print(f"end of speech -> first audio of the reply: {total:.3f} s")
    print(f"  chat's own time to first sentence (same run): {chat:.3f} s")
    print(f"  difference, beyond the silence timeout and the chat's first sentence: {rest:.3f} s "
          f"(recognition's final answer + the first sentence's synthesis; target <= 1.0 s)")


if __name__ == "__main__":
    asyncio.run(main())
