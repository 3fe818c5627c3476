"""The Qiniu emulator on the wire, checked with clients that share nothing with aichat-tui's:
plain httpx requests, aiohttp's WebSocket client, and miniaudio / `wave` to read the audio."""

from __future__ import annotations

import base64
import io
import json
import math
import wave
from collections import Counter
from importlib import resources

import aiohttp
import httpx
import miniaudio
import pytest

from tui.emulator import DEMO

KEY = {"Authorization": f"Bearer {DEMO.qiniu_api_key}"}
VOICE = "qiniu_zh_female_wwxkjx"


def tts_body(text: str, encoding: str = "pcm", voice: str = VOICE, speed: float = 1.0) -> dict:
    return {"audio": {"voice_type": voice, "encoding": encoding, "speed_ratio": speed},
            "request": {"text": text}}


def seconds(audio: bytes, encoding: str) -> float:
    if encoding == "pcm":
        return len(audio) / 48_000
    if encoding == "wav":
        with wave.open(io.BytesIO(audio)) as w:
            assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (24_000, 1, 2)
            return w.getnframes() / w.getframerate()
    decoded = miniaudio.decode(audio, nchannels=1, sample_rate=24_000)
    return decoded.num_frames / 24_000


async def post(emulator, body, headers=KEY) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.post(f"{emulator.base_url}/v1/voice/tts", json=body, headers=headers)


async def ws_frames(emulator, body: bytes | str, voice: str = VOICE, headers=KEY) -> list:
    async with aiohttp.ClientSession() as session, session.ws_connect(
            f"{emulator.base_url}/v1/voice/tts", headers={**headers, "VoiceType": voice}) as ws:
        if isinstance(body, bytes):
            await ws.send_bytes(body)
        else:
            await ws.send_str(body)
        frames = []
        async for message in ws:
            frames.append(json.loads(message.data))
        return frames + [("closed", ws.close_code)]


async def test_voice_list_is_the_38_voice_catalogue_with_local_previews(emulator):
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{emulator.base_url}/v1/voice/list", headers=KEY)
    voices = response.json()
    assert response.status_code == 200 and isinstance(voices, list) and len(voices) == 38
    assert Counter(v["category"] for v in voices) == {"传统音色": 14, "双语音色": 10, "特殊音色": 14}
    fixture = resources.files("tui.emulator.qiniu").joinpath("voices.json").read_text("utf-8")
    expected = {v["voice_type"]: v for v in json.loads(fixture)}
    for voice in voices:
        original = expected[voice["voice_type"]]
        assert {k: voice[k] for k in ("voice_name", "category", "updatetime")} == \
            {k: original[k] for k in ("voice_name", "category", "updatetime")}
        assert voice["url"] == f"{emulator.base_url}/v1/voice/preview/{voice['voice_type']}.mp3"


async def test_voice_list_can_be_wrapped(emulator):
    emulator.qiniu.list_wrapper = "data"
    async with httpx.AsyncClient() as client:
        body = (await client.get(f"{emulator.base_url}/v1/voice/list", headers=KEY)).json()
    assert list(body) == ["data"] and len(body["data"]) == 38


async def test_preview_is_a_real_mp3_and_needs_no_key(emulator):
    async with httpx.AsyncClient() as client:
        response = await client.get(f"{emulator.base_url}/v1/voice/preview/{VOICE}.mp3")
        missing = await client.get(f"{emulator.base_url}/v1/voice/preview/nobody.mp3")
    assert response.headers["content-type"] == "audio/mpeg"
    assert seconds(response.content, "mp3") > 1.0
    assert missing.status_code == 404


@pytest.mark.parametrize("encoding", ["pcm", "wav", "mp3"])
async def test_one_shot_audio_matches_its_stated_duration(emulator, encoding):
    response = await post(emulator, tts_body("你好，世界！Hello there.", encoding))
    answer = response.json()
    assert response.status_code == 200
    assert answer["operation"] == "query" and answer["sequence"] == -1
    assert len(answer["reqid"]) == 32
    stated = int(answer["addition"]["duration"]) / 1000
    # MP3 adds at most a frame or two of encoder padding.
    assert seconds(base64.b64decode(answer["data"]), encoding) == pytest.approx(stated, abs=0.1)


async def test_audio_grows_with_the_text_and_shrinks_with_speed(emulator):
    async def duration(text: str, speed: float = 1.0) -> int:
        answer = (await post(emulator, tts_body(text, speed=speed))).json()
        return int(answer["addition"]["duration"])

    short, long = await duration("One sentence."), await duration("One sentence. " * 10)
    fast = await duration("One sentence. " * 10, speed=2.0)
    assert long > 5 * short
    assert fast == pytest.approx(long / 2, rel=0.05)


async def test_voices_differ_in_pitch(emulator):
    def pitch(pcm: bytes) -> int:
        # The strongest frequency of the voice band (the data band above 1 kHz is ignored).
        samples = memoryview(pcm).cast("h")

        def power(frequency: int) -> float:
            step = 2 * math.pi * frequency / 24_000
            re = sum(x * math.cos(step * i) for i, x in enumerate(samples))
            im = sum(x * math.sin(step * i) for i, x in enumerate(samples))
            return re * re + im * im

        return max(range(100, 600, 5), key=power)

    female = (await post(emulator, tts_body("你好", voice="qiniu_zh_female_wwxkjx"))).json()
    male = (await post(emulator, tts_body("你好", voice="qiniu_zh_male_ljfdxz"))).json()
    assert pitch(base64.b64decode(female["data"])) > 1.4 * pitch(base64.b64decode(male["data"]))


@pytest.mark.parametrize(("body", "code"), [
    (tts_body("hi", voice="qiniu_zh_female_nobody"), "3050"),
    (tts_body("   "), "3011"),
    (tts_body("字" * 342), "3010"),  # 1026 bytes
    (tts_body("hi", encoding="flac"), "3001"),
    (tts_body("hi", speed=5), "3001"),
    ({"text": "hi"}, "3001"),
])
async def test_bad_requests_get_400_with_a_code(emulator, body, code):
    response = await post(emulator, body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == code and error["message"] and error["type"] == "invalid_request_error"


async def test_a_1024_byte_text_is_accepted(emulator):
    assert (await post(emulator, tts_body("字" * 341 + "a"))).status_code == 200


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer sk-wrong"},
                                     {"Authorization": DEMO.qiniu_api_key}])
async def test_bad_key_is_401_invalid_api_key(emulator, headers):
    response = await post(emulator, tts_body("hi"), headers=headers)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"


async def test_streamed_frames_concatenate_to_the_stated_duration(emulator):
    frames = await ws_frames(emulator, json.dumps(tts_body("第一句话。Second sentence, longer "
                                                           "than the first one.")).encode())
    *frames, closed = frames
    assert closed == ("closed", 1000)
    assert [f["sequence"] for f in frames] == [*range(1, len(frames)), -len(frames)]
    assert len(frames) > 2, "a sentence streams in several frames"
    assert {f["operation"] for f in frames} == {"submit"} and len({f["reqid"] for f in frames}) == 1
    assert all("addition" not in f for f in frames[:-1])
    audio = b"".join(base64.b64decode(f["data"]) for f in frames)
    assert len(audio) / 48 == pytest.approx(int(frames[-1]["addition"]["duration"]), abs=1)


async def test_streamed_mp3_chunks_form_one_valid_file(emulator):
    *frames, _ = await ws_frames(emulator, json.dumps(tts_body("一二三四五六七八九十。" * 3, "mp3")).encode())
    audio = b"".join(base64.b64decode(f["data"]) for f in frames)
    assert seconds(audio, "mp3") == pytest.approx(int(frames[-1]["addition"]["duration"]) / 1000,
                                                  abs=0.1)


async def test_stream_errors_arrive_as_an_error_frame_then_close(emulator):
    frames = await ws_frames(emulator, json.dumps(tts_body("")).encode())
    assert frames[0]["error"]["code"] == "3011"
    assert frames[-1] == ("closed", 1008)
    text_message = await ws_frames(emulator, json.dumps(tts_body("hi")))
    assert text_message[0]["error"]["code"] == "3001", "the request must be a binary message"
    mismatch = await ws_frames(emulator, json.dumps(tts_body("hi")).encode(),
                               voice="qiniu_zh_male_ljfdxz")
    assert mismatch[0]["error"]["code"] == "3001"


@pytest.mark.parametrize(("headers", "voice", "status"), [
    ({"Authorization": "Bearer sk-wrong"}, VOICE, 401),
    (KEY, "qiniu_zh_female_nobody", 400),
])
async def test_stream_handshake_refusals_are_http_errors(emulator, headers, voice, status):
    with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
        await ws_frames(emulator, b"{}", voice=voice, headers=headers)
    assert refused.value.status == status


async def test_failure_injection_and_request_counting(emulator):
    emulator.qiniu.fail_stream_after = 1
    frames = await ws_frames(emulator, json.dumps(tts_body("一二三四五六七八九十。")).encode())
    assert len(frames) == 2 and frames[-1] == ("closed", 1011)
    emulator.qiniu.outage = 503
    assert (await post(emulator, tts_body("hi"))).status_code == 503
    assert emulator.qiniu.requests == {"tts_ws": 1, "tts": 1}
    assert emulator.qiniu.texts == ["一二三四五六七八九十。"]
