"""One reply's life, from a saved question to the reply's saved end.

A `ReplySession` asks the provider (one `ChatRequest`: the service's session id, the earlier
turns, the model and web search, so every kind of provider gets what it needs; a provider that
is sent the turns keeps those that fit its budget and says so with `ContextTrimmed`), shows the
reply (and a reasoning model's thinking) as it streams,
saves it as it grows (`ReplyRecorder`), and ends it complete, cancelled, interrupted or failed,
saving that end before it is shown. It is not a widget: the chat screen shows a reply through
a `ReplyView`, and tests drive a session with a view of their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NamedTuple

from tui.domain.conversation import Message, MessageStatus
from tui.domain.errors import AichatError, StreamInterrupted
from tui.domain.events import (
    ContextTrimmed,
    Extra,
    ReasoningChanged,
    ReplyEvent,
    ReplyFinished,
    TextChanged,
)
from tui.domain.inert_text import InertReply
from tui.domain.providers import ChatProvider, ChatRequest
from tui.domain.reply import Edit
from tui.store import History, ReplyRecorder, reply_meta
from tui.ui.shown_errors import shown, unexpected


class ReplyOutcome(NamedTuple):
    """How a reply ended; all of it is saved by the time a view hears of it."""

    status: MessageStatus
    text: str  # as the service sent it: what the history keeps
    shown: str  # as it is shown (control characters made visible)
    extras: tuple[Extra, ...] = ()
    error: AichatError | None = None  # why it did not complete (None: complete or cancelled)
    # What the user reads (and the history keeps) of `error`: its secrets removed.
    error_text: str | None = None
    not_saved: str | None = None  # why its end could not be saved, secrets removed
    thinking: str = ""  # a reasoning model's thinking, as shown
    finish_reason: str | None = None  # as the service gave it ("length": cut at the limit)


class ReplyView:
    """What a reply session tells whoever shows the reply. Every hook does nothing unless
    overridden, so a view implements what it shows, and a new kind of reply event is one more
    hook. Text given to the hooks is already inert (control characters made visible)."""

    def streaming(self, first_text_after: float) -> None:
        """The reply's first text arrived, `first_text_after` seconds after asking."""

    def text_changed(self, edit: Edit, text: str) -> None:
        """The reply so far is `text`; `edit` is what changed."""

    def reasoning_changed(self, edit: Edit, text: str) -> None:
        """A reasoning model's thinking so far is `text` (never part of the reply)."""

    def context_trimmed(self, sent: int, omitted: int) -> None:
        """`omitted` older turns did not fit in what was sent with the question."""

    def progress_not_saved(self, message: str) -> None:
        """Saving the growing reply failed, as `message` says (told once a reply); the reply
        streams on, and saving is tried again."""

    async def ended(self, outcome: ReplyOutcome) -> None:
        """The reply ended, and its end is saved (or `outcome.not_saved` says why not)."""


class ReplySession:
    """Streams the reply to one saved question into its saved (still empty) reply message."""

    def __init__(self, history: History, provider: ChatProvider, *, question: Message,
                 reply: Message, session_id: str | None, secrets: Iterable[str],
                 log_path: Path, model: str | None = None, search: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:
        assert question.id is not None and reply.id is not None and reply.conversation_id
        self._history = history
        self._provider = provider
        self._question = question
        self._conversation_id = reply.conversation_id
        self._recorder = ReplyRecorder(history, reply.id, clock=clock)
        self._secrets = tuple(secrets)
        self._log_path = log_path
        self._reply_id = reply.id
        self._model = model  # what was asked for; the service may name it more precisely
        self._search = search
        self._clock = clock
        self.session_id = session_id  # the service's session: the next question continues it
        # The latest edits of the reply and of a reasoning model's thinking: their whole text
        # is made only when it is read (a save a second, a rewrite, the end).
        self._answer: TextChanged | None = None
        self._reasoning: ReasoningChanged | None = None
        self._shown = InertReply()
        self._thinking = InertReply()
        self._extras: tuple[Extra, ...] = ()
        self._finish_reason: str | None = None
        self._answered_by: str | None = None
        self._progress_failed = False

    @property
    def text(self) -> str:
        """The reply so far, as sent."""
        return self._answer.text if self._answer is not None else ""

    @property
    def reasoning(self) -> str:
        """A reasoning model's thinking so far, as sent."""
        return self._reasoning.text if self._reasoning is not None else ""

    def request(self) -> ChatRequest:
        """The question with what the provider needs to continue the conversation."""
        assert self._question.id is not None
        turns = self._history.turns(self._conversation_id, before=self._question.id)
        return ChatRequest(self._question.text, self.session_id, turns, model=self._model,
                           search=self._search)

    async def run(self, view: ReplyView) -> ReplyOutcome:
        """Stream the reply into `view` until it ends; cancelling the task that runs this saves
        what arrived as cancelled (and re-raises)."""
        started = self._clock()
        try:
            async for event in self._provider.stream_reply(self.request()):
                self._take(event, view, started)
        except asyncio.CancelledError:
            await self._end(view, MessageStatus.CANCELLED, None)
            raise
        except StreamInterrupted as error:
            return await self._end(view, MessageStatus.INTERRUPTED, error)
        except AichatError as error:
            return await self._end(view, MessageStatus.FAILED, error)
        except Exception as bug:  # a bug must not take the conversation down with it
            return await self._end(view, MessageStatus.FAILED,
                                   unexpected(bug, "reply", self._log_path))
        return await self._end(view, MessageStatus.COMPLETE, None)

    def _take(self, event: ReplyEvent, view: ReplyView, started: float) -> None:
        if isinstance(event, TextChanged):
            edit, before = event.edit, self._answer
            if (before is None or not before.edit.new_length) and edit.new_length:
                view.streaming(self._clock() - started)
            self._answer = event
            view.text_changed(self._shown.apply(edit, lambda: event.text), self._shown.text)
            self._save_progress(view)
        elif isinstance(event, ReasoningChanged):
            self._reasoning = event
            view.reasoning_changed(self._thinking.apply(event.edit, lambda: event.text),
                                   self._thinking.text)
        elif isinstance(event, ContextTrimmed):
            view.context_trimmed(event.sent, event.omitted)
        elif isinstance(event, ReplyFinished):
            self._extras = event.extras
            self._finish_reason = event.finish_reason
            self._answered_by = event.model
            self._remember_session(event.session_id)

    def _save_progress(self, view: ReplyView) -> None:
        try:
            self._recorder.update(lambda: self.text)
        except AichatError as error:
            if not self._progress_failed:
                self._progress_failed = True
                view.progress_not_saved(shown(error, self._secrets))

    def _remember_session(self, session_id: str | None) -> None:
        if not session_id or session_id == self.session_id:
            return
        self.session_id = session_id
        with contextlib.suppress(AichatError):  # the next question still continues it
            self._history.set_session_id(self._conversation_id, session_id)

    async def _end(self, view: ReplyView, status: MessageStatus,
                   error: AichatError | None) -> ReplyOutcome:
        error_text = shown(error, self._secrets) if error is not None else None
        not_saved = None
        try:  # saved first: showing it can fail (the app may be closing), saving must not wait
            self._recorder.finish(status, self.text, reply_meta(
                self._extras, error=error_text, reasoning=self.reasoning,
                finish_reason=self._finish_reason))
            if self._answered_by and self._answered_by != self._model:
                self._history.update_message(self._reply_id, model=self._answered_by)
        except AichatError as save_error:
            not_saved = shown(save_error, self._secrets)
        outcome = ReplyOutcome(status, self.text, self._shown.text, self._extras, error,
                               error_text, not_saved, self._thinking.text, self._finish_reason)
        await view.ended(outcome)
        return outcome
