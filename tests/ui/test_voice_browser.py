"""The voice browser, driven by key presses against the emulator over real sockets.

The screen is mounted on a small host app; a RecordingPlayer stands in for the sound card.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path

import httpx
import pytest
import tomllib
from textual import events
from textual.app import App
from textual.widgets import DataTable, Input

from tests.ui.chat_support import notifications, screen_words, wait_until
from tui.audio.decode import decode
from tui.audio.player import no_sound_device
from tui.audio.recording import RecordingPlayer
from tui.backends.tencent.speech import PREVIEW_TEXT
from tui.emulator import Emulator
from tui.settings import load_settings
from tui.ui.screens.voices import MARK, VoiceBrowser
from tui.ui.speech import SpeechController
from tui.ui.themes import builtin_themes_dir, load_themes

DEFAULT = "qiniu_zh_female_wwxkjx"


class Host(App[None]):
    """Opens the browser at once, as the app does from a key; owns the controller."""

    ENABLE_COMMAND_PALETTE = False

    def __init__(self, controller: SpeechController) -> None:
        super().__init__()
        self.controller = controller

    def on_mount(self) -> None:
        for theme in load_themes(builtin_themes_dir(), Path("/nonexistent"))[0]:
            self.register_theme(theme)
        self.theme = "aichat-dark"
        self.push_screen(VoiceBrowser(self.controller))

    async def on_unmount(self) -> None:
        await self.controller.aclose()


@pytest.fixture
def recorder() -> RecordingPlayer:
    return RecordingPlayer()


@pytest.fixture
def host(emulator_env, recorder) -> Host:
    return Host(SpeechController(load_settings(), player_factory=lambda backend: recorder))


async def settle(pilot) -> None:
    """Until the screen's workers (the list, a preview) are done and the screen shows it."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def browser(pilot) -> VoiceBrowser:
    screen = pilot.app.screen
    assert isinstance(screen, VoiceBrowser)
    return screen


def listed(pilot) -> list[str]:
    """The voice types in the table, top to bottom."""
    table = browser(pilot).query_one(DataTable)
    return [row.key.value for row in table.ordered_rows] if table.display else []


def marked(pilot) -> list[str]:
    table = browser(pilot).query_one(DataTable)
    return [key for key in listed(pilot) if table.get_row(key)[0].plain.startswith(MARK)]


async def type_filter(pilot, text: str) -> None:
    """Replace the filter with `text`, pasted (as fast as typing it, without a pilot round
    trip per key; test_keys_typed_one_by_one_filter types)."""
    await pilot.press("ctrl+u")
    if text:
        browser(pilot).query_one(Input).post_message(events.Paste(text))
    await pilot.pause()


async def test_it_lists_every_voice_with_the_default_marked_and_highlighted(host, emulator):
    async with host.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert len(listed(pilot)) == 42, "Qiniu's 38 voices and Tencent's 4"
        assert marked(pilot) == [DEFAULT]
        assert browser(pilot).highlighted.voice_type == DEFAULT
        shown = screen_words(pilot.app)
        assert "Default ● 温婉学科讲师 Reading speed 1.0×" in shown
        # 80 columns have no room for the English category names too.
        assert "All 42 传统音色 14 双语音色 10 特殊音色 14 腾讯语音 4" in shown
        assert "澳洲英语女 Bilingual English Female qiniu_en_female_azyy" in shown
        assert emulator.qiniu.requests["list"] == 1
        await pilot.press("down", "down", "up")
        assert browser(pilot).highlighted.voice_type == "qiniu_zh_male_szxyxd"
        await pilot.press("pagedown")
        assert listed(pilot).index(browser(pilot).highlighted.voice_type) > 10


@pytest.mark.parametrize(("typed", "expected"), [
    ("english", {"qiniu_en_female_azyy", "qiniu_en_male_azyyn", "qiniu_en_female_ysyyn",
                 "qiniu_en_male_ysyyn", "qiniu_en_female_msyyn", "qiniu_en_male_msyyn"}),
    ("学姐", {"qiniu_zh_female_xyqxxj", "qiniu_zh_female_ljfdxx"}),
    ("multi male", {"qiniu_multi_male_rxsyn1", "qiniu_multi_male_rxsyn2"}),
    ("qiniu_zh_female_ww", {"qiniu_zh_female_wwxkjx", "qiniu_zh_female_wwkjby"}),
    ("tencent male", {"tencent-1"}),
    ("腾讯 zh female", {"tencent-5", "tencent-6", "tencent-7"}),
])
async def test_typing_filters_by_name_id_category_and_language(host, typed, expected):
    async with host.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_filter(pilot, typed)
        assert set(listed(pilot)) == expected


async def test_a_wide_screen_names_the_categories_in_english_too(host):
    async with host.run_test(size=(120, 24)) as pilot:
        await settle(pilot)
        assert ("All 42 传统音色 Standard 14 双语音色 Bilingual 10 特殊音色 Character 14 "
                "腾讯语音 Tencent 4") in screen_words(pilot.app)


async def test_keys_typed_one_by_one_filter(host):
    async with host.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(*"zh ma")
        assert len(listed(pilot)) == 15  # Chinese, male (not female): 14 Qiniu, 1 Tencent
        await pilot.press("backspace", "backspace", "backspace")
        assert len(listed(pilot)) == 32


async def test_male_does_not_find_female_voices_and_a_category_name_finds_its_voices(host):
    async with host.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_filter(pilot, "male")
        assert len(listed(pilot)) == 20 and not [v for v in listed(pilot) if "female" in v]
        await type_filter(pilot, "双语")
        assert len(listed(pilot)) == 10
        await type_filter(pilot, "character")
        assert len(listed(pilot)) == 14
        await type_filter(pilot, "nobody")
        assert listed(pilot) == []
        assert "No voice matches the filter." in screen_words(pilot.app)


async def test_tab_narrows_by_category_and_the_counts_follow_the_filter(host):
    async with host.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        sizes = []
        for _ in range(5):
            await pilot.press("tab")
            sizes.append(len(listed(pilot)))
        assert sizes == [14, 10, 14, 4, 42]
        await pilot.press("shift+tab", "shift+tab")
        voices = {v.voice_type: v for v in await host.controller.voices()}
        assert {voices[t].category for t in listed(pilot)} == {"特殊音色"}
        await type_filter(pilot, "female")
        assert len(listed(pilot)) == 7
        assert "All 22 传统音色 7 双语音色 5 特殊音色 7 腾讯语音 3" in screen_words(pilot.app)


async def test_enter_plays_the_sample_and_the_second_time_it_comes_from_the_cache(
        host, recorder, emulator):
    async with host.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await type_filter(pilot, "美式英语男")
        assert listed(pilot) == ["qiniu_en_male_msyyn"]
        await pilot.press("enter")
        await settle(pilot)
        heard_once = bytes(recorder.pcm)
        await pilot.press("enter")
        await settle(pilot)
        assert emulator.qiniu.requests["preview"] == 1
        async with httpx.AsyncClient() as client:
            clip = await client.get(f"{emulator.base_url}/v1/voice/preview/qiniu_en_male_msyyn.mp3")
        sample = decode(clip.content, "mp3")
        assert heard_once == sample and len(sample) > 24_000  # over half a second
        assert bytes(recorder.pcm) == sample * 2


async def test_ctrl_d_makes_the_highlighted_voice_the_default(host):
    async with host.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await type_filter(pilot, "澳洲英语女")
        await pilot.press("ctrl+d")
        await pilot.pause()
        config = host.controller.settings.config_path
        await wait_until(pilot, lambda: load_settings().qiniu.voice == "qiniu_en_female_azyy",
                         "the saved voice")
        assert f"澳洲英语女 is now the default voice (saved in {config})." in \
            notifications(pilot.app)
        await type_filter(pilot, "")
        assert marked(pilot) == ["qiniu_en_female_azyy"]
        assert "Default ● 澳洲英语女" in screen_words(pilot.app)
        assert host.controller.voice == "qiniu_en_female_azyy"


async def test_a_tencent_voice_is_heard_and_made_the_default_like_any_other(host, recorder,
                                                                           emulator):
    async with host.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await type_filter(pilot, "腾讯女声 5")
        assert listed(pilot) == ["tencent-5"]
        assert "腾讯女声 5 Tencent Chinese Female tencent-5" in screen_words(pilot.app)
        await pilot.press("enter")
        await settle(pilot)
        assert emulator.tencent.texts == [PREVIEW_TEXT], "Tencent spoke the sample"
        assert emulator.qiniu.requests["preview"] == 0
        assert len(recorder.pcm) > 24_000
        await pilot.press("ctrl+d")
        await pilot.pause()
        await wait_until(pilot, lambda: load_settings().qiniu.voice == "tencent-5",
                         "the saved voice")
        assert "Default ● 腾讯女声 5" in screen_words(pilot.app)
        recorder.pcm.clear()
        assert await host.controller.speak("今天天气很好。") is True
        assert emulator.tencent.texts[-1] == "今天天气很好。" and recorder.pcm


async def test_ctrl_arrows_change_the_speed_which_is_shown_and_saved(host, recorder):
    async with host.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+right", "ctrl+right")
        assert "Reading speed 1.2×" in screen_words(pilot.app)
        await wait_until(pilot, lambda: load_settings().qiniu.speed == 1.2, "the saved speed")
        await pilot.press("ctrl+left", "ctrl+left", "ctrl+left")
        assert "Reading speed 0.9×" in screen_words(pilot.app)
        await wait_until(pilot, lambda: load_settings().qiniu.speed == 0.9, "the saved speed")
        assert browser(pilot).query_one(Input).value == "", "the keys did not reach the filter"


async def test_refresh_fetches_the_list_again_and_reopening_uses_the_cache(host, emulator):
    async with host.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert emulator.qiniu.requests["list"] == 2
        assert "Fetched the voice list again: 42 voices." in notifications(pilot.app)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(pilot.app.screen, VoiceBrowser)
        await pilot.app.push_screen(VoiceBrowser(host.controller))
        await settle(pilot)
        assert len(listed(pilot)) == 42 and emulator.qiniu.requests["list"] == 2


async def test_without_a_sound_device_the_preview_says_so(emulator_env):
    def no_device(backend: str) -> RecordingPlayer:
        raise no_sound_device()

    host = Host(SpeechController(load_settings(), player_factory=no_device))
    async with host.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("enter")
        await settle(pilot)
        [shown] = notifications(pilot.app)
        assert shown.startswith("Cannot play 温婉学科讲师 No sound device is available")
        assert "Write the audio to a file instead" in shown
        assert len(listed(pilot)) == 42, "the browser goes on working"


async def test_a_failed_load_is_a_message_on_the_screen_and_ctrl_r_tries_again(host, emulator):
    emulator.qiniu.outage = 503
    async with host.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = screen_words(pilot.app)
        assert "Could not load the voices." in shown and "Press ctrl+r to try again." in shown
        assert listed(pilot) == []
        emulator.qiniu.outage = None
        await pilot.press("ctrl+r")
        await settle(pilot)
        assert len(listed(pilot)) == 42
        assert "Could not load" not in screen_words(pilot.app)


async def test_a_failed_refresh_keeps_the_list(host, emulator):
    async with host.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        emulator.qiniu.outage = 503
        await pilot.press("ctrl+r")
        await settle(pilot)
        [shown] = notifications(pilot.app)
        assert shown.startswith("Voices not refreshed")
        assert len(listed(pilot)) == 42


async def test_without_a_qiniu_key_the_screen_says_where_to_set_it(recorder):
    host = Host(SpeechController(load_settings(), player_factory=lambda backend: recorder))
    async with host.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = screen_words(pilot.app)
        assert "No Qiniu API key is set" in shown
        assert "[qiniu]" in shown and "AICHAT_QINIU_API_KEY" in shown
        assert "restart it after changing them" in shown and "try again" not in shown


async def test_the_screen_opens_at_once_and_esc_closes_it_while_the_list_loads(monkeypatch):
    async def never_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await asyncio.Event().wait()

    server = await asyncio.start_server(never_answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    monkeypatch.setenv("AICHAT_QINIU_API_KEY", "sk-test")
    monkeypatch.setenv("AICHAT_QINIU_BASE_URL", f"http://127.0.0.1:{port}/v1")
    host = Host(SpeechController(load_settings(), player_factory=lambda backend: RecordingPlayer()))
    try:
        async with host.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert "Loading voices…" in screen_words(pilot.app)
            await pilot.press("escape")
            await pilot.pause()
            assert not isinstance(pilot.app.screen, VoiceBrowser)
    finally:
        server.close()


def test_snapshot_of_the_standard_voices(snap_compare, monkeypatch):
    with Emulator.in_thread() as emulator:
        for name, value in emulator.client_env().items():
            monkeypatch.setenv(name, value)
        host = Host(SpeechController(load_settings(),
                                     player_factory=lambda backend: RecordingPlayer()))

        async def loaded(pilot) -> None:
            browser(pilot).query_one(Input).cursor_blink = False
            await settle(pilot)
            await pilot.press("tab", "down")
            await pilot.pause()

        assert snap_compare(host, terminal_size=(80, 24), run_before=loaded)


async def test_speed_changes_still_being_saved_when_the_app_closes_are_all_saved(
        emulator_env, recorder, tmp_path):
    # The settings file is a FIFO nobody writes to yet: the first save waits on it (a slow
    # disk) while the next ones queue; closing the app must not drop those.
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    settings = load_settings()._replace(config_path=fifo)
    host = Host(SpeechController(settings, player_factory=lambda backend: recorder))
    async with host.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+right", "ctrl+right", "ctrl+right")
        assert "Reading speed 1.3×" in screen_words(pilot.app)
    with open(fifo, "w", encoding="utf-8") as file:  # the disk wakes up
        file.write("# mine\n")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and (fifo.is_fifo() or "1.3" not in fifo.read_text()):
        await asyncio.sleep(0.05)  # (reading the FIFO itself would wait for another writer)
    assert "# mine" in fifo.read_text() and tomllib.loads(fifo.read_text())["qiniu"]["speed"] == 1.3
