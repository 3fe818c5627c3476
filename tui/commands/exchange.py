"""Where `ask` keeps its exchanges: the same history as the app, one conversation per session.

`--session ID` finds the conversation to continue: a Tongyi SessionId (as Tongyi printed it),
or the conversation id that `ask --json` printed for any other provider. The conversation
remembers who answered last, so continuing it without --provider/--model keeps both.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from tui.domain.conversation import Conversation, Message, MessageStatus, Role
from tui.domain.errors import InvalidInput
from tui.domain.events import ReplyFinished
from tui.domain.providers import Turn
from tui.store import History, HistoryError
from tui.store.meta import reply_meta
from tui.store.recorder import ReplyRecorder

log = logging.getLogger(__name__)

_TITLE_CHARS = 60


@dataclass
class Exchange:
    """One question and its reply, saved as they happen (when the history can be opened)."""

    history: History | None
    conversation: Conversation | None
    provider: str
    model: str | None
    session_id: str | None  # the service-side session (Tongyi), None for a new one
    turns: tuple[Turn, ...] = ()
    problems: list[str] = field(default_factory=list)  # history failures, said once at the end
    _recorder: ReplyRecorder | None = None
    _reply_id: int | None = None

    @property
    def conversation_id(self) -> str | None:
        return str(self.conversation.id) if self.conversation is not None else None

    def start(self, question: str) -> None:
        """Save the question (and the conversation, when it is new) before it is sent."""
        if self.history is None:
            return
        try:
            if self.conversation is None:
                title = " ".join(question.split())[:_TITLE_CHARS] or "Untitled"
                self.conversation = self.history.create_conversation(
                    title, self.provider, self.session_id, self.model)
            elif (self.conversation.provider, self.conversation.model) != (self.provider,
                                                                           self.model):
                self.history.set_provider(_id(self.conversation), self.provider, self.model)
            now = time.time()
            self.history.add_message(_id(self.conversation), Message(Role.USER, question, now))
            reply = self.history.add_message(_id(self.conversation), Message(
                Role.ASSISTANT, "", now, MessageStatus.STREAMING, provider=self.provider,
                model=self.model))
            assert reply.id is not None
            self._reply_id = reply.id
            self._recorder = ReplyRecorder(self.history, reply.id)
        except HistoryError as error:
            self._failed(error)

    def update(self, text: str | Callable[[], str]) -> None:
        """Save the reply so far (or a function that makes it: see ReplyRecorder.update)."""
        if self._recorder is not None:
            try:
                self._recorder.update(text)
            except HistoryError as error:
                self._failed(error)

    def finish(self, text: str, finished: ReplyFinished | None, error: str | None) -> None:
        if (self._recorder is None or self._reply_id is None or self.history is None
                or self.conversation is None):
            return
        status = MessageStatus.COMPLETE if finished else (
            MessageStatus.INTERRUPTED if text else MessageStatus.FAILED)
        meta = reply_meta(finished.extras if finished else (), error,
                          reasoning=finished.reasoning if finished else "",
                          finish_reason=finished.finish_reason if finished else None)
        try:
            self._recorder.finish(status, text, meta)
            if finished and finished.model and finished.model != self.model:
                self.history.update_message(self._reply_id, model=finished.model)
            session_id = finished.session_id if finished else None
            if session_id and session_id != self.conversation.session_id:
                self.history.set_session_id(_id(self.conversation), session_id)
        except HistoryError as error:
            self._failed(error)

    def _failed(self, error: HistoryError) -> None:
        log.warning("ask could not save to the history: %s", error)
        self.problems.append(f"The exchange was not saved: {error}")
        self._recorder = None


def open_exchange(history: History | None, session: str | None, provider: str | None,
                  model: str | None, default_provider: str) -> Exchange:
    """The exchange for `ask [--session ID] [--provider NAME] [--model ID]`; `model` None means
    the provider's default. Raises InvalidInput for an id that continues nothing."""
    conversation = _find(history, session) if session else None
    if conversation is not None:
        name = provider or conversation.provider
        chosen = model or (conversation.model if name == conversation.provider else None)
        turns = history.turns(_id(conversation)) if history is not None else ()
        return Exchange(history, conversation, name, chosen, conversation.session_id, turns)
    name = provider or default_provider
    if session and name != "tongyi":
        raise InvalidInput(f"There is no conversation {session!r} in the history to continue.",
                           "Use the session_id that `aichat-tui ask --json` printed.")
    # A Tongyi session the history does not know (asked elsewhere) still continues on Tongyi.
    return Exchange(history, None, name, model, session)


def _find(history: History | None, session: str) -> Conversation | None:
    if history is None:
        return None
    found = history.find_by_session(session)
    if found is None and session.isdigit():
        found = history.get_conversation(int(session))
    return found


def _id(conversation: Conversation) -> int:
    assert conversation.id is not None  # conversations from the history always have one
    return conversation.id
