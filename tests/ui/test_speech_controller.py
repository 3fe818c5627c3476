"""The app's speech controller against the emulator: speaking, reading a reply as it streams,
stopping, saving, and the choices it keeps in the settings file.

A RecordingPlayer stands in for the sound card (there is none here); everything else is real:
the emulator's TTS over a WebSocket, the decoder, the cache, the settings file.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import wave

import pytest

from tui.audio.decode import duration_ms
from tui.audio.player import no_sound_device
from tui.audio.recording import RecordingPlayer
from tui.backends.qiniu import QiniuSpeech
from tui.backends.tencent.client import TencentClient
from tui.backends.tencent.speech import PREVIEW_TEXT, TencentSpeech
from tui.domain.errors import InvalidInput, NoSoundDevice, ServiceError, SettingsError
from tui.domain.secret import Secret
from tui.emulator import DEMO
from tui.settings import DEFAULT_QINIU_VOICE, QiniuSettings, TencentSettings, load_settings
from tui.ui.speech import SpeechController

TEXT = "Hello there, this is **the first** sentence. 你好，世界！"
SENTENCES = ["Hello there, this is the first sentence. ", "你好，世界！"]


@pytest.fixture
def recorder() -> RecordingPlayer:
    return RecordingPlayer()


@pytest.fixture
def opened() -> list[str]:
    """The [audio] backend of each player the controller opened."""
    return []


@pytest.fixture
async def controller(emulator_env, recorder, opened):
    def player_factory(backend: str) -> RecordingPlayer:
        opened.append(backend)
        return recorder

    controller = SpeechController(load_settings(), player_factory=player_factory)
    yield controller
    await controller.aclose()


@pytest.fixture
async def reference(emulator):
    """A separate client, to ask the emulator what the audio of a text is."""
    engine = QiniuSpeech(QiniuSettings(api_key=Secret(DEMO.qiniu_api_key),
                                       base_url=f"{emulator.base_url}/v1"))
    yield engine
    await engine.aclose()


@pytest.fixture
async def tencent_reference(emulator):
    """A separate Tencent client, to ask the emulator what a Tencent voice's audio is."""
    engine = TencentSpeech(TencentClient(TencentSettings(
        app_id=DEMO.tencent_app_id, app_key=Secret(DEMO.tencent_app_key),
        base_url=f"{emulator.base_url}/fcgi-bin")))
    yield engine
    await engine.aclose()


async def until(condition, what: str) -> None:
    """Wait for `condition()`; a generous bound turns a hang into a failure that says what."""
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.01)

    try:
        await asyncio.wait_for(poll(), 10)
    except asyncio.TimeoutError:
        raise AssertionError(f"never happened: {what}") from None


async def audio_of(engine: QiniuSpeech, sentences: list[str], *, voice: str = DEFAULT_QINIU_VOICE,
                   speed: float = 1.0) -> bytes:
    parts = [await engine.synthesize(s, voice=voice, speed=speed) for s in sentences]
    return b"".join(p.audio for p in parts)


def test_making_the_controller_imports_no_http_or_audio_library():
    probe = ("import sys; from tui.settings import load_settings; "
             "from tui.ui.speech import SpeechController; SpeechController(load_settings()); "
             "print(sorted(m for m in ('httpx', 'websockets', 'miniaudio') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


async def test_nothing_is_opened_until_it_is_needed(controller, opened, emulator):
    assert opened == [] and not controller.speaking
    voices = await controller.voices()
    assert len(voices) == 38 + 4, "Qiniu's catalogue, then Tencent's four"
    assert [v.voice_type for v in voices[-4:]] == ["tencent-1", "tencent-5", "tencent-6",
                                                    "tencent-7"]
    assert opened == [], "listing voices needs no sound device"
    await controller.speak("One sentence.")
    await controller.speak("Another one.")
    assert opened == ["miniaudio"], "one player, for the [audio] backend, kept"


async def test_speak_streams_the_text_sentence_by_sentence_into_the_player(controller, recorder,
                                                                           emulator, reference):
    assert await controller.speak(TEXT) is True
    assert emulator.qiniu.texts == SENTENCES, "markup is not read out"
    assert emulator.qiniu.requests["tts_ws"] == 2 and emulator.qiniu.requests["tts"] == 0
    expected = await audio_of(reference, SENTENCES)
    assert bytes(recorder.pcm) == expected
    assert duration_ms(bytes(recorder.pcm)) == duration_ms(expected) > 2000


async def test_voice_and_speed_apply_to_the_next_reading(controller, recorder, reference):
    await controller.speak(TEXT)  # the speaker exists: the change must reach it too
    normal = len(recorder.pcm)
    controller.set_voice("qiniu_en_male_ysyyn")
    assert controller.set_speed(2) == 2.0
    recorder.pcm.clear()
    await controller.speak(TEXT)
    assert bytes(recorder.pcm) == await audio_of(reference, SENTENCES, voice="qiniu_en_male_ysyyn",
                                                 speed=2.0)
    assert len(recorder.pcm) == pytest.approx(normal / 2, rel=0.1)
    assert (controller.voice, controller.speed) == ("qiniu_en_male_ysyyn", 2.0)


async def test_speed_steps_by_tenths_and_stops_at_the_limits(controller):
    assert [controller.step_speed(1) for _ in range(3)] == [1.1, 1.2, 1.3]
    controller.set_speed(2.9)
    assert [controller.step_speed(1), controller.step_speed(1)] == [3.0, 3.0]
    controller.set_speed(0.3)
    assert [controller.step_speed(-1), controller.step_speed(-1)] == [0.2, 0.2]
    with pytest.raises(InvalidInput, match=r"from 0\.2 to 3\.0"):
        controller.set_speed(3.5)
    assert controller.speed == 0.2


async def test_read_aloud_is_a_switch(controller):
    # The screens save it (tests/ui/test_chat_speech.py: F7).
    assert controller.read_aloud is False
    assert controller.toggle_read_aloud() is True
    assert controller.toggle_read_aloud() is False


async def test_reading_aloud_starts_before_the_reply_has_finished(controller, recorder, emulator,
                                                                  reference):
    reply = "The answer comes first. Then the details follow, at length."
    reading = controller.start_reading()
    reading.feed(reply[:30])  # "The answer comes first. Then t"
    await until(lambda: recorder.pcm, "audio of the first sentence")
    assert not reading.done, "the first sentence is heard while the reply still streams"
    assert emulator.qiniu.texts == ["The answer comes first. "]
    reading.feed(reply)
    reading.finish(reply)
    assert await reading.wait() is True
    assert emulator.qiniu.texts == ["The answer comes first. ",
                                    "Then the details follow, at length."]
    assert bytes(recorder.pcm) == await audio_of(reference, emulator.qiniu.texts[:2])


async def test_stop_silences_and_drops_what_was_waiting(controller, recorder, emulator):
    emulator.config.tts_latency_per_char = 0.01  # slow enough to stop in the middle
    reading = controller.start_reading()
    reading.finish(" ".join(f"Sentence {n} has a good many words in it to be read."
                            for n in range(8)))
    await until(lambda: recorder.pcm, "audio of the first sentence")
    stops = recorder.stops
    controller.stop()
    assert await reading.wait() is False
    assert recorder.stops > stops and not controller.speaking
    heard = len(recorder.pcm)
    await until(lambda: emulator.qiniu.hangups, "the sentence in flight is hung up on...")
    assert len(emulator.qiniu.texts) == 1, "...and none of the others is synthesized"
    assert len(recorder.pcm) == heard, "nothing more reaches the player"


async def test_save_writes_a_wav_of_what_would_be_heard(controller, recorder, tmp_path):
    await controller.speak(TEXT)
    path = await controller.save(TEXT, tmp_path / "reply.wav")
    assert path == tmp_path / "reply.wav"
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (24_000, 1, 2)
        assert w.readframes(w.getnframes()) == bytes(recorder.pcm)


async def test_without_a_sound_device_speaking_says_so_and_saving_still_works(emulator_env,
                                                                               tmp_path):
    def no_device(backend: str) -> RecordingPlayer:
        raise no_sound_device()

    controller = SpeechController(load_settings(), player_factory=no_device)
    try:
        with pytest.raises(NoSoundDevice, match=r"No sound device.*to a file"):
            await controller.speak(TEXT)
        with pytest.raises(NoSoundDevice):
            controller.start_reading()
        path = await controller.save(TEXT, tmp_path / "reply.mp3")
        assert path.stat().st_size > 1000
    finally:
        await controller.aclose()


async def test_without_a_qiniu_key_the_error_says_where_to_set_it(recorder):
    controller = SpeechController(load_settings(), player_factory=lambda backend: recorder)
    with pytest.raises(SettingsError) as raised:
        await controller.voices()
    assert "AICHAT_QINIU_API_KEY" in str(raised.value) and "[qiniu]" in str(raised.value)
    with pytest.raises(SettingsError):
        await controller.speak(TEXT)
    assert recorder.closed, "the player opened for it is not left open"
    await controller.aclose()


async def test_a_service_failure_reaches_the_caller_and_nothing_plays(controller, recorder,
                                                                      emulator):
    emulator.qiniu.outage = 503
    with pytest.raises(ServiceError):
        await controller.speak(TEXT)
    assert not recorder.pcm and not controller.speaking


async def test_nothing_to_speak_is_said_before_any_request(controller, emulator):
    with pytest.raises(InvalidInput, match="nothing to speak"):
        await controller.speak("---\n\n")
    assert sum(emulator.qiniu.requests.values()) == 0


async def test_aclose_stops_and_closes_the_player(controller, recorder):
    await controller.speak("One sentence.")
    await controller.aclose()
    assert recorder.closed and not controller.speaking


CHINESE = "你好。今天天气很好。"
CHINESE_SENTENCES = ["你好。", "今天天气很好。"]


async def test_a_tencent_voice_is_spoken_by_tencent_and_a_qiniu_voice_by_qiniu(
        controller, recorder, emulator, reference, tencent_reference):
    controller.set_voice("tencent-5")
    assert await controller.speak(CHINESE) is True
    assert emulator.tencent.texts == CHINESE_SENTENCES
    assert emulator.qiniu.requests["tts_ws"] == 0
    assert bytes(recorder.pcm) == await audio_of(tencent_reference, CHINESE_SENTENCES,
                                                 voice="tencent-5")
    recorder.pcm.clear()
    tencent_requests = emulator.tencent.requests["aai/aai_tts"]
    controller.set_voice(DEFAULT_QINIU_VOICE)
    assert await controller.speak(CHINESE) is True
    assert emulator.qiniu.texts == CHINESE_SENTENCES
    assert emulator.tencent.requests["aai/aai_tts"] == tencent_requests
    assert bytes(recorder.pcm) == await audio_of(reference, CHINESE_SENTENCES)


async def test_reading_a_reply_aloud_in_a_tencent_voice_keeps_to_its_150_bytes(
        controller, recorder, emulator):
    controller.set_voice("tencent-7")
    reply = "这是一个很长的句子，" * 8 + "到这里才结束。然后还有一句。"  # 222 bytes before its end
    reading = controller.start_reading()
    reading.feed(reply)
    reading.finish(reply)
    assert await reading.wait() is True
    assert "".join(emulator.tencent.texts) == reply
    assert all(len(text.encode()) <= 150 for text in emulator.tencent.texts)
    assert len(emulator.tencent.texts) >= 3 and recorder.pcm


async def test_previewing_a_tencent_voice(controller, recorder, emulator):
    voices = {v.voice_type: v for v in await controller.voices()}
    await controller.preview(voices["tencent-1"])
    assert emulator.tencent.texts == [PREVIEW_TEXT]
    assert duration_ms(bytes(recorder.pcm)) > 1000
    assert controller.voice == DEFAULT_QINIU_VOICE, "a preview chooses nothing"


async def test_saving_in_a_tencent_voice(controller, emulator, tmp_path, tencent_reference):
    controller.set_voice("tencent-6")
    path = await controller.save(CHINESE, tmp_path / "reply.wav")
    with wave.open(str(path)) as w:
        heard = w.readframes(w.getnframes())
    assert heard == await audio_of(tencent_reference, CHINESE_SENTENCES, voice="tencent-6")
    assert emulator.qiniu.requests["tts"] == emulator.qiniu.requests["tts_ws"] == 0


async def test_with_only_tencent_set_up_its_voices_are_listed_and_speak(emulator, recorder,
                                                                         monkeypatch):
    for name, value in emulator.client_env().items():
        if name.startswith("AICHAT_TENCENT_"):
            monkeypatch.setenv(name, value)
    monkeypatch.setenv("AICHAT_QINIU_VOICE", "tencent-7")
    controller = SpeechController(load_settings(), player_factory=lambda backend: recorder)
    try:
        voices = await controller.voices()
        assert [v.voice_type for v in voices] == ["tencent-1", "tencent-5", "tencent-6",
                                                  "tencent-7"]
        assert await controller.speak(CHINESE) is True
        assert emulator.tencent.texts == CHINESE_SENTENCES and recorder.pcm
    finally:
        await controller.aclose()
