"""Speech in the chat window, against the emulator over real sockets: F5 reads a message aloud,
replies are read aloud as they stream (F7), F9, Esc and a new chat silence it, audio is saved
to a file, F6 opens the voice browser, and a missing sound device is said, not crashed on.

A RecordingPlayer stands in for the sound card (there is none here); the emulator's TTS over
its WebSocket, the decoder, the settings file and the history are real.
"""

from __future__ import annotations

import os
import re
import threading

import pytest
from textual.app import App

from tests.ui.chat_support import (
    help_lines,
    notifications,
    replies,
    screen_text,
    screen_words,
    send,
    settings_for,
    wait_for_reply,
    wait_until,
)
from tui.audio.decode import decode, duration_ms
from tui.audio.player import no_sound_device
from tui.audio.recording import RecordingPlayer
from tui.audio.sentences import speech_units
from tui.audio.speakable import speakable
from tui.domain.conversation import Message, MessageStatus, Role
from tui.emulator.aliyun.scenarios import MARKDOWN_REPLY, MULTI_SENTENCES
from tui.settings import Settings, load_settings
from tui.ui.app import make_app
from tui.ui.chat_speech import audio_file_name
from tui.ui.screens.chat import ChatScreen
from tui.ui.screens.voices import VoiceBrowser
from tui.ui.speech import SpeechController
from tui.ui.widgets.prompt import Prompt


class WitnessPlayer(RecordingPlayer):
    """Records what it is given, and what the chat showed when the first audio arrived."""

    def __init__(self) -> None:
        super().__init__()
        self.app: App | None = None
        self.first_heard: tuple[MessageStatus, str] | None = None  # the last reply then

    def play(self, pcm: bytes) -> None:
        if self.first_heard is None and pcm and self.app is not None:
            reply = replies(self.app)[-1]
            self.first_heard = (reply.message.status, reply.copy_text)
        super().play(pcm)


@pytest.fixture
def settings(emulator) -> Settings:
    return settings_for(emulator)


@pytest.fixture
def player() -> WitnessPlayer:
    return WitnessPlayer()


@pytest.fixture
async def speech(settings, player):
    controller = SpeechController(settings, player_factory=lambda backend: player)
    yield controller
    await controller.aclose()


@pytest.fixture
def exports(tmp_path):
    return tmp_path / "exports"


@pytest.fixture
def app(settings, history, speech, player, exports):
    app = make_app(settings, history=history, speech=speech, export_dir=exports)
    player.app = app
    return app


async def settle(pilot) -> None:
    """Until what the last key started (speaking, saving) is over and on screen."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def run_from_palette(pilot, typed: str, title: str) -> None:
    await pilot.press("ctrl+p", *typed)
    await wait_until(pilot, lambda: title in screen_words(pilot.app),
                     f"“{title}” in the palette")
    await pilot.press("enter")


def status_line(app: App) -> str:
    return next(line for line in screen_text(app).splitlines() if "● " in line)


def units(markdown: str) -> list[str]:
    """What the speech of `markdown` is synthesized in, one request each."""
    return speech_units(speakable(markdown))


# -- speaking a message ----------------------------------------------------------------------

@pytest.mark.parametrize("how", ["f5", "palette"])
async def test_f5_or_the_palette_reads_the_last_reply_aloud(app, emulator, player, how):
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "hello")
        await wait_for_reply(pilot)
        assert emulator.qiniu.texts == [], "reading aloud is off: nothing speaks by itself"
        if how == "f5":
            await pilot.press("f5")
        else:
            await run_from_palette(pilot, "read the last", "Read the last reply aloud")
        await settle(pilot)
        assert emulator.qiniu.texts == units(replies(app)[0].copy_text)
        assert duration_ms(bytes(player.pcm)) > 3000  # a couple of sentences of real speech
        assert "speaking" not in status_line(app), "heard to the end"


async def test_f5_reads_the_focused_message_rather_than_the_last_reply(app, emulator, player):
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "Capital of France?")
        await wait_for_reply(pilot)
        await pilot.press("up", "up")  # from the empty prompt: the reply, then the question
        await pilot.press("f5")
        await settle(pilot)
        assert emulator.qiniu.texts == ["Capital of France?"]
        assert player.pcm


# -- reading replies aloud as they stream -----------------------------------------------------

async def test_with_read_aloud_on_a_reply_is_heard_while_it_still_streams(app, emulator, player,
                                                                         speech):
    emulator.config.event_delay = 0.08  # 19 events: the reply takes about a second and a half
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f7")
        await send(pilot, "#multi")
        await wait_until(pilot, lambda: player.pcm, "the first audio")
        assert "● streaming · speaking" in status_line(app)
        await wait_for_reply(pilot)

        status, shown = player.first_heard
        assert status == MessageStatus.STREAMING, "the first sentence is heard before the end"
        full = "".join(MULTI_SENTENCES)
        assert shown.startswith(MULTI_SENTENCES[0]) and len(shown) < len(full)
        assert emulator.qiniu.texts[0] == MULTI_SENTENCES[0] + " "
        # Each sentence is spoken once, the last one when the reply ends.
        assert "".join(emulator.qiniu.texts) == full and len(emulator.qiniu.texts) == 4
        assert replies(app)[0].message.status == MessageStatus.COMPLETE
        assert "● done" in status_line(app) and "speaking" not in status_line(app)
        assert not speech.speaking


async def test_f7_switches_reading_aloud_says_it_is_saved_and_the_status_line_shows_it(
        app, emulator, speech):
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        status = lambda: screen_text(app).splitlines()[-5]  # noqa: E731 (above the prompt)
        assert "read aloud" not in status()
        await pilot.press("f7")
        await wait_until(pilot, lambda: any(n.startswith("Reading replies aloud: on On from now "
                                                         "on, saved in") for n in
                                            notifications(app)), "the notification")
        assert load_settings().audio.read_aloud is True
        assert "● ready · read aloud · Tongyi" in status()
        await pilot.press("f7")
        await wait_until(pilot, lambda: any(n.startswith("Reading replies aloud: off")
                                            for n in notifications(app)), "the notification")
        assert load_settings().audio.read_aloud is False
        assert "read aloud" not in status()
        await send(pilot, "hello")
        await wait_for_reply(pilot)
        assert emulator.qiniu.texts == [], "off: the reply is not read"


async def test_escape_during_a_reply_stops_reading_it(app, emulator, player, speech):
    emulator.config.event_delay = 0.08
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f7")
        await send(pilot, "#multi")
        await wait_until(pilot, lambda: player.pcm, "the first audio")
        stops = player.stops
        await pilot.press("escape")
        await wait_for_reply(pilot)
        assert replies(app)[0].message.status == MessageStatus.CANCELLED
        assert player.stops > stops and not speech.speaking
        assert len(emulator.qiniu.texts) < len(MULTI_SENTENCES)
        assert "speaking" not in status_line(app)


@pytest.mark.parametrize("scenario", ["#fail", "#disconnect"])
async def test_a_reply_that_fails_is_no_longer_read(app, emulator, speech, scenario):
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f7")
        await send(pilot, scenario)
        await wait_until(pilot, lambda: replies(app) and replies(app)[0].message.status in (
            MessageStatus.FAILED, MessageStatus.INTERRUPTED), "the reply to fail")
        await wait_until(pilot, lambda: not speech.speaking, "the reading to stop")
        await wait_for_reply(pilot)
        # Only a sentence known to be complete may have been read; the cut-off one never is.
        shown = replies(app)[0].copy_text
        assert all(shown.startswith("".join(emulator.qiniu.texts[:n + 1]))
                   for n in range(len(emulator.qiniu.texts)))
        assert "".join(emulator.qiniu.texts) != shown
        assert "speaking" not in status_line(app)


# -- silencing -------------------------------------------------------------------------------

@pytest.mark.parametrize("key", ["f9", "escape", "ctrl+n"])
async def test_f9_escape_or_a_new_chat_silences_the_reading(app, emulator, player, speech, key):
    emulator.config.tts_latency_per_char = 0.01  # each sentence takes a while: time to stop
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "#markdown")
        await wait_for_reply(pilot)
        await pilot.press("f5")
        await wait_until(pilot, lambda: player.pcm, "the first audio")
        assert "speaking" in status_line(app)
        stops = player.stops
        await pilot.press(key)
        await settle(pilot)
        assert player.stops > stops and not speech.speaking
        assert "speaking" not in status_line(app)
        assert len(emulator.qiniu.texts) < len(units(MARKDOWN_REPLY)), "the rest is not read"
        assert isinstance(app.screen, ChatScreen)
        assert app.focused is app.screen.query_one(Prompt)


# -- saving audio ----------------------------------------------------------------------------

async def test_save_audio_writes_an_mp3_of_the_last_reply_and_says_where(app, emulator, exports):
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await send(pilot, "hello")
        await wait_for_reply(pilot)
        await run_from_palette(pilot, "save audio", "Save audio of the last reply")
        await settle(pilot)
        [saved] = exports.iterdir()
        assert saved.name.startswith("reply-") and saved.suffix == ".mp3"
        assert f"Audio saved exports/{saved.name}" in notifications(app)
        heard = duration_ms(decode(saved.read_bytes(), "mp3"))
        assert heard > 3000
        assert "".join(emulator.qiniu.texts) == "".join(units(replies(app)[0].copy_text))


async def test_saving_audio_never_holds_up_the_screen(app, emulator, exports, history):
    # Where the audio is written first is a FIFO nobody reads yet: writing waits, as a slow
    # or hung disk would. The screen must not wait with it.
    async with app.run_test(size=(120, 30), notifications=True) as pilot:
        await send(pilot, "hello")
        await wait_for_reply(pilot)
        [conversation] = history.list_conversations()
        reply = history.messages(conversation.id)[-1]
        exports.mkdir()
        fifo = exports / f".{audio_file_name(reply)}.part"
        os.mkfifo(fifo)
        go, released = threading.Event(), threading.Event()

        def release() -> None:
            go.wait(10)  # the test says when; a screen stuck in the write never will
            released.set()
            with open(fifo, "rb") as file:
                file.read()

        threading.Thread(target=release, daemon=True).start()
        await run_from_palette(pilot, "save audio", "Save audio of the last reply")
        await wait_until(pilot, lambda: any("Saving the audio" in n for n in notifications(app)),
                         "the save to start")
        await pilot.pause(1.0)  # time to synthesize it and reach the write
        await pilot.press("x")
        assert not released.is_set(), "the screen waited for the disk"
        assert app.screen.query_one(Prompt).text == "x"
        go.set()
        await settle(pilot)
        assert released.is_set() and any("Audio saved" in n for n in notifications(app))


# -- the voice browser and the keys ----------------------------------------------------------

async def test_f6_opens_the_voice_browser_from_the_prompt_and_escape_comes_back(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("x", "f6")  # the prompt has f6 too (select the line): ours wins
        assert isinstance(app.screen, VoiceBrowser)
        await wait_until(pilot, lambda: "All 42" in screen_words(app), "the voice list")
        await pilot.press("f6")
        assert len(app.screen_stack) == 2, "one browser is enough"
        await pilot.press("escape")
        assert isinstance(app.screen, ChatScreen)
        assert app.screen.query_one(Prompt).text == "x"


async def test_help_and_the_keymap_know_the_speech_and_voice_browser_keys(settings, history,
                                                                         speech, emulator):
    settings.config_path.parent.mkdir(parents=True)
    settings.config_path.write_text('[keymap]\n"chat.speak" = "f12"\n"voices.refresh" = "f11"\n',
                                    encoding="utf-8")
    app = make_app(settings_for(emulator), history=history, speech=speech)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.press("f1")
        assert not [n for n in notifications(app) if "no binding id" in n]
        app.clear_notifications()
        await pilot.pause()
        lines = await help_lines(pilot, app)
        for row in ("f12 Read the last reply aloud chat.speak",
                    "f6 Voices and reading speed app.voices",
                    "f7 Read replies aloud: on/off app.read_aloud",
                    "f9 Stop reading aloud chat.stop_speaking",
                    "f10 Save audio of the last reply chat.save_audio",
                    "enter Hear the highlighted voice voices.preview",
                    "f11 Fetch the voice list again voices.refresh"):
            assert row in lines


# -- without a sound device ------------------------------------------------------------------

async def test_without_a_sound_device_it_says_so_and_the_app_works_on(settings, history,
                                                                      emulator, exports):
    def no_device(backend: str) -> RecordingPlayer:
        raise no_sound_device()

    speech = SpeechController(settings, player_factory=no_device)
    app = make_app(settings, history=history, speech=speech, export_dir=exports)
    try:
        async with app.run_test(size=(120, 30), notifications=True) as pilot:
            await send(pilot, "hello")
            await wait_for_reply(pilot)
            await pilot.press("f5")
            await settle(pilot)
            [told] = notifications(app)
            assert told == ("Could not read aloud No sound device is available. f10 saves the "
                            "audio to a file instead (“Save audio” in ctrl+p).")
            assert "speaking" not in status_line(app)

            await pilot.press("f10")  # what it suggests works
            await settle(pilot)
            [saved] = exports.iterdir()
            assert duration_ms(decode(saved.read_bytes(), "mp3")) > 3000

            await pilot.press("f7")  # reading aloud cannot work, but chatting does
            await send(pilot, "hello again")
            await wait_for_reply(pilot)
            assert "You asked: “hello again”" in replies(app)[-1].copy_text
            assert replies(app)[-1].message.status == MessageStatus.COMPLETE
            assert any(n.startswith("Not read aloud No sound device is available.")
                       and n.endswith("f7 turns reading replies aloud off.")
                       for n in notifications(app))
    finally:
        await speech.aclose()


async def test_the_voice_browser_keys_are_in_the_palette_while_it_is_open(app, speech):
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+p", *"faster")
        await pilot.pause(0.5)  # the palette searches in the background
        assert "Read faster" not in screen_words(app)  # not on the chat screen
        await pilot.press("escape", "f6")
        await wait_until(pilot, lambda: re.search(r"All \d+", screen_words(app)) is not None,
                         "the voice list")
        await run_from_palette(pilot, "read faster", "Read faster")
        await wait_until(pilot, lambda: speech.speed == 1.1, "the faster speed")
        assert isinstance(app.screen, VoiceBrowser)


async def test_f5_reads_the_conversations_last_reply_when_the_window_is_far_above(
        app, emulator, player, history):
    conversation = history.create_conversation("a long chat")
    for n in range(20):
        history.add_message(conversation.id, Message(Role.USER, f"question {n}", 1000.0 + n))
        history.add_message(conversation.id, Message(
            Role.ASSISTANT, f"Answer number {n}. It is short.", 1000.5 + n))
    async with app.run_test(size=(100, 30)) as pilot:
        await app.screen.open_conversation(conversation.id, at=1)
        await settle(pilot)
        await pilot.press("escape")  # to the prompt, the window still at the top
        await pilot.press("f5")
        await settle(pilot)
        assert emulator.qiniu.texts == units("Answer number 19. It is short.")
