"""Recognition against the emulator: one-call ASR, long ASR and keyword search with results
posted to the client's own callback receiver over loopback — retries, duplicates, failures and
a timeout included."""

from __future__ import annotations

import asyncio
import math
import struct

import pytest

from tui.backends.tencent.callbacks import CallbackReceiver
from tui.backends.tencent.recognition import (
    KEYWORD_RATE,
    KeywordHit,
    TencentRecognizer,
    fits_short,
    keyword_list,
)
from tui.backends.tencent.speech import TencentSpeech
from tui.domain.errors import AudioError, InvalidInput, NetworkError
from tui.domain.voice import PCM_SAMPLE_RATE

SAID = "你好。今天天气很好。我们去公园吧！"


def tone(seconds: float, rate: int) -> bytes:
    frames = int(rate * seconds)
    return struct.pack(f"<{frames}h", *(int(8000 * math.sin(i / 5)) for i in range(frames)))


async def speech(tencent, text: str, rate: int, *, voice: str = "tencent-5") -> bytes:
    """`text` spoken by the emulated platform's TTS, as PCM at `rate`."""
    import miniaudio

    pcm = (await TencentSpeech(tencent).synthesize(text, voice=voice, speed=1.0)).audio
    return bytes(miniaudio.convert_frames(miniaudio.SampleFormat.SIGNED16, 1, PCM_SAMPLE_RATE, pcm,
                                          miniaudio.SampleFormat.SIGNED16, 1, rate))


async def test_short_recognition(tencent, emulator) -> None:
    pcm = await speech(tencent, "今天天气很好。", 16000)
    assert await TencentRecognizer(tencent).recognise(pcm) == "今天天气很好。"


async def test_sound_that_is_not_speech(tencent, emulator) -> None:
    text = await TencentRecognizer(tencent).recognise(tone(1.5, 16000))
    assert text == "[emulated ASR: 1.5 s of audio with no emulator speech in it]"


async def test_silence_is_refused(tencent, emulator) -> None:
    with pytest.raises(InvalidInput, match="empty or too long"):
        await TencentRecognizer(tencent).recognise(bytes(32000))


def test_the_8mb_limit_of_one_call() -> None:
    assert fits_short(bytes(6 * 1024 * 1024 - 100))
    assert not fits_short(bytes(6 * 1024 * 1024 + 100))


async def test_long_recognition_through_a_callback(tencent, emulator) -> None:
    pcm = await speech(tencent, "你好。我们去公园散步吧！", 16000, voice="tencent-1")
    assert await TencentRecognizer(tencent).recognise_long(pcm) == "你好。我们去公园散步吧！"
    [delivery] = emulator.tencent.callbacks.deliveries
    assert delivery.url.startswith("http://127.0.0.1:")
    assert delivery.answer.replace(" ", "") == '{"ret":0,"msg":"ok"}'


async def test_a_failed_recognition_in_the_callback(tencent, emulator) -> None:
    emulator.tencent.callbacks.result_ret = 16454
    with pytest.raises(AudioError, match="could not decode"):
        await TencentRecognizer(tencent).recognise_long(tone(1, 16000))


async def test_no_callback_times_out(tencent, emulator) -> None:
    emulator.config.tencent_callback_delay = 5.0
    with pytest.raises(NetworkError, match="did not post the result.*callback_url"):
        await TencentRecognizer(tencent, result_timeout=0.2).recognise_long(tone(1, 16000))


async def test_audio_too_large_to_upload_is_offered_for_download(tencent, emulator) -> None:
    said = await speech(tencent, "会议开始了。", 16000)
    pcm = said + bytes(170 * 32000 - len(said))  # a long pause after it: > 5 MB as WAV
    assert await TencentRecognizer(tencent).recognise_long(pcm) == "会议开始了。"
    assert emulator.tencent.requests["aai/aai_wxasrlong"] == 1


async def keywords(tencent, words: str, text: str = SAID) -> list[KeywordHit]:
    recognizer = TencentRecognizer(tencent)
    pcm = await speech(tencent, text, KEYWORD_RATE)
    return [hit async for hit in recognizer.keywords(pcm, keyword_list(words))]


async def test_keywords_in_several_segments(tencent, emulator) -> None:
    hits = await keywords(tencent, "天气|公园|下雨")
    assert [(h.keyword, h.segment) for h in hits] == [("天气", 1), ("公园", 2)]
    assert 0 < hits[0].start_ms < hits[0].end_ms <= hits[1].start_ms < hits[1].end_ms
    segments = [d.body["data"]["seg_index"] for d in emulator.tencent.callbacks.deliveries]
    assert segments == [0, 1, 2]


async def test_keyword_times_are_where_the_words_are_said(tencent, emulator) -> None:
    sentences = ["你好。", "今天天气很好。", "我们去公园吧！"]
    assert "".join(sentences) == SAID
    lengths = [len(await speech(tencent, s, KEYWORD_RATE)) / 2 / KEYWORD_RATE * 1000
               for s in sentences]
    starts = [sum(lengths[:n]) for n in range(len(sentences) + 1)]
    weather, park = await keywords(tencent, "天气|公园")
    hop = 20  # the decoder hears in 10 ms steps
    assert starts[1] - hop <= weather.start_ms < weather.end_ms <= starts[2] + hop
    assert starts[2] - hop <= park.start_ms < park.end_ms <= starts[3] + hop


async def test_duplicated_callbacks_are_answered_but_not_reported_twice(tencent, emulator) -> None:
    emulator.tencent.callbacks.duplicate = True
    hits = await keywords(tencent, "天气|公园")
    assert [h.keyword for h in hits] == ["天气", "公园"]
    answers = [d.answer.replace(" ", "") for d in emulator.tencent.callbacks.deliveries]
    # Every segment is posted twice and answered; the last one's second copy may come after the
    # client has its answer and has closed its receiver.
    assert answers[:5] == ['{"ret":0,"msg":"ok"}'] * 5


def test_keyword_list_rules() -> None:
    assert keyword_list("天气| 下雨 ") == ["天气", "下雨"]
    with pytest.raises(InvalidInput, match="two characters: 雨"):
        keyword_list("天气|雨")
    with pytest.raises(InvalidInput, match="No keywords"):
        keyword_list(" | ")


async def test_the_receiver_refuses_what_it_cannot_read_so_the_platform_retries() -> None:
    import httpx

    async with CallbackReceiver("127.0.0.1:0") as receiver:
        async with httpx.AsyncClient() as client:
            bad = await client.post(receiver.url, content=b"not json")
            assert bad.json()["ret"] != 0
            stranger = await client.post(receiver.url.rsplit("/", 1)[0] + "/guess", json={})
            assert stranger.status_code == 404
            good = await client.post(receiver.url, json={"ret": 0, "msg": "ok",
                                                         "data": {"task_id": "t", "text": "x"}})
            assert good.json() == {"ret": 0, "msg": "ok"}
        assert (await receiver.next_result("t"))["data"]["text"] == "x"
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(receiver.next_result("t"), 0.05)
