"""What the chat lets go of: the widgets of messages no longer shown, and what they drew.

A message widget's rendered lines (Textual's StylesCache of it: Strips, Segments, styles) are
the bulk of its memory. Held by anything after the widget is gone, they piled up with every
question, stayed after ctrl+n, and (walked by every collection) made a reply streaming below
them cost more. Checked with weak references after a collection: no timing, no sizes.
"""

from __future__ import annotations

import gc
import weakref

from textual.widget import Widget

from tests.ui.chat_support import send, wait_for_reply, wait_until
from tui.domain.conversation import Message, Role
from tui.ui.widgets.conversation import (
    MAX_MOUNTED,
    ConversationView,
    EarlierMessages,
    LaterMessages,
)
from tui.ui.widgets.messages import MessageView
from tui.ui.widgets.prompt import Prompt


def drawn(views: list[MessageView]) -> list[weakref.ref]:
    """Weak references to the views, every widget inside them, and each one's rendered lines."""
    widgets: list[Widget] = [w for view in views for w in view.walk_children(with_self=True)]
    assert any(w._styles_cache._cache for w in widgets), "nothing was drawn"
    return ([weakref.ref(w) for w in widgets]
            + [weakref.ref(w._styles_cache) for w in widgets])


def markers(view: ConversationView) -> list[weakref.ref]:
    """Weak references to the lines standing for the messages beyond the window."""
    lines = [*view.query(EarlierMessages), *view.query(LaterMessages)]
    assert lines, "no line for the messages beyond the window"
    return [weakref.ref(line) for line in lines] + [weakref.ref(line._styles_cache)
                                                  for line in lines]


def alive(refs: list[weakref.ref]) -> list[object]:
    gc.collect()
    return [thing for ref in refs if (thing := ref()) is not None]


async def test_after_ctrl_n_nothing_the_old_conversation_drew_stays_alive(app):
    async with app.run_test(size=(80, 24)) as pilot:
        for n in range(2):
            await send(pilot, f"#markdown {n}")
            await wait_for_reply(pilot)
        old = drawn(list(app.screen.query(MessageView)))

        await pilot.press("ctrl+n")
        await pilot.pause()

        assert not app.screen.query(MessageView)
        assert alive(old) == []


async def test_messages_let_go_by_a_long_session_leave_nothing_behind(app):
    async with app.run_test(size=(80, 24)) as pilot:
        await send(pilot, "#markdown first")
        await wait_for_reply(pilot)
        first = drawn(list(app.screen.query(MessageView)))

        # Enough questions that the window lets the first exchange go.
        for n in range(MAX_MOUNTED // 2):
            await send(pilot, f"#markdown {n}")
            await wait_for_reply(pilot)

        assert alive(first) == []


async def test_a_long_conversation_whose_window_moved_leaves_nothing_after_ctrl_n(app, history):
    conversation = history.create_conversation("a long chat", session_id="s-long")
    for n in range(40):
        history.add_message(conversation.id, Message(Role.USER, f"question {n}", 1000.0 + n))
        history.add_message(conversation.id, Message(Role.ASSISTANT, f"answer {n}", 1000.5 + n))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.screen.open_conversation(conversation.id)
        view = app.screen.query_one(ConversationView)
        await wait_until(pilot, lambda: bool(view.query(EarlierMessages)), "the earlier line")
        await app.workers.wait_for_complete()
        await pilot.pause()
        old = drawn(view.views) + markers(view)

        # Home moves the window to the first page: the line for the later messages appears.
        view.views[-1].focus()
        await pilot.press("home")
        await wait_until(pilot, lambda: bool(view.query(LaterMessages)), "the later line")
        await app.workers.wait_for_complete()
        await pilot.pause()
        old += drawn(view.views) + markers(view)

        await pilot.press("ctrl+n")
        await pilot.pause()

        assert not view.children
        assert alive(old) == []


async def test_messages_let_go_above_a_streaming_reply_leave_nothing_behind_while_it_streams(
        app, history):
    # Every collection of the garbage collector walks what stays alive: kept until the reply
    # ended, the messages let go above it made each frame of the stream cost more.
    conversation = history.create_conversation("a saved chat")
    for n in range(2 * MAX_MOUNTED):
        history.add_message(conversation.id, Message(Role.USER, f"question {n}", 1000.0 + n))
        history.add_message(conversation.id, Message(
            Role.ASSISTANT, f"answer {n}:\n\n* one\n* **two**\n\n```python\nx = {n}\n```",
            1000.5 + n))
    async with app.run_test(size=(80, 24)) as pilot:
        await app.screen.open_conversation(conversation.id)
        await pilot.pause()
        view = app.screen.query_one(ConversationView)
        above = drawn(view.views)
        opened = [weakref.ref(shown) for shown in view.views]

        app.screen.query_one(Prompt).text = "#bench chars=20000 events=400 rate=50"
        await pilot.press("enter")
        await wait_until(pilot, lambda: not any(ref() in view.views for ref in opened),
                         "the messages above the reply let go")

        assert app.screen.replying, "the reply is still streaming"
        assert alive(above) == []
        await pilot.press("escape")
        await wait_for_reply(pilot)
