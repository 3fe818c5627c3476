"""One-shot and streamed synthesis against the emulator, decoded with miniaudio."""

from __future__ import annotations

import asyncio

import pytest

from tui.audio.decode import decode, duration_ms
from tui.backends.qiniu.ws_tts import websocket_url

VOICE = "qiniu_zh_female_wwxkjx"
TEXT = "你好，世界！This is a streamed reply, in two languages."


@pytest.mark.parametrize("encoding", ["pcm", "wav", "mp3"])
async def test_one_shot_decodes_to_pcm_of_the_stated_duration(speech, encoding):
    synthesis = await speech.synthesize(TEXT, voice=VOICE, speed=1.0, encoding=encoding)
    assert synthesis.encoding == encoding and synthesis.duration_ms > 2000
    pcm = decode(synthesis.audio, encoding)
    assert duration_ms(pcm) == pytest.approx(synthesis.duration_ms, abs=80)


async def test_stream_arrives_in_chunks_that_join_to_the_one_shot_audio(speech, emulator):
    chunks = [chunk async for chunk in speech.stream(TEXT, voice=VOICE, speed=1.0)]
    whole = await speech.synthesize(TEXT, voice=VOICE, speed=1.0, encoding="pcm")
    assert len(chunks) > 2
    assert b"".join(chunks) == whole.audio
    assert emulator.qiniu.requests["tts_ws"] == 1


async def test_speed_is_sent(speech):
    normal = await speech.synthesize(TEXT, voice=VOICE, speed=1.0)
    fast = await speech.synthesize(TEXT, voice=VOICE, speed=1.5)
    assert fast.duration_ms == pytest.approx(normal.duration_ms / 1.5, rel=0.05)


async def test_leaving_a_stream_early_hangs_up_cleanly(speech, emulator):
    stream = speech.stream("一二三四五六七八九十。" * 5, voice=VOICE, speed=1.0)
    first = await anext(stream)
    await stream.aclose()
    assert first
    while not emulator.qiniu.hangups:  # the server saw the close frame and stopped synthesizing
        await asyncio.sleep(0.01)
    # The connection is usable again right away.
    assert [c async for c in speech.stream("好。", voice=VOICE, speed=1.0)]


@pytest.mark.parametrize(("base", "url"), [
    ("http://127.0.0.1:8000/v1", "ws://127.0.0.1:8000/v1/voice/tts"),
    ("https://openai.qiniu.com/v1/", "wss://openai.qiniu.com/v1/voice/tts"),
])
def test_websocket_url_follows_the_base_url(base, url):
    assert websocket_url(base) == url
