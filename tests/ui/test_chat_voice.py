"""Speech input in the chat window, as a user drives it: push-to-talk (ctrl+l) puts the words
into the prompt as they are heard, Enter or the same key stops and keeps them, Esc discards
them; voice conversation mode ([voice] conversation, F12) sends what was said after the
silence, streams and reads the reply, and listens again; no microphone is one message.

A file stands in for the microphone (`[audio] input = "file:PATH"`, as a user would try it)
holding the emulator's own speech, so the recogniser hears real words; the recogniser, the
chat, the speech and the history are real against the emulator; a RecordingPlayer stands in
for the sound card. Where the moment of speaking matters, a scripted source speaks instead of
the file, when the test says.
"""

from __future__ import annotations

import os
import re
import wave
from collections.abc import AsyncIterator

import pytest

from tests.spoken import spoken
from tests.ui.chat_support import (
    notifications,
    replies,
    screen_text,
    screen_words,
    terminal_output,
    wait_until,
)
from tui.audio.recording import RecordingPlayer
from tui.audio.sources import PcmSource
from tui.emulator import EmulatorConfig
from tui.settings import load_settings
from tui.ui.app import make_app
from tui.ui.speech import SpeechController

QUESTION = "What is the weather like in Shanghai tomorrow?"
FOLLOW_UP = "And on Sunday?"


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(event_delay=0.01, tts_start_latency=0.0, tts_latency_per_char=0.0)


async def spoken_file(emulator, path, text: str):
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(await spoken(emulator, text))
    del emulator.qiniu.texts[:]  # the test's own synthesis
    return path


@pytest.fixture
async def question_file(emulator, tmp_path):
    return await spoken_file(emulator, tmp_path / "question.wav", QUESTION)


class Speaker:
    """A scripted microphone: the question, a quiet room until `go()`, the follow-up, a quiet
    room until stopped; paced like a microphone."""

    def __init__(self, question: bytes, follow_up: bytes) -> None:
        self._parts = (PcmSource(question, realtime=True),
                       PcmSource(b"", realtime=True, then_silence=True),
                       PcmSource(follow_up, realtime=True, then_silence=True))

    def go(self) -> None:
        self._parts[1].stop()

    def stop(self) -> None:
        for part in self._parts:
            part.stop()

    async def chunks(self) -> AsyncIterator[bytes]:
        for part in self._parts:
            async for chunk in part.chunks():
                yield chunk


def app_for(emulator, history, player, audio_input=None, **env: str):
    settings = load_settings(env={**os.environ, **emulator.client_env(), **env})
    speech = SpeechController(settings, player_factory=lambda backend: player)
    return make_app(settings, history=history, speech=speech, audio_input=audio_input)


def status_line(app) -> str:
    return next(line for line in screen_text(app).splitlines() if "● " in line or "🎙" in line)


async def test_push_to_talk_fills_the_prompt_and_enter_keeps_the_words(emulator, history,
                                                                      question_file):
    app = app_for(emulator, history, RecordingPlayer(),
                  AICHAT_AUDIO_INPUT=f"file:{question_file}")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+l")
        prompt = app.screen.prompt
        await wait_until(pilot, lambda: prompt.text != "", "words in the prompt")
        partial = prompt.text
        # The level meter: five cells, lit as loud as the speech is at that moment.
        assert re.search(r"🎙 recording \d+ s [▮▯]{5}", status_line(app))
        await wait_until(pilot, lambda: prompt.text == QUESTION, "the whole question")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "recording" not in status_line(app), "recording stops")
        await pilot.pause()
        assert prompt.text == QUESTION, "the words stay to edit"
        assert QUESTION.startswith(partial) and partial != QUESTION
        assert replies(app) == [], "nothing was sent"
        await pilot.press("enter")  # now it is sent
        await wait_until(pilot, lambda: len(replies(app)) == 1, "the question sent")


async def test_push_to_talk_escape_discards_and_the_same_key_stops(emulator, history,
                                                                   question_file):
    app = app_for(emulator, history, RecordingPlayer(),
                  AICHAT_AUDIO_INPUT=f"file:{question_file}")
    async with app.run_test(size=(80, 24)) as pilot:
        prompt = app.screen.prompt
        await pilot.press("O", "k", "ctrl+l")
        await wait_until(pilot, lambda: len(prompt.text) > 3, "words after the typed ones")
        assert prompt.text.startswith("Ok ")
        await pilot.press("escape")
        await wait_until(pilot, lambda: "recording" not in status_line(app), "recording stops")
        await pilot.pause()
        assert prompt.text == "Ok", "Esc keeps nothing of the recording"
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: prompt.text == f"Ok {QUESTION}", "the question heard")
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: "recording" not in status_line(app), "recording stops")
        assert prompt.text == f"Ok {QUESTION}"


async def test_voice_conversation_sends_after_the_silence_and_reads_the_reply(
        emulator, history, question_file):
    player = RecordingPlayer()
    app = app_for(emulator, history, player, AICHAT_AUDIO_INPUT=f"file:{question_file}",
                  AICHAT_VOICE_CONVERSATION="true", AICHAT_VOICE_SILENCE_TIMEOUT="0.6")
    seen: set[str] = set()

    def state_shown() -> bool:
        line = status_line(app)
        seen.update(s for s in ("listening", "thinking", "speaking") if f"voice: {s}" in line)
        return bool(replies(app)) and "voice: listening" in line and player.pcm != b""

    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "voice: listening" in status_line(app),
                         "listening at start ([voice] conversation)")
        await wait_until(pilot, state_shown, "the reply read, listening again", 30)
        reply = replies(app)[0]
        assert QUESTION in reply.copy_text
        assert seen >= {"listening", "speaking"}
        assert "".join(emulator.qiniu.texts).split() == reply.copy_text.split()
        await pilot.press("f12")
        await wait_until(pilot, lambda: "voice:" not in status_line(app), "voice mode off")


async def test_speaking_over_the_reading_stops_it_and_the_new_words_are_sent(emulator, history):
    question, follow_up = await spoken(emulator, QUESTION), await spoken(emulator, FOLLOW_UP)
    speaker = Speaker(question, follow_up)

    async def microphone() -> Speaker:
        return speaker

    player = RecordingPlayer(realtime=True)  # a reading lasts as long as it is heard (~20 s)
    app = app_for(emulator, history, player, microphone, AICHAT_VOICE_CONVERSATION="true",
                  AICHAT_VOICE_SILENCE_TIMEOUT="0.6")
    states: list[str] = []

    def shown(voice: str) -> None:  # every state the status line is given, in turn
        state = re.match(r"voice: (\w+)", voice)
        if state and (not states or states[-1] != state[1]):
            states.append(state[1])

    async with app.run_test(size=(80, 24)) as pilot:
        status = app.screen.status
        status.watch(status, "voice", shown)
        await wait_until(pilot, lambda: "voice: speaking" in status_line(app) and player.pcm,
                         "the reply to the question read aloud", 60)
        assert QUESTION in replies(app)[0].copy_text
        stops = player.stops
        speaker.go()  # the follow-up, while the reply is being read
        await wait_until(pilot, lambda: player.stops > stops, "the reading stopped", 30)
        assert not app.speech.speaking, "silent at once"
        assert len(replies(app)) == 1, "stopped as the speech began, before it was sent"
        read = len(player.pcm)
        await wait_until(pilot, lambda: "voice: listening" in status_line(app),
                         "listening to the new words")
        await wait_until(pilot, lambda: len(replies(app)) == 2, "the follow-up sent", 30)
        assert len(player.pcm) == read, "nothing more of the first reply was read"
        await wait_until(pilot, lambda: "voice: speaking" in status_line(app)
                         and len(player.pcm) > read, "the follow-up's reply read aloud", 60)
        assert FOLLOW_UP in replies(app)[1].copy_text
        assert FOLLOW_UP in screen_words(app), "the new words are shown as sent"
        assert states == ["listening", "thinking", "speaking", "listening", "thinking",
                          "speaking"]
        await pilot.press("f12")
        await wait_until(pilot, lambda: "voice:" not in status_line(app), "voice mode off")


async def test_at_80_columns_long_words_being_heard_leave_both_states_in_view(
        emulator, history, tmp_path):
    long = ("Tell me what the weather will be like in Shanghai, Hangzhou and Suzhou over the "
            "whole of next week, day by day, with the wind, the rain and the temperatures.")
    said = await spoken_file(emulator, tmp_path / "long.wav", long)
    app = app_for(emulator, history, RecordingPlayer(), AICHAT_AUDIO_INPUT=f"file:{said}",
                  AICHAT_VOICE_CONVERSATION="true")
    async with app.run_test(size=(80, 24)) as pilot:
        # The words heard so far, shortened at the front once the line cannot hold them.
        await wait_until(pilot, lambda: "“…" in status_line(app),
                         "more words heard than the line holds", 30)
        line = status_line(app)
        shown = re.search(r"🎙 voice: listening [▮▯]{5} “…(.+?)” · ● ready", line)
        assert shown, line
        assert len(shown[1]) > 20 and shown[1] in long, "the latest words show"


async def test_no_microphone_is_one_clear_message(emulator, history):
    app = app_for(emulator, history, RecordingPlayer(), AICHAT_AUDIO_INPUT="microphone")
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await pilot.press("ctrl+l")
        await wait_until(pilot, lambda: notifications(app), "a message")
        await pilot.pause()
        told = notifications(app)
        assert len(told) == 1 and "No microphone was found" in told[0], told
        assert 'input = "file:PATH"' in told[0]
        assert "recording" not in status_line(app)


async def test_words_heard_with_escapes_reach_the_prompt_inert(emulator, history, tmp_path):
    # The transcript is the recogniser's text: its escapes must not reach the terminal through
    # the prompt that shows it.
    said = "Copy this \x1b]52;c;eA==\x07 please"
    path = await spoken_file(emulator, tmp_path / "hostile.wav", said)
    app = app_for(emulator, history, RecordingPlayer(), AICHAT_AUDIO_INPUT=f"file:{path}")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+l")
        prompt = app.screen.prompt
        await wait_until(pilot, lambda: "please" in prompt.text, "the words heard")
        await pilot.press("enter")
        await wait_until(pilot, lambda: "recording" not in status_line(app), "recording stops")
        await pilot.pause()
        assert prompt.text == "Copy this ␛]52;c;eA==␇ please"
        assert "\x1b]52" not in terminal_output(app)


async def test_words_sent_in_voice_mode_are_inert_and_recalled_inert(emulator, history,
                                                                     tmp_path):
    # What voice mode sends is the recogniser's text: the question is kept as shown, so
    # recalling it into the prompt later (ctrl+up) writes no escape to the terminal either.
    said = "Copy this \x1b]52;c;eA==\x07 please"
    path = await spoken_file(emulator, tmp_path / "hostile.wav", said)
    app = app_for(emulator, history, RecordingPlayer(), AICHAT_AUDIO_INPUT=f"file:{path}",
                  AICHAT_VOICE_CONVERSATION="true", AICHAT_VOICE_SILENCE_TIMEOUT="0.6")
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: bool(replies(app)), "the question sent", 30)
        await pilot.press("f12")
        await wait_until(pilot, lambda: "voice:" not in status_line(app), "voice mode off")
        await app.workers.wait_for_complete()
        [conversation] = history.list_conversations()
        [question] = [m.text for m in history.messages(conversation.id) if m.role.value == "user"]
        assert question == "Copy this ␛]52;c;eA==␇ please"
    later = app_for(emulator, history, RecordingPlayer())  # the next session recalls it
    async with later.run_test(size=(80, 24)) as pilot:
        prompt = later.screen.prompt
        await wait_until(pilot, lambda: prompt.questions_loaded, "the earlier questions")
        await pilot.press("ctrl+up")
        assert prompt.text == question
        assert "\x1b]52" not in terminal_output(later)
