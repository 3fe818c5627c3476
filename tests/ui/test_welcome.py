"""The welcome in an empty conversation: what this is, the keys, recent conversations, and in
the demo the scenarios to try; gone once chatting starts."""

from __future__ import annotations

import pytest

from tests.ui.chat_support import replies, screen_words, settings_for, wait_for_reply, wait_until
from tui.domain.conversation import Message, MessageStatus, Role
from tui.emulator.aliyun.scenarios import MARKDOWN_REPLY
from tui.settings import load_settings
from tui.store import History
from tui.ui.app import make_app
from tui.ui.widgets.prompt import Prompt
from tui.ui.widgets.welcome import DEMO_TRIES, Welcome

NOON = 1704196800.0  # 2024-01-02 12:00 UTC


def _conversation(history: History, title: str, question: str) -> int:
    conversation = history.create_conversation(title)
    history.add_message(conversation.id, Message(Role.USER, question, NOON))
    history.add_message(conversation.id, Message(Role.ASSISTANT, f"About {title}.", NOON,
                                                 MessageStatus.COMPLETE))
    return conversation.id


def _welcome_shown(app) -> bool:
    return app.screen.query_one(Welcome).display


async def test_the_welcome_says_what_this_is_the_keys_and_opens_a_recent_conversation(
        emulator, history):
    _conversation(history, "Trip to Hangzhou", "What to see in Hangzhou?")
    _conversation(history, "Python files", "How do I read a file?")
    app = make_app(settings_for(emulator), history=history)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_until(pilot, lambda: "Python files" in screen_words(app), "the conversations")
        shown = screen_words(app)
        assert "chat with Tongyi in the terminal" in shown
        assert "Enter send · ctrl+j new line · ctrl+↑ past questions" in shown
        assert "Try the demo" not in shown  # not the demo
        # Newest first: ↑ from the empty prompt reaches the list, Enter opens the highlighted.
        assert shown.index("Python files") < shown.index("Trip to Hangzhou")
        await pilot.press("up", "down", "enter")
        await wait_until(pilot, lambda: "What to see in Hangzhou?" in screen_words(app),
                         "the conversation opened")
        assert not _welcome_shown(app)
        assert app.focused is app.screen.query_one(Prompt)


async def test_in_the_demo_a_number_sends_a_scenario_and_the_welcome_goes(emulator, history):
    app = make_app(settings_for(emulator)._replace(demo=True), history=history)
    async with app.run_test(size=(80, 24)) as pilot:
        shown = screen_words(app)
        for keyword in ("#markdown", "#slow", "#clarify", "#fail", "#human"):
            assert keyword in shown
        assert "None yet: your first question starts one." in shown
        await pilot.press("1")
        await wait_for_reply(pilot)
        assert replies(app)[0].copy_text == MARKDOWN_REPLY
        assert not _welcome_shown(app)
        assert "Try the demo" not in screen_words(app)
        await pilot.press("ctrl+n")  # a new conversation welcomes again, listing this one
        await wait_until(pilot, lambda: DEMO_TRIES[0].question in screen_words(app),
                         "the welcome again")
        assert _welcome_shown(app)


@pytest.fixture(autouse=True)
def steady_environment(monkeypatch, utc_clock):
    monkeypatch.setenv("AICHAT_TUI_CONFIG", "/home/you/.config/aichat-tui/config.toml")


@pytest.fixture
def snapshot_history(tmp_path):
    history = History.open(tmp_path / "history.sqlite3", clock=lambda: NOON)
    _conversation(history, "Trip to Hangzhou", "What to see in Hangzhou?")
    _conversation(history, "Reading files in Python", "How do I read a file?")
    yield history
    history.close()


async def _steady(pilot) -> None:
    pilot.app.screen.query_one(Prompt).cursor_blink = False
    await wait_until(pilot, lambda: pilot.app.screen.query_one(Prompt).questions_loaded,
                     "the history read")


def test_snapshot_the_welcome(snap_compare, snapshot_history):
    app = make_app(load_settings(), history=snapshot_history, clock=lambda: NOON + 120)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_steady)


def test_snapshot_the_welcome_in_the_demo(snap_compare, snapshot_history):
    app = make_app(load_settings()._replace(demo=True), history=snapshot_history,
                   clock=lambda: NOON + 120)
    assert snap_compare(app, terminal_size=(80, 24), run_before=_steady)
