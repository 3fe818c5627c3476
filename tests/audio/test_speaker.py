"""Reading aloud end to end: markdown -> sentences -> the emulator's TTS -> a player."""

from __future__ import annotations

import asyncio
import wave

import miniaudio
import pytest

from tui.audio.decode import decode, duration_ms
from tui.audio.player_miniaudio import MiniaudioPlayer
from tui.audio.recording import RecordingPlayer
from tui.audio.speaker import Speaker
from tui.audio.synthesis import Synthesizer
from tui.backends.qiniu import QiniuSpeech
from tui.domain.errors import InvalidInput, ServiceError
from tui.domain.secret import Secret
from tui.emulator import DEMO
from tui.settings import QiniuSettings

VOICE = "qiniu_zh_female_wwxkjx"
REPLY = ("# Answer\n\nThe **first** sentence. A [linked](https://example.com/x) second one!\n\n"
         "```python\nprint('never read')\n```\n\n- A list item\n- 中文的句子。最后一句")
SENTENCES = ["Answer\n", "The first sentence. ", "A linked second one!\n", "(code block omitted)\n",
             "A list item\n", "中文的句子。", "最后一句"]


@pytest.fixture
async def engine(emulator, tmp_path):
    engine = QiniuSpeech(QiniuSettings(api_key=Secret(DEMO.qiniu_api_key),
                                       base_url=f"{emulator.base_url}/v1"))
    yield engine
    await engine.aclose()


@pytest.fixture
def synthesizer(engine, tmp_path):
    return Synthesizer(engine, tmp_path / "cache")


@pytest.fixture
def recorder():
    return RecordingPlayer()


async def expected_audio(engine, sentences=SENTENCES, voice=VOICE, speed=1.0) -> bytes:
    parts = [await engine.synthesize(s, voice=voice, speed=speed) for s in sentences]
    return b"".join(p.audio for p in parts)


async def test_speak_reads_the_words_sentence_by_sentence(synthesizer, recorder, emulator, engine):
    speaker = Speaker(synthesizer, recorder, voice=VOICE)
    assert await speaker.speak(REPLY) is True
    assert emulator.qiniu.texts == SENTENCES
    assert emulator.qiniu.requests["tts_ws"] == len(SENTENCES)
    assert bytes(recorder.pcm) == await expected_audio(engine)


async def test_hearing_it_again_is_played_from_the_cache(synthesizer, recorder, emulator):
    speaker = Speaker(synthesizer, recorder, voice=VOICE)
    await speaker.speak(REPLY)
    first = bytes(recorder.pcm)
    await speaker.speak(REPLY)
    assert emulator.qiniu.requests["tts_ws"] == len(SENTENCES)
    assert bytes(recorder.pcm) == first * 2


async def test_a_streaming_reply_is_spoken_as_its_sentences_complete(synthesizer, recorder,
                                                                     emulator, engine):
    reading = Speaker(synthesizer, recorder, voice=VOICE).read()
    reading.feed(REPLY[:40])  # "# Answer\n\nThe **first** sentence. A [l"
    while len(emulator.qiniu.texts) < 2:
        await asyncio.sleep(0.01)
    assert emulator.qiniu.texts == SENTENCES[:2], "spoken before the reply is finished"
    for end in range(41, len(REPLY) + 1):
        reading.feed(REPLY[:end])
    reading.finish(REPLY)
    assert await reading.wait() is True
    assert emulator.qiniu.texts == SENTENCES, "each sentence once, in order"
    assert bytes(recorder.pcm) == await expected_audio(engine)


async def test_stop_clears_both_queues_and_hangs_up(emulator, engine, tmp_path):
    # Synthesis slow enough that most sentences are still waiting when stop() comes.
    emulator.config.tts_latency_per_char = 0.01
    player = MiniaudioPlayer(backends=[miniaudio.Backend.NULL])
    speaker = Speaker(Synthesizer(engine, tmp_path / "cache"), player, voice=VOICE)
    try:
        reading = speaker.read()
        reading.finish(" ".join(f"Sentence number {n} is here to be read, and it goes on for "
                                "quite a while longer than the first part." for n in range(10)))
        while not player.queued_bytes:
            await asyncio.sleep(0.01)
        speaker.stop()
        assert await reading.wait() is False
        assert player.queued_bytes == 0
        assert len(emulator.qiniu.texts) == 1, "no sentence after the stop was synthesized"
        while not emulator.qiniu.hangups:  # and the one in flight was hung up on
            await asyncio.sleep(0.01)
        assert not speaker.speaking
    finally:
        speaker.close()


async def test_a_failure_mid_reading_is_raised_and_silences_the_player(synthesizer, recorder):
    reading = Speaker(synthesizer, recorder, voice="qiniu_zh_female_nobody").read()
    stops = recorder.stops
    reading.finish("Hello there.")
    with pytest.raises(ServiceError, match="does not know the voice"):
        await reading.wait()
    assert recorder.stops == stops + 1


async def test_one_shot_mode_fills_requests_and_sounds_the_same(synthesizer, recorder, emulator,
                                                                engine):
    text = " ".join(f"This is sentence {n}, which is long enough to matter." for n in range(60))
    assert len(text.encode()) > 3000
    streamed = RecordingPlayer()
    await Speaker(synthesizer, streamed, voice=VOICE).speak(text)
    one_shot = Speaker(Synthesizer(engine), recorder, voice=VOICE, streaming=False)
    await one_shot.speak(text)
    assert emulator.qiniu.requests["tts"] == 4  # 3,300 bytes in requests of at most 1,024
    assert bytes(recorder.pcm) == bytes(streamed.pcm)


async def test_preview_plays_the_clip_and_caches_it(synthesizer, recorder, emulator, engine):
    voice = next(v for v in await engine.list_voices() if v.voice_type == "qiniu_en_male_msyyn")
    speaker = Speaker(synthesizer, recorder, voice=VOICE)
    await speaker.preview(voice)
    await speaker.preview(voice)
    assert emulator.qiniu.requests["preview"] == 1
    half = len(recorder.pcm) // 2
    assert recorder.pcm[:half] == recorder.pcm[half:] and duration_ms(recorder.pcm[:half]) > 1000


async def test_save_wav_reuses_what_was_spoken(synthesizer, recorder, emulator, engine, tmp_path):
    await Speaker(synthesizer, recorder, voice=VOICE).speak(REPLY)
    requests = sum(emulator.qiniu.requests.values())
    length = await synthesizer.save(REPLY, tmp_path / "reply.wav", voice=VOICE, speed=1.0)
    assert sum(emulator.qiniu.requests.values()) == requests, "all from the cache"
    with wave.open(str(tmp_path / "reply.wav")) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (24_000, 1, 2)
        assert w.readframes(w.getnframes()) == bytes(recorder.pcm)
    assert length == duration_ms(bytes(recorder.pcm))


async def test_save_mp3_is_one_decodable_file_of_the_right_length(synthesizer, tmp_path, engine):
    length = await synthesizer.save(REPLY, tmp_path / "reply.mp3", voice=VOICE, speed=1.0)
    spoken = duration_ms(await expected_audio(engine))
    assert length == pytest.approx(spoken, abs=150)
    assert duration_ms(decode((tmp_path / "reply.mp3").read_bytes(), "mp3")) == length


@pytest.mark.parametrize(("name", "text", "says"), [
    ("out.ogg", "Hello.", "must end in .wav or .mp3"),
    ("out.wav", "---", "nothing to speak"),
])
async def test_save_refuses_what_it_cannot_write(synthesizer, tmp_path, name, text, says):
    with pytest.raises(InvalidInput, match=says):
        await synthesizer.save(text, tmp_path / name, voice=VOICE, speed=1.0)
    assert not (tmp_path / name).exists()

