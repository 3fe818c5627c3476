"""A long saved conversation opens at its end at once; earlier messages come when asked for."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest

from tests.ui.chat_support import screen_words, settings_for, wait_until
from tui.domain.conversation import Message, Role
from tui.store import History
from tui.ui.app import make_app
from tui.ui.widgets.conversation import PAGE, ConversationView, EarlierMessages
from tui.ui.widgets.messages import MessageView

COUNT = 40  # questions and answers: 80 messages, several pages


@pytest.fixture
def long_history(tmp_path):
    with History.open(tmp_path / "history.sqlite3") as history:
        conversation = history.create_conversation("a long chat", session_id="s-long")
        for n in range(COUNT):
            history.add_message(conversation.id, Message(Role.USER, f"question {n}", 1000.0 + n))
            history.add_message(conversation.id,
                                Message(Role.ASSISTANT, f"answer **{n}**", 1000.5 + n))
        yield history, conversation.id


@pytest.fixture
def opened(emulator, long_history):
    """Open the long conversation in the app at `size`; yields (app, pilot, view)."""
    history, conversation_id = long_history

    @asynccontextmanager
    async def open_at(size=(100, 30)):
        app = make_app(settings_for(emulator), history=history)
        async with app.run_test(size=size) as pilot:
            await app.screen.open_conversation(conversation_id)
            await pilot.pause()
            yield app, pilot, app.screen.query_one(ConversationView)

    return open_at


def everything(long_history) -> list[str]:
    history, conversation_id = long_history
    return [m.text for m in history.messages(conversation_id)]


def shown(app) -> list[str]:
    return [view.copy_text for view in app.screen.query_one(ConversationView).views]


async def test_only_the_latest_page_is_mounted_with_a_line_for_the_rest(opened, long_history):
    async with opened((100, 30)) as (app, pilot, view):
        assert shown(app) == everything(long_history)[-PAGE:]
        assert view.earlier_count == 2 * COUNT - PAGE
        marker = view.query_one(EarlierMessages)
        assert f"↑ {2 * COUNT - PAGE} earlier messages" in str(marker.render())
        assert f"question {COUNT - 1}" in screen_words(app)


async def test_walking_up_past_the_oldest_shown_loads_the_page_above(opened, long_history):
    async with opened((100, 30)) as (app, pilot, view):
        view.views[0].focus()
        await pilot.press("up")
        await wait_until(pilot, lambda: len(shown(app)) >= 2 * PAGE, "the page above")
        assert shown(app) == everything(long_history)[-len(shown(app)):], "a gapless end"
        assert isinstance(app.focused, MessageView)
        assert app.focused.copy_text == everything(long_history)[-PAGE - 1], "the message just above"


async def test_pressing_home_again_and_again_reaches_the_first_message(opened, long_history):
    async with opened((100, 30)) as (app, pilot, view):
        view.views[-1].focus()
        for _ in range(2 * COUNT // PAGE + 2):
            await pilot.press("home")
            await app.workers.wait_for_complete()
            await pilot.pause()
        assert view.earlier_count == 0 and not view.query(EarlierMessages)
        assert app.focused.copy_text == "question 0"
        assert shown(app) == everything(long_history)


async def test_scrolling_to_the_top_shows_earlier_pages(opened, long_history):
    async with opened((100, 30)) as (app, pilot, view):
        while view.earlier_count:
            if len(view.views) > PAGE:  # the page above settles, the older message kept in view
                await wait_until(pilot, lambda: view.scroll_y > 0, "the view kept in place")
            before = len(view.views)
            view.scroll_home(animate=False, immediate=True)
            await wait_until(pilot, lambda before=before: len(view.views) > before, "a page from scrolling")
        assert shown(app) == everything(long_history)


async def test_the_next_question_continues_a_long_conversation(opened, long_history):
    async with opened((100, 30)) as (app, pilot, view):
        assert app.screen.last_question.text == f"question {COUNT - 1}"
        assert app.screen.session_id == "s-long"


async def test_the_message_focused_from_an_earlier_page_is_on_screen(opened, long_history):
    async with opened((80, 24)) as (app, pilot, view):
        view.views[0].focus()
        for _ in range(3):
            await pilot.press("home")
            await app.workers.wait_for_complete()
            await pilot.pause()
            focused = app.focused
            assert view.region.contains_region(focused.region) or \
                focused.region.y >= view.region.y, "the focused message is in view"
            assert focused.copy_text in screen_words(app)
