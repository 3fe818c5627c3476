"""Providers and models in the app: the picker, switching mid-conversation, a reasoning model's
thinking, the length notice, trimmed context, web search, and who answered each reply, all
against the emulator over real sockets and a real history file."""

from __future__ import annotations

import os
import threading
import time
from contextlib import ExitStack

import pytest
import tomllib

from tests.ui.chat_support import (
    notifications,
    replies,
    screen_words,
    send,
    settings_for,
    terminal_output,
    wait_for_reply,
    wait_until,
    words,
)
from tui.domain.conversation import Role
from tui.emulator import Emulator, EmulatorConfig
from tui.emulator.openai_chat.scenarios import LENGTH_PARTIAL
from tui.settings import load_settings
from tui.ui.app import make_app
from tui.ui.screens.chat import ChatScreen
from tui.ui.screens.model_picker import ModelPicker
from tui.ui.widgets.prompt import Prompt
from tui.ui.widgets.thinking import ThinkingBlock


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    # Slow enough to see a reasoning model think before it answers.
    return EmulatorConfig(event_delay=0.05, tts_start_latency=0.0, tts_latency_per_char=0.0)


async def pick(pilot, query: str, key: str = "enter") -> None:
    """Open the picker, filter by `query`, and take the highlighted model with `key`."""
    await pilot.press("ctrl+g")
    assert isinstance(pilot.app.screen, ModelPicker)
    await wait_until(pilot, lambda: pilot.app.screen.query_one("#models").option_count > 1,
                     "the model lists")
    await pilot.press(*query, key)
    await pilot.pause()
    assert isinstance(pilot.app.screen, ChatScreen)


def framed_words(app) -> str:
    """The screen's words with the thinking block's frame left out."""
    return words(screen_words(app).replace("│", " "))


def answered_by(history, conversation_id: int) -> list[tuple[str | None, str | None]]:
    return [(m.provider, m.model) for m in history.messages(conversation_id)
            if m.role == Role.ASSISTANT]


async def test_switching_model_mid_conversation_sends_the_earlier_turns(emulator, history):
    app = make_app(settings_for(emulator), history=history)
    async with app.run_test(size=(100, 30)) as pilot:
        await send(pilot, "My name is Ada.")
        await wait_for_reply(pilot)
        assert "Tongyi · " in screen_words(app)

        await pick(pilot, "deepseek-v3")
        assert "aichat-tui — Qiniu · deepseek-v3" in screen_words(app)  # the header
        await send(pilot, "What is my name?")
        await wait_for_reply(pilot)

        reply = replies(app)[-1].copy_text
        assert "standing in for deepseek-v3" in reply
        assert ("I received 2 earlier messages of this conversation; your previous question "
                "was “My name is Ada.”") in reply
        assert "Qiniu · deepseek-v3 · " in screen_words(app)  # the reply is signed with it
    [conversation] = history.list_conversations()
    assert (conversation.provider, conversation.model) == ("qiniu", "deepseek-v3")
    assert answered_by(history, conversation.id) == [("tongyi", None), ("qiniu", "deepseek-v3")]


async def test_a_reasoning_model_thinks_in_a_block_that_folds_when_the_answer_starts(
        emulator, history):
    app = make_app(settings_for(emulator), history=history)
    async with app.run_test(size=(100, 40)) as pilot:
        await pick(pilot, "r1")
        await send(pilot, "Why is the sky blue?")
        await wait_until(pilot, lambda: bool(app.screen.query(ThinkingBlock)), "thinking")
        block = app.screen.query_one(ThinkingBlock)
        assert block.open and not replies(app)[-1].copy_text  # thinking, no answer yet
        await wait_until(pilot, lambda: "Thinking…" in screen_words(app), "the block drawn")

        await wait_for_reply(pilot)
        thought = block.text
        reply = replies(app)[-1]
        assert thought and not block.open
        assert "▸ Thinking ·" in screen_words(app) and words(thought) not in framed_words(app)
        assert thought not in reply.copy_text  # not copied, not read aloud (it reads this)

        await pilot.press("up", "t")  # the reply has the focus; t opens its thinking
        assert app.screen.focused is reply
        assert words(thought) in framed_words(app)
        await pilot.press("t")
        assert words(thought) not in framed_words(app)
    [conversation] = history.list_conversations()

    again = make_app(settings_for(emulator), history=history)  # saved replies show it too
    async with again.run_test(size=(100, 40)) as pilot:
        await again.screen.open_conversation(conversation.id)
        await pilot.pause()
        assert "▸ Thinking ·" in screen_words(again)
        await pilot.press("ctrl+p", *"fold the last reply's thinking")  # the palette: the last reply's
        await pilot.pause(0.3)  # the palette searches in the background
        await pilot.press("enter")
        await pilot.pause()
        assert words(thought) in framed_words(again)


async def test_a_reply_cut_at_the_length_limit_says_so_now_and_when_reopened(emulator, history):
    app = make_app(settings_for(emulator), history=history)
    async with app.run_test(size=(100, 30)) as pilot:
        await pick(pilot, "deepseek-v3")
        await send(pilot, "#length please")
        await wait_for_reply(pilot)
        assert words(LENGTH_PARTIAL) in screen_words(app)
        assert "The reply was cut at the length limit." in screen_words(app)
        await pilot.press("ctrl+n")
        assert "length limit" not in screen_words(app)
        await pilot.press("ctrl+o", "enter")
        await pilot.pause()
        assert "The reply was cut at the length limit." in screen_words(app)


async def test_older_turns_that_do_not_fit_are_left_out_and_the_user_is_told(emulator, history):
    settings = load_settings(env={**os.environ, **emulator.client_env(),
                                  "AICHAT_CHAT_PROVIDER": "qiniu",
                                  "AICHAT_CHAT_CONTEXT_CHARS": "40"})
    app = make_app(settings, history=history)
    async with app.run_test(size=(100, 40)) as pilot:
        await send(pilot, "first question")
        await wait_for_reply(pilot)
        assert "left out" not in screen_words(app)
        await send(pilot, "#context second")
        await wait_for_reply(pilot)
        # The first reply (a long one) does not fit in 40 characters: both turns stay out.
        assert "I received 0 earlier messages." in replies(app)[-1].copy_text
        assert ("2 older turns were left out: they did not fit in [chat] context_chars."
                in screen_words(app))


async def test_web_search_is_toggled_shown_and_sent(emulator, history):
    app = make_app(settings_for(emulator), history=history)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pick(pilot, "deepseek-v3")
        await pilot.press("ctrl+f")
        assert "Qiniu · deepseek-v3 + web search" in screen_words(app)  # the status line
        await send(pilot, "news?")
        await wait_for_reply(pilot)
        assert "standing in for deepseek-v3 with web search" in replies(app)[-1].copy_text
        await pilot.press("ctrl+p", *"web search on/off")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert "+ web search" not in screen_words(app)


async def test_the_default_model_is_saved_and_new_conversations_start_with_it(
        emulator, history):
    settings = settings_for(emulator)
    app = make_app(settings, history=history)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pick(pilot, "kimi", key="ctrl+d")
        await pilot.press("ctrl+n")
        assert "Ask Qiniu · kimi-k2…" in str(app.screen.query_one(Prompt).placeholder)
        await wait_until(pilot, lambda: any("saved in" in n for n in notifications(app)),
                         "the save")
    saved = tomllib.loads(settings.config_path.read_text())
    assert saved["chat"]["provider"] == "qiniu" and saved["qiniu"]["model"] == "kimi-k2"


async def test_the_picker_filters_as_you_type_and_esc_keeps_the_model(emulator, history):
    app = make_app(settings_for(emulator), history=history)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("ctrl+g")
        picker = app.screen
        assert isinstance(picker, ModelPicker)
        await wait_until(pilot, lambda: picker.query_one("#models").option_count > 1, "lists")
        shown = screen_words(app)
        for entry in ("Tongyi tongyi", "Qiniu deepseek-r1", "deepseek/deepseek-v3.1-terminus",
                      "OpenAI-compatible llama3.1:8b"):
            assert entry in shown
        await pilot.press(*"qiniu glm")
        assert picker.query_one("#models").option_count == 1 and "glm-4.5" in screen_words(app)
        await pilot.press("escape")
        assert isinstance(app.screen, ChatScreen) and app.screen.choice.provider == "tongyi"


def test_the_model_picker_at_80x24(snap_compare, tmp_path, monkeypatch, utc_clock):
    with ExitStack() as stack:
        emulator = stack.enter_context(Emulator.in_thread(EmulatorConfig(event_delay=0.0)))
        app = make_app(settings_for(emulator))

        async def open_picker(pilot) -> None:
            await pilot.press("ctrl+g")
            await wait_until(pilot, lambda: app.screen.query_one("#models").option_count > 1,
                             "the model lists")
            app.screen.query_one("#filter").cursor_blink = False  # a steady picture
            await pilot.press(*"deep")
            await pilot.pause()

        assert snap_compare(app, terminal_size=(80, 24), run_before=open_picker)


async def test_a_model_id_from_the_server_is_shown_inert_never_as_markup(emulator, history):
    # A model id is the server's text: markup in it must not be parsed (a stray [/] would end
    # the app), and its escapes must not reach the terminal, wherever it is shown.
    hostile = "tuned[/]x[@click=app.quit]\x1b]52;c;eA==\x07"
    emulator.local_chat.models = (*emulator.local_chat.models, hostile)
    app = make_app(settings_for(emulator), history=history)
    async with app.run_test(size=(120, 30)) as pilot:
        await pick(pilot, "tuned")
        await pilot.pause()
        assert app.is_running and app.screen.choice.model == hostile
        shown = screen_words(app)
        assert "Ask OpenAI-compatible · tuned[/]x[@click=app.quit]␛]52;c;eA==␇…" in shown
        assert "aichat-tui — OpenAI-compatible · tuned[/]x[@click=app.quit]␛]52" in shown
        assert "\x1b]52" not in terminal_output(app)


async def test_saving_the_default_never_holds_up_the_screen(emulator, history, tmp_path):
    # The settings file is a FIFO nobody writes to yet: reading it waits, as a slow or hung
    # disk (a network home, a sleeping USB drive) would. The screen must not wait with it.
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    settings = settings_for(emulator)._replace(config_path=fifo)
    released = threading.Event()

    def release() -> None:
        time.sleep(2)
        released.set()
        with open(fifo, "w", encoding="utf-8") as file:
            file.write('[ui]\ntheme = "aichat-light"  # mine\n')

    app = make_app(settings, history=history)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.press("ctrl+g")
        await wait_until(pilot, lambda: app.screen.query_one("#models").option_count > 1,
                         "the model lists")
        await pilot.press(*"kimi")
        threading.Thread(target=release, daemon=True).start()
        await pilot.press("ctrl+d")
        await pilot.press("ctrl+n")
        assert not released.is_set(), "the screen waited for the settings file"
        assert "Ask Qiniu · kimi-k2…" in str(app.screen.query_one(Prompt).placeholder)
        await wait_until(pilot, lambda: any("saved in" in n for n in notifications(app)),
                         "the save", timeout=15)
        assert any("New conversations start with Qiniu · kimi-k2: [chat] provider = qiniu and "
                   "[qiniu] model = kimi-k2 saved in" in n for n in notifications(app))
    text = fifo.read_text()
    assert "# mine" in text
    saved = tomllib.loads(text)
    assert saved["chat"]["provider"] == "qiniu" and saved["qiniu"]["model"] == "kimi-k2"
