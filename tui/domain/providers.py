"""The interfaces the UI and the CLI program against; backends implement them.

A chat provider gets one `ChatRequest` per question, carrying both ways a conversation can be
continued: the service's own session id (Tongyi's SessionId, Tencent's session) and the
earlier turns (for stateless OpenAI-style servers). Each provider uses what it needs, so the
caller never has to know which kind it talks to.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Literal, NamedTuple, Protocol

from tui.domain.events import ReplyEvent


class Turn(NamedTuple):
    """One earlier message of the conversation, as context for the next question."""

    role: Literal["user", "assistant"]
    text: str


class ChatRequest(NamedTuple):
    utterance: str
    # The service-side conversation, for providers that keep one (None: a new one).
    session_id: str | None = None
    # The earlier turns, oldest first, for providers that need them sent with each question.
    history: tuple[Turn, ...] = ()
    # A model id of the provider's; None means the provider's configured default.
    model: str | None = None
    # Ask for web search, where the provider offers it.
    search: bool = False


class ChatProvider(Protocol):
    """A chat service that streams replies."""

    name: str

    def stream_reply(self, request: ChatRequest) -> AsyncIterator[ReplyEvent]:
        """Yield the events of one reply. Raises an `AichatError` on failure."""
        ...

    async def aclose(self) -> None: ...
