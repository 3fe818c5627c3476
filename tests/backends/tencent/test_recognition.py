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
    KeywordHit,
    TencentRecognizer,
    fits_short,
    keyword_list,
)
from tui.domain.errors import AudioError, InvalidInput, NetworkError


def tone(seconds: float, rate: int) -> bytes:
    frames = int(rate * seconds)
    return struct.pack(f"<{frames}h", *(int(8000 * math.sin(i / 5)) for i in range(frames)))


async def test_short_recognition(tencent, emulator) -> None:
    text = await TencentRecognizer(tencent).recognise(tone(1.5, 16000))
    assert "1.5秒" in text


async def test_silence_is_refused(tencent, emulator) -> None:
    with pytest.raises(InvalidInput, match="empty or too long"):
        await TencentRecognizer(tencent).recognise(bytes(32000))


def test_the_8mb_limit_of_one_call() -> None:
    assert fits_short(bytes(6 * 1024 * 1024 - 100))
    assert not fits_short(bytes(6 * 1024 * 1024 + 100))


async def test_long_recognition_through_a_callback(tencent, emulator) -> None:
    text = await TencentRecognizer(tencent).recognise_long(tone(2, 16000))
    assert "2.0秒" in text
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
    text = await TencentRecognizer(tencent).recognise_long(tone(170, 16000))  # > 5 MB as WAV
    assert "170.0秒" in text
    assert emulator.tencent.requests["aai/aai_wxasrlong"] == 1


async def keywords(tencent, words: str, seconds: float = 2) -> list[KeywordHit]:
    recognizer = TencentRecognizer(tencent)
    return [hit async for hit in recognizer.keywords(tone(seconds, 8000), keyword_list(words))]


async def test_keywords_in_several_segments(tencent, emulator) -> None:
    hits = await keywords(tencent, "语音|0秒")
    assert [(h.keyword, h.segment) for h in hits] == [("语音", 0), ("0秒", 1)]
    assert hits[0].end_ms <= hits[1].start_ms <= 2000
    segments = [d.body["data"]["seg_index"] for d in emulator.tencent.callbacks.deliveries]
    assert segments == [0, 1]


async def test_duplicated_callbacks_are_answered_but_not_reported_twice(tencent, emulator) -> None:
    emulator.tencent.callbacks.duplicate = True
    hits = await keywords(tencent, "语音|0秒")
    assert [h.keyword for h in hits] == ["语音", "0秒"]
    answers = [d.answer.replace(" ", "") for d in emulator.tencent.callbacks.deliveries]
    assert answers[:3] == ['{"ret":0,"msg":"ok"}'] * 3  # seg 0, seg 0 again, seg 1


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
        assert (await receiver.next_result("t", 1))["data"]["text"] == "x"
        with pytest.raises(asyncio.TimeoutError):
            await receiver.next_result("t", 0.05)
