"""Tencent's chatbot in the chat window, against the emulator over real sockets: the app given
the registry's `tencent` provider keeps one Tencent session per conversation (the bot
remembers a name), saves each answer like any reply, and refuses a question over 300 bytes
with a message that says the limit, keeping what was typed.

(`[chat] provider = tencent` makes it the provider of new conversations.)
"""

from __future__ import annotations

import os

import pytest

from tests.ui.chat_support import replies, screen_words, wait_for_reply
from tui.domain.conversation import MessageStatus
from tui.settings import load_settings
from tui.ui.app import make_app
from tui.ui.widgets.prompt import Prompt


@pytest.fixture
def app(emulator, history):
    settings = load_settings(env={**os.environ, **emulator.client_env(),
                                  "AICHAT_CHAT_PROVIDER": "tencent"})
    return make_app(settings, history=history)


async def say(pilot, text: str) -> None:
    """Type `text` (as a paste: Chinese punctuation has no key name) and send it."""
    pilot.app.screen.query_one(Prompt).insert(text)
    await pilot.press("enter")
    await wait_for_reply(pilot)


async def test_a_conversation_is_one_tencent_session(app, emulator, history):
    async with app.run_test(size=(100, 30)) as pilot:
        await say(pilot, "我叫小明")
        await say(pilot, "我叫什么？")
        assert [r.copy_text for r in replies(app)][-1] == "你叫小明。"
        assert "Tencent · " in screen_words(app)
        assert all(r.message.status == MessageStatus.COMPLETE for r in replies(app))
        assert emulator.tencent.requests["nlp/nlp_textchat"] == 2
        await pilot.press("ctrl+n")  # a new conversation: a new session, a stranger again
        await say(pilot, "我叫什么？")
        assert "小明" not in replies(app)[-1].copy_text
    [first, second] = sorted(history.list_conversations(), key=lambda c: c.id or 0)
    assert first.session_id and second.session_id and first.session_id != second.session_id
    saved = [m.text for m in history.messages(first.id)]
    assert saved == ["我叫小明", "好的，小明，我记住你的名字了。", "我叫什么？", "你叫小明。"]


async def test_a_question_over_300_bytes_is_refused_before_sending(app, emulator):
    question = "问" * 101  # 303 bytes
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await say(pilot, question)
        shown = screen_words(app)
        assert ("The question is 303 bytes; Tencent's chatbot takes at most 300 bytes (about "
                "100 Chinese characters or 300 English letters). Shorten it and send it again."
                ) in shown
        assert "Tencent · " in shown and "error · Tencent" in shown, "signed by who answered"
        assert app.screen.query_one(Prompt).text == question, "what was typed is kept"
        assert emulator.tencent.requests["nlp/nlp_textchat"] == 0, "nothing was sent"
