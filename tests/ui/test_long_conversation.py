"""A long saved conversation: shown a window of messages at a time, yet every message is
reachable by walking, scrolling, Home/End, a search hit and copying; a reply streamed into it
is followed."""

from __future__ import annotations

from contextlib import asynccontextmanager

import pytest
from textual import events

from tests.ui.chat_support import press_now, screen_words, settings_for, wait_for_reply, wait_until
from tui.domain.conversation import Message, Role
from tui.store import History
from tui.ui.app import make_app
from tui.ui.screens.history import HistoryScreen
from tui.ui.widgets.conversation import (
    MAX_MOUNTED,
    PAGE,
    ConversationView,
    EarlierMessages,
    LaterMessages,
)
from tui.ui.widgets.messages import MessageView
from tui.ui.widgets.prompt import Prompt

COUNT = 40  # questions and answers: 80 messages, many pages


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
    async def open_at(size=(100, 30), at=None):
        app = make_app(settings_for(emulator), history=history)
        async with app.run_test(size=size) as pilot:
            await app.screen.open_conversation(conversation_id, at=at)
            await settle(pilot)
            yield app, pilot, app.screen.query_one(ConversationView)

    return open_at


def everything(long_history) -> list[str]:
    history, conversation_id = long_history
    return [m.text for m in history.messages(conversation_id)]


def shown(app) -> list[str]:
    return [view.copy_text for view in app.screen.query_one(ConversationView).views]


def footer(app) -> str:
    return screen_words(app)[-200:]


def focused_text(app) -> str | None:
    return app.focused.copy_text if isinstance(app.focused, MessageView) else None


async def settle(pilot) -> None:
    """Until the keys pressed have been handled and the window moves they asked for are done
    (what those moves show is laid out later: wait for it with `on_screen` or `focused_on`)."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def on_screen(pilot, text: str) -> None:
    await wait_until(pilot, lambda: text in screen_words(pilot.app), f"{text!r} on screen")


async def focused_on(pilot, text: str) -> None:
    """Until the message `text` has the focus and is on screen (its words are unwrapped: the
    markdown of an answer shows `answer **5**` as `answer 5`)."""
    await wait_until(pilot, lambda: focused_text(pilot.app) == text, f"{text!r} focused")
    await on_screen(pilot, text.replace("**", ""))


async def filled(pilot, view: ConversationView) -> None:
    """Until a window that did not fill the view has been filled (as soon as it is laid out)."""
    await wait_until(pilot, lambda: view.max_scroll_y > 0 or len(view.views) == MAX_MOUNTED,
                     "a window that fills the view")
    await settle(pilot)


async def walked(pilot, key: str) -> str | None:
    """Press `key` and return the text of the message focused after it (None: the prompt)."""
    before = pilot.app.focused
    await pilot.press(key)
    await wait_until(pilot, lambda: pilot.app.focused is not before, f"{key} to move the focus")
    return focused_text(pilot.app)


async def test_opens_at_the_end_with_a_line_for_the_rest(opened, long_history):
    async with opened((100, 30)) as (app, pilot, view):
        await on_screen(pilot, f"question {COUNT - 1}")
        await filled(pilot, view)
        texts = shown(app)
        assert PAGE <= len(texts) <= MAX_MOUNTED
        assert texts == everything(long_history)[-len(texts):]
        assert view.earlier_count == 2 * COUNT - len(texts)
        marker = view.query_one(EarlierMessages)
        assert f"↑ {2 * COUNT - len(texts)} earlier messages" in str(marker.render())
        assert f"answer {COUNT - 1}" in screen_words(app)
        assert view.scroll_y == view.max_scroll_y


async def test_walking_up_then_down_reaches_every_message_in_order(opened, long_history):
    steps = 6 * PAGE  # across several pages each way
    async with opened((100, 30)) as (app, pilot, view):
        view.views[-1].focus()
        await pilot.pause()
        seen = [focused_text(app)]
        for _ in range(steps):
            seen.append(await walked(pilot, "up"))
            assert len(view.views) <= MAX_MOUNTED, "a window, not the whole conversation"
        assert seen == everything(long_history)[::-1][:steps + 1]
        await focused_on(pilot, seen[-1])
        for _ in range(steps):
            seen.append(await walked(pilot, "down"))
            assert len(view.views) <= MAX_MOUNTED
        assert seen[steps:] == everything(long_history)[-steps - 1:]
        await focused_on(pilot, seen[-1])
        await walked(pilot, "down")
        assert isinstance(app.focused, Prompt), "past the last message: the prompt"


async def test_home_reaches_the_first_message_at_once_and_end_the_last(opened, long_history):
    async with opened((80, 24)) as (app, pilot, view):
        view.views[-1].focus()
        await pilot.press("home")
        await focused_on(pilot, "question 0")
        assert view.earlier_count == 0 and not view.query(EarlierMessages)
        assert len(view.views) <= MAX_MOUNTED
        assert view.query_one(LaterMessages).display
        await pilot.press("end")
        await focused_on(pilot, f"answer **{COUNT - 1}**")
        assert view.later_count == 0 and not view.query(LaterMessages)


async def test_paging_up_and_down_shows_every_message_keeping_a_window(opened, long_history):
    async with opened((100, 30)) as (app, pilot, view):
        seen = set(shown(app))
        for _ in range(4 * COUNT):
            if not view.earlier_count and view.scroll_y == 0:
                break
            await pilot.press("pageup")
            await settle(pilot)
            seen |= set(shown(app))
            assert len(view.views) <= MAX_MOUNTED
        assert seen == set(everything(long_history))
        assert shown(app)[0] == "question 0"
        await on_screen(pilot, "question 0")
        for _ in range(4 * COUNT):
            if not view.later_count and view.scroll_y == view.max_scroll_y:
                break
            await pilot.press("pagedown")
            await settle(pilot)
            assert len(view.views) <= MAX_MOUNTED
        assert shown(app)[-1] == everything(long_history)[-1]
        assert view.is_anchored, "at the end again, it follows the conversation"


async def test_the_wheel_at_the_top_shows_the_page_above(opened, long_history):
    async with opened((100, 30)) as (app, pilot, view):
        before = view.earlier_count
        view.scroll_home(animate=False, immediate=True)
        await settle(pilot)
        for _ in range(3):  # as a terminal reports the wheel, over a message
            message = view.views[0]
            message.post_message(events.MouseScrollUp(message, 1, 1, 0, -1, 0, False, False, False))
            await settle(pilot)
        assert view.earlier_count < before - PAGE


async def test_paging_up_away_from_a_focused_message_is_not_held_back_by_it(opened, long_history):
    async with opened((100, 30)) as (app, pilot, view):
        view.views[-1].focus()
        await pilot.pause()
        before = view.earlier_count
        for _ in range(6 * PAGE):
            if view.earlier_count <= before - 2 * PAGE:
                break
            await pilot.press("pageup")
            await settle(pilot)
            assert len(view.views) <= MAX_MOUNTED
        assert view.earlier_count <= before - 2 * PAGE, "the window moved on up, two pages"


async def test_the_next_question_continues_a_long_conversation(opened, long_history):
    async with opened((100, 30)) as (app, pilot, view):
        assert app.screen.last_question.text == f"question {COUNT - 1}"
        assert app.screen.session_id == "s-long"


async def test_copying_a_message_from_far_above_copies_it_whole(opened, long_history):
    async with opened((100, 30)) as (app, pilot, view):
        view.views[-1].focus()
        await pilot.press("home")
        await focused_on(pilot, "question 0")
        await walked(pilot, "down")
        await walked(pilot, "down")
        copied: list[str] = []
        app.copy_to_clipboard = copied.append
        await pilot.press("c")
        assert copied == ["question 1"]


async def test_a_message_can_be_opened_at_focused_and_on_screen(opened, long_history):
    history, conversation_id = long_history
    target = history.messages(conversation_id)[11]
    async with opened((80, 24), at=target.id) as (app, pilot, view):
        await focused_on(pilot, "answer **5**")
        assert view.earlier_count and view.later_count
        assert len(view.views) <= MAX_MOUNTED


async def test_a_search_hit_opens_the_conversation_at_the_hit(emulator, long_history):
    history, _ = long_history
    app = make_app(settings_for(emulator), history=history)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("ctrl+o")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryScreen), "the history")
        await pilot.press("slash", *"question 12")
        await wait_until(pilot, lambda: not app.screen.search_pending, "the hits")
        await pilot.press("enter")  # to the hits (before they are there, Enter stays put)
        await pilot.press("enter")  # the only hit
        await wait_until(pilot, lambda: not isinstance(app.screen, HistoryScreen), "the chat")
        await focused_on(pilot, "question 12")


async def test_a_reply_in_a_long_conversation_is_followed_from_far_above(opened, long_history):
    async with opened((80, 24)) as (app, pilot, view):
        view.views[-1].focus()
        await pilot.press("home")
        await focused_on(pilot, "question 0")
        app.screen.query_one(Prompt).focus()
        app.screen.query_one(Prompt).text = "#bench chars=6000 events=60 rate=30"
        await pilot.press("enter")
        await wait_until(pilot, lambda: view.max_scroll_y > 10, "a reply taller than the view")
        assert view.later_count == 0, "asking jumps to the end"
        assert view.scroll_y == view.max_scroll_y, "following the reply"
        assert len(view.views) <= MAX_MOUNTED
        press_now(pilot, "pageup")
        await wait_until(pilot, lambda: view.scroll_y < view.max_scroll_y, "scrolled up")
        while view.scroll_y < view.max_scroll_y:
            await pilot.press("pagedown")
        await wait_for_reply(pilot)
        assert view.scroll_y == view.max_scroll_y, "back at the bottom, it followed again"
        assert shown(app)[-1] == everything(long_history)[-1]


async def test_a_followed_reply_taller_than_the_screen_is_all_that_stays_mounted(
        opened, long_history):
    # The messages above it would be laid out again at every frame of the stream.
    question = "#bench chars=6000 events=60 rate=30"
    async with opened((80, 24)) as (app, pilot, view):
        app.screen.query_one(Prompt).text = question
        await pilot.press("enter")
        await wait_until(pilot, lambda: shown(app)[0] == question, "the messages above let go")
        assert len(view.views) == 2 and view.earlier_count == 2 * COUNT
        await wait_for_reply(pilot)
        assert view.scroll_y == view.max_scroll_y, "still following"
        for _ in range(20):  # the user scrolls back up: the earlier messages come back
            if f"answer {COUNT - 1}" in screen_words(app):
                break
            await pilot.press("pageup")
            await settle(pilot)
        assert f"answer {COUNT - 1}" in screen_words(app)
        assert len(view.views) <= MAX_MOUNTED


async def test_home_while_a_reply_streams_keeps_the_reply_going(opened, long_history):
    async with opened((80, 24)) as (app, pilot, view):
        app.screen.query_one(Prompt).text = "#slow please"
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.replying, "the reply to start")
        view.views[0].focus()
        await pilot.press("home")
        await focused_on(pilot, "question 0")
        assert view.later_count > 0 and app.screen.replying
        await wait_for_reply(pilot)
        await pilot.press("end")
        await on_screen(pilot, "● done")
        await filled(pilot, view)
        reply = everything(long_history)[-1]
        assert len(reply) > 100 and shown(app)[-1] == reply, "the whole reply, streamed while away"


async def test_esc_on_a_message_says_it_goes_to_the_prompt_and_does(opened, long_history):
    async with opened((100, 30)) as (app, pilot, view):
        view.views[-1].focus()
        await wait_until(pilot, lambda: "esc Prompt" in footer(app), "the message's keys")
        assert "esc Cancel" not in footer(app)
        await pilot.press("escape")
        assert isinstance(app.focused, Prompt)


async def test_esc_on_a_message_while_a_reply_streams_stops_the_reply(opened, long_history):
    async with opened((100, 30)) as (app, pilot, view):
        app.screen.query_one(Prompt).text = "#slow please"
        await pilot.press("enter")
        await wait_until(pilot, lambda: app.screen.replying, "the reply to start")
        view.views[0].focus()
        await wait_until(pilot, lambda: "esc Cancel" in footer(app), "the message's keys")
        await pilot.press("escape")
        await wait_for_reply(pilot)
        assert "cancelled" in screen_words(app)


async def test_f3_and_f4_copy_the_conversations_last_reply_from_far_above(opened, long_history):
    history, conversation_id = long_history
    history.add_message(conversation_id, Message(Role.USER, "and in code?", 2000.0))
    history.add_message(conversation_id, Message(
        Role.ASSISTANT, "Like this:\n\n```python\nprint('the end')\n```\n\nDone.", 2000.5))
    async with opened((100, 30)) as (app, pilot, view):
        view.views[-1].focus()
        await pilot.press("home")
        await focused_on(pilot, "question 0")
        await pilot.press("escape")  # to the prompt, the window still at the top
        assert not view.shows_last and "Done" not in screen_words(app)
        copied: list[str] = []
        app.copy_to_clipboard = copied.append
        await pilot.press("f3", "f4")
        assert copied == ["Like this:\n\n```python\nprint('the end')\n```\n\nDone.",
                          "print('the end')"]
