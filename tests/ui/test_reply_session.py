"""A reply's life without any widget: the Tongyi provider against the emulator over real
sockets, a real SQLite history, and a view that records what it is told."""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator

import pytest

from tests.ui.chat_support import settings_for
from tui.backends import registry
from tui.backends.aliyun import TongyiProvider
from tui.domain.conversation import Message, MessageStatus, Role
from tui.domain.errors import ServiceError, StreamInterrupted
from tui.domain.events import (
    ClarifyOptions,
    ContextTrimmed,
    ReasoningChanged,
    ReplyEvent,
    ReplyFinished,
    TextChanged,
)
from tui.domain.providers import ChatProvider, ChatRequest, Turn
from tui.domain.reply import Edit
from tui.emulator.aliyun.scenarios import (
    ANSI_REPLY,
    CLARIFY,
    DISCONNECT_PARTIAL,
    FAIL_MESSAGE,
    FAIL_PARTIAL,
    MARKDOWN_REPLY,
    SLOW_REPLY,
)
from tui.emulator.openai_chat.scenarios import LENGTH_PARTIAL
from tui.settings import load_settings
from tui.store import History, reply_error, reply_extras
from tui.store.meta import reply_finish_reason, reply_reasoning
from tui.ui.reply_session import ReplyOutcome, ReplySession, ReplyView


class Recorded(ReplyView):
    """Everything a session tells its view, in order."""

    def __init__(self) -> None:
        self.shown = ""
        self.first_text_after: float | None = None
        self.thinking = ""
        self.trimmed: list[tuple[int, int]] = []
        self.not_saved: list[str] = []
        self.outcome: ReplyOutcome | None = None
        self.text_changes = 0

    def streaming(self, first_text_after: float) -> None:
        assert self.first_text_after is None, "told once"
        self.first_text_after = first_text_after

    def text_changed(self, edit: Edit, text: str) -> None:
        self.shown = self.shown[: edit.keep] + edit.insert
        assert self.shown == text  # the edits rebuild the text
        self.text_changes += 1

    def reasoning_changed(self, edit: Edit, text: str) -> None:
        self.thinking = text

    def context_trimmed(self, sent: int, omitted: int) -> None:
        self.trimmed.append((sent, omitted))

    def progress_not_saved(self, message: str) -> None:
        self.not_saved.append(message)

    async def ended(self, outcome: ReplyOutcome) -> None:
        assert self.outcome is None, "told once"
        self.outcome = outcome


class Asked:
    """A question saved in a conversation with its empty reply, as the chat screen saves them."""

    def __init__(self, history: History, question: str, conversation_id: int | None = None):
        if conversation_id is None:
            conversation_id = history.create_conversation(question).id
        assert conversation_id is not None
        self.history = history
        self.conversation_id = conversation_id
        self.question = history.add_message(conversation_id, Message(Role.USER, question, 0.0))
        self.reply = history.add_message(conversation_id, Message(
            Role.ASSISTANT, "", 0.0, MessageStatus.STREAMING))

    def session(self, provider, session_id: str | None = None, **options) -> ReplySession:
        return ReplySession(self.history, provider, question=self.question, reply=self.reply,
                            session_id=session_id, secrets=(), log_path=options.pop(
                                "log_path", "aichat.log"), **options)

    def saved(self) -> Message:
        return self.history.messages(self.conversation_id)[-1]


@pytest.fixture
async def tongyi(emulator) -> AsyncIterator[TongyiProvider]:
    provider = TongyiProvider(settings_for(emulator).tongyi)
    yield provider
    await provider.aclose()


async def test_a_complete_reply_is_shown_saved_and_its_session_kept(history, tongyi):
    asked = Asked(history, "#markdown please")
    view = Recorded()

    outcome = await asked.session(tongyi).run(view)

    assert outcome.status is MessageStatus.COMPLETE and outcome.error is None
    assert outcome.text == outcome.shown == view.shown == MARKDOWN_REPLY
    assert view.outcome == outcome and view.first_text_after is not None
    saved = asked.saved()
    assert (saved.text, saved.status) == (MARKDOWN_REPLY, MessageStatus.COMPLETE)
    session_id = history.get_conversation(asked.conversation_id).session_id
    assert session_id  # the next question continues the service's conversation


async def test_the_next_question_goes_with_the_session_and_the_earlier_turns(history, tongyi):
    first = Asked(history, "#markdown please")
    session = first.session(tongyi)
    await session.run(Recorded())
    second = Asked(history, "and in Rust?", first.conversation_id)
    sent: list[ChatRequest] = []

    class Witness:  # the real provider; the request it was given is written down
        name = "tongyi"

        def stream_reply(self, request: ChatRequest) -> AsyncIterator[ReplyEvent]:
            sent.append(request)
            return tongyi.stream_reply(request)

    outcome = await second.session(Witness(), session.session_id).run(Recorded())

    assert outcome.status is MessageStatus.COMPLETE
    [request] = sent
    assert request.utterance == "and in Rust?"
    assert request.session_id == session.session_id
    assert request.history == (Turn("user", "#markdown please"),
                               Turn("assistant", MARKDOWN_REPLY))


@pytest.fixture
async def qiniu(emulator) -> AsyncIterator[ChatProvider]:
    """Qiniu's OpenAI-compatible chat, with room for 30 characters of earlier turns."""
    settings = load_settings(env={**os.environ, **emulator.client_env(),
                                  "AICHAT_CHAT_CONTEXT_CHARS": "30"})
    provider = registry.build(settings, "qiniu")
    yield provider
    await provider.aclose()


async def test_the_provider_keeps_the_newest_turns_that_fit_and_says_how_many_it_left_out(
        history, qiniu):
    first = Asked(history, "one")
    history.update_message(first.reply.id, text="x" * 50, status=MessageStatus.COMPLETE)
    second = Asked(history, "two", first.conversation_id)
    history.update_message(second.reply.id, text="y" * 20, status=MessageStatus.COMPLETE)
    third = Asked(history, "#context three", first.conversation_id)
    session = third.session(qiniu, model="deepseek-v3")
    assert session.request().history == (  # the whole conversation; the provider trims
        Turn("user", "one"), Turn("assistant", "x" * 50), Turn("user", "two"),
        Turn("assistant", "y" * 20))
    view = Recorded()

    outcome = await session.run(view)

    # The emulator lists what it received: the two newest turns, and not the older two.
    assert outcome.text.startswith("I received 2 earlier messages.")
    assert "- user: 3 characters\n- assistant: 20 characters" in outcome.text
    assert view.trimmed == [(2, 2)]


async def test_a_reasoning_reply_is_saved_with_its_thinking_model_and_provider(history, qiniu):
    asked = Asked(history, "why is the sky blue?")
    view = Recorded()

    outcome = await asked.session(qiniu, model="deepseek-r1").run(view)

    assert outcome.status is MessageStatus.COMPLETE and outcome.thinking == view.thinking
    assert view.thinking and view.thinking not in outcome.text  # thinking is not the answer
    saved = asked.saved()
    assert reply_reasoning(saved.meta) == view.thinking
    assert saved.text == outcome.text


async def test_a_reply_cut_at_the_length_limit_says_so_and_keeps_it(history, qiniu):
    asked = Asked(history, "#length please")
    outcome = await asked.session(qiniu, model="deepseek-v3").run(Recorded())
    assert outcome.finish_reason == "length" and outcome.text == LENGTH_PARTIAL
    assert reply_finish_reason(asked.saved().meta) == "length"


async def test_clarify_options_come_with_the_end_and_are_saved(history, tongyi):
    asked = Asked(history, "#clarify me")
    outcome = await asked.session(tongyi).run(Recorded())
    [clarify] = outcome.extras
    assert isinstance(clarify, ClarifyOptions) and clarify.options == CLARIFY.options
    assert reply_extras(asked.saved().meta) == outcome.extras


async def test_cancelling_saves_what_arrived_as_cancelled(history, tongyi):
    asked = Asked(history, "#slow please")
    view = Recorded()
    task = asyncio.create_task(asked.session(tongyi).run(view))
    while len(view.shown.split()) < 3:
        await asyncio.sleep(0.02)

    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert view.outcome is not None and view.outcome.status is MessageStatus.CANCELLED
    saved = asked.saved()
    assert (saved.text, saved.status) == (view.shown, MessageStatus.CANCELLED)
    assert SLOW_REPLY.startswith(saved.text)  # all that was shown, not a second behind


@pytest.mark.parametrize(("question", "partial", "status", "error"), [
    ("#fail now", FAIL_PARTIAL, MessageStatus.FAILED, ServiceError),
    ("#disconnect now", DISCONNECT_PARTIAL, MessageStatus.INTERRUPTED, StreamInterrupted),
])
async def test_a_failed_reply_keeps_its_partial_text_and_says_why(history, tongyi, question,
                                                                  partial, status, error):
    asked = Asked(history, question)
    view = Recorded()

    outcome = await asked.session(tongyi).run(view)

    assert outcome.status is status and isinstance(outcome.error, error)
    assert outcome.text == view.shown == partial
    saved = asked.saved()
    assert (saved.text, saved.status) == (partial, status)
    assert reply_error(saved.meta) == outcome.error_text
    if error is ServiceError:
        assert FAIL_MESSAGE in outcome.error_text


async def test_control_characters_reach_the_view_inert_and_the_history_exact(history, tongyi):
    asked = Asked(history, "#ansi please")
    view = Recorded()
    outcome = await asked.session(tongyi).run(view)
    assert "\x1b" not in view.shown and "␛" in view.shown
    assert asked.saved().text == outcome.text == ANSI_REPLY


async def test_a_failing_history_is_told_once_and_the_reply_streams_on(history, tongyi):
    asked = Asked(history, "#slow please")
    view = Recorded()
    task = asyncio.create_task(asked.session(tongyi).run(view))
    while not view.shown:
        await asyncio.sleep(0.02)
    history._conn.execute("PRAGMA query_only = 1")  # SQLite refuses writes, as on a read-only file
    try:
        words = len(view.shown.split())
        while len(view.shown.split()) < words + 8:  # 1.6 s: past the next save, and on
            await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        history._conn.execute("PRAGMA query_only = 0")

    assert len(view.not_saved) == 1 and "read-only" in view.not_saved[0]
    assert view.outcome is not None and "read-only" in (view.outcome.not_saved or "")


async def test_reasoning_and_trimmed_context_reach_their_hooks(history):
    asked = Asked(history, "why?")

    class Thinking:  # a reasoning model's events, scripted
        name = "scripted"

        async def stream_reply(self, request: ChatRequest) -> AsyncIterator[ReplyEvent]:
            yield ContextTrimmed(sent=0, omitted=3)
            yield ReasoningChanged(Edit(0, "Hmm\x1b", 0), "Hmm\x1b")
            yield TextChanged(Edit(0, "Because.", 0), "Because.")
            yield ReplyFinished("Because.", None, None, reasoning="Hmm\x1b")

    view = Recorded()
    outcome = await asked.session(Thinking()).run(view)

    assert view.trimmed == [(0, 3)]
    assert view.thinking == "Hmm␛"  # inert like the reply
    assert outcome.status is MessageStatus.COMPLETE and view.shown == "Because."
    assert asked.saved().text == "Because."


async def test_a_bug_in_a_provider_becomes_a_failed_reply_pointing_at_the_log(history, tmp_path):
    asked = Asked(history, "hello")

    class Broken:
        name = "broken"

        async def stream_reply(self, request: ChatRequest) -> AsyncIterator[ReplyEvent]:
            yield TextChanged(Edit(0, "Half", 0), "Half")
            raise KeyError("oops")

    outcome = await asked.session(Broken(), log_path=tmp_path / "aichat.log").run(Recorded())

    assert outcome.status is MessageStatus.FAILED and outcome.text == "Half"
    assert "KeyError" in outcome.error_text and str(tmp_path / "aichat.log") in outcome.error_text
    assert asked.saved().status is MessageStatus.FAILED
