"""Hands-free voice conversation and push-to-talk, without widgets: a scripted source speaks
the emulator's own TTS audio (so the recogniser hears real text), the recogniser, the chat and
the speech are the real clients against the emulator over sockets; only the sound card is a
RecordingPlayer (in real time, so a reading lasts as long as it would be heard)."""

from __future__ import annotations

import asyncio

import pytest

from tests.spoken import spoken
from tests.ui.chat_support import settings_for
from tui.audio.recording import RecordingPlayer
from tui.audio.sources import PcmSource
from tui.backends.aliyun import TongyiProvider
from tui.backends.recognizers import open_recognizer
from tui.domain.events import TextChanged
from tui.domain.providers import ChatRequest
from tui.domain.transcript import BYTES_PER_SECOND
from tui.emulator import EmulatorConfig
from tui.ui.dictation import Dictation
from tui.ui.speech import SpeechController
from tui.ui.voice_conversation import VoiceConversation

QUESTION = "What is the weather like in Shanghai tomorrow?"
FOLLOW_UP = "And on Sunday?"
SILENCE = 0.6


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(event_delay=0.01, tts_start_latency=0.0, tts_latency_per_char=0.0)


def silence(seconds: float) -> bytes:
    return bytes(round(seconds * BYTES_PER_SECOND) // 2 * 2)


class Chat:
    """What the app does with the words sent: stream the reply from the emulated Tongyi and
    report it to the conversation as it is shown."""

    def __init__(self, settings) -> None:
        self.provider = TongyiProvider(settings.tongyi, network=settings.network,
                                       token_file=settings.token_path)
        self.sent: list[str] = []
        self.replies: list[str] = []
        self.voice: VoiceConversation | None = None
        self._reply: asyncio.Task[None] | None = None

    async def send(self, text: str) -> bool:
        if self._reply is not None and not self._reply.done():  # new words supersede it
            self._reply.cancel()
            await asyncio.gather(self._reply, return_exceptions=True)
        self.sent.append(text)
        self._reply = asyncio.create_task(self._stream(text))
        return True

    async def _stream(self, text: str) -> None:
        assert self.voice is not None
        reply = ""
        try:
            async for event in self.provider.stream_reply(ChatRequest(text)):
                if isinstance(event, TextChanged):
                    reply = event.text
                    self.voice.reply_changed(reply)
        except asyncio.CancelledError:
            self.voice.reply_ended(reply, complete=False)
            raise
        self.replies.append(reply)
        self.voice.reply_ended(reply, complete=True)


@pytest.fixture
def realtime() -> bool:
    """Whether readings last as long as they would be heard (a reply takes ~20 s)."""
    return False


@pytest.fixture
async def parts(emulator_env, emulator, realtime):
    settings = settings_for(emulator)
    player = RecordingPlayer(realtime=realtime)
    speech = SpeechController(settings, player_factory=lambda backend: player)
    recognizer = open_recognizer(settings)
    chat = Chat(settings)
    yield settings, speech, recognizer, chat, player
    await speech.aclose()
    await recognizer.aclose()
    await chat.provider.aclose()


def conversation(parts, source, heard: list[str] | None = None
                 ) -> tuple[VoiceConversation, list[str]]:
    """The conversation, and the states it went through (as the status line would show)."""
    _, speech, recognizer, chat, _ = parts
    states: list[str] = []

    def changed() -> None:
        if not states or states[-1] != voice.state:
            states.append(voice.state)
        if heard is not None and voice.heard:
            heard.append(voice.heard)

    voice = VoiceConversation(source, recognizer, speech, chat.send, silence_timeout=SILENCE,
                              on_change=changed)
    chat.voice = voice
    return voice, states


async def until(condition, what: str, timeout: float = 20) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.02)

    try:
        await asyncio.wait_for(poll(), timeout)
    except asyncio.TimeoutError:
        raise AssertionError(f"never happened: {what}") from None


async def test_a_spoken_question_is_sent_after_the_silence_and_its_reply_read_aloud(
        parts, emulator):
    _, speech, _, chat, player = parts
    source = PcmSource(await spoken(emulator, QUESTION), realtime=True, then_silence=True)
    del emulator.qiniu.texts[:]  # the test's own question
    heard: list[str] = []
    voice, states = conversation(parts, source, heard)
    listening = asyncio.create_task(voice.run())
    await until(lambda: chat.replies and states[-1] == "listening" and len(states) > 1,
                "the reply read and listening again")
    source.stop()
    await listening
    assert chat.sent == [QUESTION]
    assert heard[0] and QUESTION.startswith(heard[0]), "the transcript grows as it is spoken"
    assert states == ["listening", "thinking", "speaking", "listening"]
    assert QUESTION in chat.replies[0]
    # Every sentence of the reply was synthesized and played, in order.
    assert "".join(emulator.qiniu.texts).split() == chat.replies[0].split()
    assert len(player.pcm) > 0 and not speech.speaking


@pytest.mark.parametrize("realtime", [True])
async def test_speaking_over_the_reading_stops_it_and_the_new_words_are_heard(parts, emulator):
    _, speech, _, chat, player = parts
    first, second = await spoken(emulator, QUESTION), await spoken(emulator, FOLLOW_UP)
    # The follow-up starts 3 s after the question: the reply (~20 s to hear) is being read.
    source = PcmSource(first + silence(3.0) + second, realtime=True, then_silence=True)
    voice, states = conversation(parts, source)
    listening = asyncio.create_task(voice.run())
    await until(lambda: voice.state == "speaking", "the reply is read aloud")
    first_pcm = len(player.pcm)
    stops = player.stops
    await until(lambda: voice.state == "listening", "the reading stops when speech starts")
    assert player.stops > stops and not speech.speaking, "silent at once"
    await until(lambda: len(chat.sent) == 2, "the follow-up is sent")
    await until(lambda: len(chat.replies) == 2 and voice.state == "speaking",
                "the follow-up's reply read aloud")
    source.stop()
    await listening
    assert chat.sent == [QUESTION, FOLLOW_UP]
    assert states == ["listening", "thinking", "speaking", "listening", "thinking", "speaking"]
    assert QUESTION in chat.replies[0] and FOLLOW_UP in chat.replies[1]
    assert first_pcm > 0 and len(player.pcm) > first_pcm, "the second reply is heard too"


async def test_a_failing_recogniser_ends_the_conversation_with_its_error(emulator_env, emulator):
    from tui.domain.errors import AuthError
    from tui.settings import load_settings

    settings = load_settings(env={**emulator.client_env(), "AICHAT_QINIU_API_KEY": "sk-wrong"})
    recognizer = open_recognizer(settings)
    speech = SpeechController(settings, player_factory=lambda backend: RecordingPlayer())
    source = PcmSource(await spoken(emulator, QUESTION), realtime=False, then_silence=True)

    async def never(text: str) -> bool:
        raise AssertionError("nothing is sent")

    voice = VoiceConversation(source, recognizer, speech, never, silence_timeout=SILENCE)
    with pytest.raises(AuthError):
        await asyncio.wait_for(voice.run(), 10)
    await recognizer.aclose()
    await speech.aclose()


# -- push-to-talk ---------------------------------------------------------------------------


async def test_dictation_shows_the_words_as_they_come_and_stop_keeps_them(parts, emulator):
    _, _, recognizer, _, _ = parts
    source = PcmSource(await spoken(emulator, QUESTION), realtime=True, then_silence=True)
    seen: list[tuple[str, float]] = []
    dictation = Dictation(source, recognizer,
                          on_change=lambda: seen.append((dictation.text, dictation.level)))
    recording = asyncio.create_task(dictation.run())
    await until(lambda: dictation.text, "words before the recording stops")
    partial = dictation.text
    assert dictation.recording and dictation.elapsed > 0
    await until(lambda: dictation.text == QUESTION, "the whole question heard")
    dictation.stop()
    assert await recording == QUESTION
    assert QUESTION.startswith(partial) and partial != QUESTION
    assert max(level for _, level in seen) > 0.3, "the level meter moved"
    assert not dictation.recording
    elapsed = dictation.elapsed
    await asyncio.sleep(0.1)
    assert dictation.elapsed == elapsed, "the clock stops with the recording"


async def test_dictation_discarded_keeps_nothing(parts, emulator):
    _, _, recognizer, _, _ = parts
    source = PcmSource(await spoken(emulator, QUESTION), realtime=True, then_silence=True)
    dictation = Dictation(source, recognizer)
    recording = asyncio.create_task(dictation.run())
    await until(lambda: dictation.text, "words heard")
    dictation.discard()
    assert await asyncio.wait_for(recording, 10) is None
