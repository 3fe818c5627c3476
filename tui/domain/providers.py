"""The interfaces the UI and the CLI program against; backends implement them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from tui.domain.events import ReplyEvent


class ChatProvider(Protocol):
    """A chat service that streams replies."""

    name: str

    def stream_reply(self, utterance: str, session_id: str | None = None) -> AsyncIterator[ReplyEvent]:
        """Yield the events of one reply. Raises an `AichatError` on failure."""
        ...

    async def aclose(self) -> None: ...
