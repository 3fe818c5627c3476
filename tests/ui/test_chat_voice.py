"""Speech input in the chat window, as a user drives it: push-to-talk (ctrl+l) puts the words
into the prompt as they are heard, Enter or the same key stops and keeps them, Esc discards
them; voice conversation mode ([voice] conversation, F12) sends what was said after the
silence, streams and reads the reply, and listens again; no microphone is one message.

A file stands in for the microphone (`[audio] input = "file:PATH"`, as a user would try it)
holding the emulator's own speech, so the recogniser hears real words; the recogniser, the
chat, the speech and the history are real against the emulator; a RecordingPlayer stands in
for the sound card.
"""

from __future__ import annotations

import os
import re
import wave

import pytest

from tests.spoken import spoken
from tests.ui.chat_support import notifications, replies, screen_text, wait_until
from tui.audio.recording import RecordingPlayer
from tui.emulator import EmulatorConfig
from tui.settings import load_settings
from tui.ui.app import make_app
from tui.ui.speech import SpeechController

QUESTION = "What is the weather like in Shanghai tomorrow?"


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(event_delay=0.01, tts_start_latency=0.0, tts_latency_per_char=0.0)


@pytest.fixture
async def question_file(emulator, tmp_path):
    path = tmp_path / "question.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16000)
        out.writeframes(await spoken(emulator, QUESTION))
    del emulator.qiniu.texts[:]  # the test's own synthesis
    return path


def app_for(emulator, history, player, **env: str):
    settings = load_settings(env={**os.environ, **emulator.client_env(), **env})
    speech = SpeechController(settings, player_factory=lambda backend: player)
    return make_app(settings, history=history, speech=speech)


def status_line(app) -> str:
    # Words being heard can push the reply state off an 80-column line: the voice state leads.
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
