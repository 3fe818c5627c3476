"""Tencent's voices in the chat window, against the emulator over real sockets: a Tencent voice
chosen in the voice browser (F6) speaks a reply (F5) and reads replies aloud as they stream
(F7), each request within Tencent's 150 bytes; Qiniu's TTS is not asked for anything.

A RecordingPlayer stands in for the sound card; the rest is real.
"""

from __future__ import annotations

import os

import pytest
from textual import events
from textual.widgets import Input

from tests.ui.chat_support import replies, send, wait_for_reply, wait_until
from tui.audio.decode import duration_ms
from tui.audio.recording import RecordingPlayer
from tui.audio.sentences import speech_units
from tui.audio.speakable import speakable
from tui.emulator.aliyun.scenarios import MULTI_SENTENCES
from tui.settings import Settings, load_settings
from tui.ui.app import make_app
from tui.ui.screens.chat import ChatScreen
from tui.ui.screens.voices import VoiceBrowser
from tui.ui.speech import SpeechController

TENCENT_BYTES = 150


@pytest.fixture
def player() -> RecordingPlayer:
    return RecordingPlayer()


def settings_with_voice(emulator, voice: str | None = None) -> Settings:
    env = {**os.environ, **emulator.client_env()}
    if voice is not None:
        env["AICHAT_QINIU_VOICE"] = voice
    return load_settings(env=env)


@pytest.fixture
async def app_with(history, player, tmp_path):
    made: list[SpeechController] = []

    def make(settings: Settings):
        speech = SpeechController(settings, player_factory=lambda backend: player)
        made.append(speech)
        return make_app(settings, history=history, speech=speech, export_dir=tmp_path / "out")

    yield make
    for speech in made:
        await speech.aclose()


async def settle(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_a_tencent_voice_chosen_in_the_browser_reads_the_reply(app_with, emulator, player):
    app = app_with(settings_with_voice(emulator))
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "hello")
        await wait_for_reply(pilot)
        await pilot.press("f6")
        assert isinstance(app.screen, VoiceBrowser)
        await settle(pilot)
        app.screen.query_one(Input).post_message(events.Paste("tencent-6"))
        await pilot.pause()
        await pilot.press("ctrl+d", "escape")
        await pilot.pause()
        assert isinstance(app.screen, ChatScreen)
        assert load_settings().qiniu.voice == "tencent-6"

        await pilot.press("f5")
        await settle(pilot)
        spoken = emulator.tencent.texts
        assert spoken == speech_units(speakable(replies(app)[0].copy_text), TENCENT_BYTES)
        assert all(len(text.encode()) <= TENCENT_BYTES for text in spoken)
        assert emulator.qiniu.texts == [], "Qiniu's TTS is not asked"
        assert duration_ms(bytes(player.pcm)) > 2000


async def test_replies_are_read_aloud_in_a_tencent_voice_as_they_stream(app_with, emulator,
                                                                        player):
    emulator.config.event_delay = 0.08
    app = app_with(settings_with_voice(emulator, "tencent-1"))
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f7")
        await send(pilot, "#multi")
        await wait_until(pilot, lambda: player.pcm, "the first audio")
        await wait_for_reply(pilot)
        await wait_until(pilot, lambda: not app.speech.speaking, "the reading to end")
        assert "".join(emulator.tencent.texts) == "".join(MULTI_SENTENCES)
        assert emulator.tencent.texts[0] == MULTI_SENTENCES[0] + " ", "sentence by sentence"
        assert emulator.qiniu.texts == []
