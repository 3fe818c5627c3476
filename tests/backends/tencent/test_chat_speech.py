"""The Tencent chat provider and voices against the emulator over loopback."""

from __future__ import annotations

import pytest

from tui.audio.decode import decode
from tui.audio.synthesis import Synthesizer
from tui.backends.tencent.chat import TencentChat
from tui.backends.tencent.speech import TencentSpeech, speed_percent
from tui.domain.errors import InvalidInput, ServiceError
from tui.domain.events import ReplyFinished, TextChanged
from tui.domain.providers import ChatRequest


async def reply(chat: TencentChat, utterance: str, session: str | None = None) -> list:
    return [event async for event in chat.stream_reply(ChatRequest(utterance, session_id=session))]


async def test_a_conversation_keeps_its_session(tencent, emulator) -> None:
    chat = TencentChat(tencent)
    first = await reply(chat, "我叫小红")
    assert isinstance(first[0], TextChanged) and isinstance(first[-1], ReplyFinished)
    assert len(first) == 2
    session = first[-1].session_id
    assert session and len(session.encode()) <= 32
    second = await reply(chat, "我叫什么？", session)
    assert "小红" in second[-1].text and second[-1].session_id == session
    other = await reply(chat, "我叫什么？")
    assert "小红" not in other[-1].text


async def test_a_long_session_id_is_shortened_stably(tencent, emulator) -> None:
    chat = TencentChat(tencent)
    long_id = "x" * 60
    await reply(chat, "my name is Ann", long_id)
    again = await reply(chat, "what is my name", long_id)
    assert "Ann" in again[-1].text


async def test_a_question_over_300_bytes_is_refused_before_sending(tencent, emulator) -> None:
    chat = TencentChat(tencent)
    with pytest.raises(InvalidInput, match="300 bytes"):
        await reply(chat, "问" * 101)
    assert emulator.tencent.requests["nlp/nlp_textchat"] == 0
    assert (await reply(chat, "问" * 100))[-1].text


async def test_no_answer(tencent, emulator) -> None:
    with pytest.raises(ServiceError, match="no answer"):
        await reply(TencentChat(tencent), "#silent")


def test_speed_maps_to_the_platform_range() -> None:
    assert [speed_percent(s) for s in (0.2, 0.5, 1.0, 1.37, 2.0, 3.0)] == [50, 50, 100, 137, 200, 200]


async def test_voices_and_synthesis(tencent, emulator) -> None:
    engine = TencentSpeech(tencent)
    voices = await engine.list_voices()
    assert [v.voice_type for v in voices] == ["tencent-1", "tencent-5", "tencent-6", "tencent-7"]
    assert [v.gender for v in voices] == ["male", "female", "female", "female"]
    pcm = (await engine.synthesize("你好。", voice="tencent-6", speed=1.0)).audio
    assert len(pcm) > 24_000  # at least half a second at 24 kHz
    # A sentence long enough that its syllables, not its data band, set its length.
    sentence = "今天天气很好，我们去公园散步吧。"
    slow = (await engine.synthesize(sentence, voice="tencent-6", speed=1.0)).audio
    fast = (await engine.synthesize(sentence, voice="tencent-6", speed=2.0)).audio
    assert len(fast) < len(slow) * 0.7
    mp3 = (await engine.synthesize("你好。", voice="tencent-1", speed=1.0, encoding="mp3")).audio
    assert len(decode(mp3, "mp3")) > 0
    preview = await engine.fetch_preview(voices[0])
    assert len(decode(preview, "mp3")) > 0
    with pytest.raises(InvalidInput, match="tencent-2"):
        await engine.synthesize("你好", voice="tencent-2", speed=1.0)


async def test_a_wrong_md5_is_an_error(tencent, emulator) -> None:
    emulator.tencent.corrupt_md5 = True
    with pytest.raises(ServiceError, match="checksum"):
        await TencentSpeech(tencent).synthesize("你好。", voice="tencent-5", speed=1.0)


async def test_long_text_is_split_at_150_bytes_on_sentence_ends(tencent, emulator, tmp_path) -> None:
    text = "今天天气很好。" * 10 + "我们去公园散步吧！" * 5
    synthesizer = Synthesizer(TencentSpeech(tencent))
    length = await synthesizer.save(text, tmp_path / "out.wav", voice="tencent-7", speed=1.0)
    assert length > 10_000
    sent = [r for r in emulator.tencent.texts]
    assert sent and all(len(t.encode()) <= 150 for t in sent)
    # Several requests are in flight at once: they may arrive in any order.
    assert sorted(t.replace(" ", "") for t in sent) == sorted(
        ["今天天气很好。"] * 10 + ["我们去公园散步吧！"] * 5)
    assert all(t.rstrip().endswith(("。", "！")) for t in sent)
