"""The emulated Tencent AI platform over real sockets: its own signature check (the published
vector), the platform's `ret` codes with `data` keeping its keys, the QPS limit, chat memory,
real TTS audio with its MD5, ASR, and results posted later to a callback URL."""

from __future__ import annotations

import base64
import hashlib
import io
import time
import wave

import pytest

from tests.emulator.tencent_wire import CallbackSink, call, form_for
from tui.emulator import EmulatorConfig
from tui.emulator.tencent.signature import expected_sign


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(tts_start_latency=0.0, tts_latency_per_char=0.0, tencent_qps=100,
                          tencent_callback_delay=0.05, tencent_callback_retry_delay=0.05,
                          tencent_segment_gap=0.01)


def test_the_published_vector() -> None:
    form = {"app_id": "10000", "time_stamp": "1493449657", "nonce_str": "20e3408a79",
            "key1": "腾讯AI开放平台", "key2": "示例仅供参考", "sign": ""}
    assert expected_sign(form, "a95eceb1ac8c24ee28b70f7dbba912bf") == \
        "BE918C28827E0783D1E5F8E6D7C37A61"


def test_tilde_and_space_are_encoded_the_php_way() -> None:
    form = {"a": "x ~y*"}
    text = "a=x+%7Ey%2A&app_key=k"
    assert expected_sign(form, "k") == hashlib.md5(text.encode()).hexdigest().upper()


CHAT = "nlp/nlp_textchat"


@pytest.mark.parametrize(("change", "ret"), [
    ({"app_id": ""}, 16385), ({"time_stamp": ""}, 16386), ({"nonce_str": ""}, 16387),
    ({"app_id": "999"}, 12289), ({"nonce_str": "n" * 33}, 4096),
])
async def test_common_parameters(emulator, change, ret) -> None:
    form = {**form_for({"session": "s1", "question": "你好"}), **change}
    answer = await call(emulator.base_url, CHAT, form=form)
    assert answer["ret"] == ret
    assert answer["data"] == {"session": "", "answer": ""}


async def test_a_wrong_sign_and_a_wrong_key(emulator) -> None:
    form = form_for({"session": "s1", "question": "hi"})
    assert (await call(emulator.base_url, CHAT, form={**form, "question": "hj"}))["ret"] == 16388
    wrong_key = form_for({"session": "s1", "question": "hi"}, app_key="nope")
    assert (await call(emulator.base_url, CHAT, form=wrong_key))["ret"] == 16388


async def test_a_stale_time_stamp(emulator) -> None:
    stale = await call(emulator.base_url, CHAT, {"session": "s", "question": "hi"},
                       time_stamp=int(time.time()) - 301)
    assert stale["ret"] == 16390
    fresh = await call(emulator.base_url, CHAT, {"session": "s", "question": "hi"},
                       time_stamp=int(time.time()) - 250)
    assert fresh["ret"] == 0


async def test_no_permission_for_an_api(emulator) -> None:
    emulator.config.tencent_forbidden_apis.add("aai/aai_tts")
    answer = await call(emulator.base_url, "aai/aai_tts", _tts_params("你好"))
    assert answer == {"ret": 16389, "msg": "no auth for this api",
                      "data": {"format": "", "speech": "", "md5sum": ""}}


async def test_the_qps_limit_answers_ret_9(emulator) -> None:
    emulator.config.tencent_qps = 2
    rets = [(await call(emulator.base_url, CHAT, {"session": "q", "question": "hi"}))["ret"]
            for _ in range(3)]
    assert rets == [0, 0, 9]


async def test_chat_remembers_the_session(emulator) -> None:
    async def ask(session: str, question: str) -> dict:
        return await call(emulator.base_url, CHAT, {"session": session, "question": question})

    told = await ask("alice", "我叫小明")
    assert told["data"]["session"] == "alice"
    assert "小明" in (await ask("alice", "我叫什么？"))["data"]["answer"]
    assert "小明" not in (await ask("bob", "我叫什么？"))["data"]["answer"]
    assert (await ask("alice", "#silent"))["ret"] == 16394
    assert (await ask("alice", "#timeout"))["ret"] == 16453
    assert (await ask("alice", "#crash"))["ret"] < 0


async def test_chat_limits(emulator) -> None:
    long_question = await call(emulator.base_url, CHAT, {"session": "s", "question": "问" * 101})
    assert long_question["ret"] == 4096 and "300" in long_question["msg"]
    assert (await call(emulator.base_url, CHAT, {"session": "s", "question": "问" * 100}))["ret"] == 0
    long_session = await call(emulator.base_url, CHAT, {"session": "s" * 33, "question": "hi"})
    assert long_session["ret"] == 4096
    missing = await call(emulator.base_url, CHAT, {"session": "s"})
    assert missing["ret"] == 4096


def _tts_params(text: str, **overrides: object) -> dict[str, object]:
    return {"speaker": 6, "format": 2, "volume": 0, "speed": 100, "text": text, "aht": 0,
            "apc": 58, **overrides}


async def test_tts_real_audio_and_its_md5(emulator) -> None:
    answer = await call(emulator.base_url, "aai/aai_tts", _tts_params("你好，世界。"))
    assert answer["ret"] == 0
    audio = base64.b64decode(answer["data"]["speech"])
    assert answer["data"]["md5sum"] == hashlib.md5(audio).hexdigest()
    with wave.open(io.BytesIO(audio)) as wav:
        assert wav.getnframes() > wav.getframerate() * 0.5
    faster = await call(emulator.base_url, "aai/aai_tts", _tts_params("你好，世界。", speed=200))
    assert len(base64.b64decode(faster["data"]["speech"])) < len(audio) * 0.7
    male = await call(emulator.base_url, "aai/aai_tts", _tts_params("你好，世界。", speaker=1))
    assert male["data"]["speech"] != answer["data"]["speech"]


@pytest.mark.parametrize("change", [{"text": "字" * 51}, {"speaker": 2}, {"speed": 49},
                                    {"volume": 11}, {"format": 4}, {"aht": 25}, {"apc": -1}])
async def test_tts_refuses_bad_parameters(emulator, change) -> None:
    answer = await call(emulator.base_url, "aai/aai_tts", {**_tts_params("你好"), **change})
    assert answer["ret"] == 4096
    assert answer["data"] == {"format": "", "speech": "", "md5sum": ""}


def _wav16k(seconds: float = 1.0) -> bytes:
    """A tone: sound, but not the emulator's speech."""
    import math
    import struct

    frames = int(16000 * seconds)
    return _wav(struct.pack(f"<{frames}h", *(int(8000 * math.sin(i / 5)) for i in range(frames))),
                16000)


def _wav(pcm: bytes, rate: int) -> bytes:
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm)
    return out.getvalue()


async def _spoken(emulator, text: str, rate: int, *, fmt: int = 3, speaker: int = 5) -> str:
    """`text` in a Tencent voice (MP3 by default), resampled to `rate` as a client would send it,
    as base64 WAV."""
    import miniaudio

    answer = await call(emulator.base_url, "aai/aai_tts",
                        _tts_params(text, format=fmt, speaker=speaker))
    sound = miniaudio.decode(base64.b64decode(answer["data"]["speech"]),
                             output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1,
                             sample_rate=rate)
    return base64.b64encode(_wav(sound.samples.tobytes(), rate)).decode()


@pytest.mark.parametrize(("fmt", "speaker", "rate"), [(3, 5, 16000), (2, 1, 16000), (3, 7, 8000)])
async def test_asr_hears_the_emulators_own_speech(emulator, fmt, speaker, rate) -> None:
    speech = await _spoken(emulator, "今天天气很好。我们去公园吧！", rate, fmt=fmt, speaker=speaker)
    answer = await call(emulator.base_url, "aai/aai_asr",
                        {"format": 2, "speech": speech, "rate": rate})
    assert answer == {"ret": 0, "msg": "ok",
                      "data": {"format": 2, "rate": rate, "text": "今天天气很好。我们去公园吧！"}}


@pytest.mark.parametrize("text", ["It ends. (turn 1 of this conversation)", "他说“再见。”然后走了。",
                                  "「你好」"])
async def test_marks_that_make_no_sound_are_heard_too(emulator, text) -> None:
    speech = await _spoken(emulator, text, 16000)
    answer = await call(emulator.base_url, "aai/aai_asr",
                        {"format": 2, "speech": speech, "rate": 16000})
    assert answer["data"]["text"] == text


async def test_asr(emulator) -> None:
    speech = base64.b64encode(_wav16k(1.5)).decode()
    answer = await call(emulator.base_url, "aai/aai_asr",
                        {"format": 2, "speech": speech, "rate": 16000})
    assert answer["ret"] == 0
    assert answer["data"]["text"] == "[emulated ASR: 1.5 s of audio with no emulator speech in it]"
    garbage = await call(emulator.base_url, "aai/aai_asr",
                         {"format": 2, "speech": base64.b64encode(b"not audio").decode(),
                          "rate": 16000})
    assert garbage["ret"] == 16454
    assert garbage["data"] == {"format": "", "rate": "", "text": ""}
    silence = await call(emulator.base_url, "aai/aai_asr",
                         {"format": 1, "speech": base64.b64encode(bytes(3200)).decode(),
                          "rate": 16000})
    assert silence["ret"] == 16455


async def test_long_asr_posts_its_result_to_the_callback(emulator) -> None:
    async with CallbackSink() as sink:
        answer = await call(emulator.base_url, "aai/aai_wxasrlong",
                            {"format": 2, "callback_url": sink.url,
                             "speech": await _spoken(emulator, "你好。今天天气很好。", 16000)})
        assert answer["ret"] == 0
        task_id = answer["data"]["task_id"]
        [body] = await sink.wait_for(1)
    assert body == {"ret": 0, "msg": "ok", "data": {"task_id": task_id, "text": "你好。今天天气很好。"}}


async def test_a_refused_callback_is_retried_twice_at_most(emulator) -> None:
    refuse = {"ret": 1, "msg": "busy"}
    async with CallbackSink([refuse, refuse, refuse, refuse]) as sink:
        await call(emulator.base_url, "aai/aai_wxasrlong",
                   {"format": 2, "callback_url": sink.url,
                    "speech": base64.b64encode(_wav16k()).decode()})
        await sink.wait_for(3)
        await __import__("asyncio").sleep(0.3)
    assert len(sink.bodies) == 3
    assert len({str(b) for b in sink.bodies}) == 1


async def test_keyword_results_come_in_segments(emulator) -> None:
    speech = await _spoken(emulator, "你好。今天天气很好。我们去公园吧！", 8000)  # keyword search hears 8 kHz
    async with CallbackSink([{"ret": 1, "msg": "retry me"}]) as sink:
        answer = await call(emulator.base_url, "aai/aai_detectkeyword",
                            {"format": 2, "callback_url": sink.url, "key_words": "天气|公园|下雨",
                             "speech": speech})
        assert answer["ret"] == 0
        bodies = await sink.wait_for(4)
    segments = [b["data"] for b in bodies[1:]]  # the first was refused and sent again
    assert bodies[0] == bodies[1]
    assert [s["seg_index"] for s in segments] == [0, 1, 2]
    assert [s["is_end"] for s in segments] == [0, 0, 1]
    assert all(a["eps"] <= b["bps"] + 1 for a, b in zip(segments, segments[1:], strict=False))
    hits = [[hit["key_word"] for hit in s["res"]["key_words"]] for s in segments]
    assert hits == [[], ["天气"], ["公园"]]
    assert all(s["res"]["key_words_size"] == len(s["res"]["key_words"]) for s in segments)


async def test_keywords_must_be_two_characters(emulator) -> None:
    answer = await call(emulator.base_url, "aai/aai_detectkeyword",
                        {"format": 2, "callback_url": "http://127.0.0.1:9/cb", "key_words": "天气|雨",
                         "speech": base64.b64encode(_wav16k()).decode()})
    assert answer == {"ret": 4096, "msg": "key_words: at most 500 words, each at least 2 characters",
                      "data": {"task_id": ""}}
