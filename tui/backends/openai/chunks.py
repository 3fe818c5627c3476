"""Turning the `data:` payloads of an OpenAI chat stream into reply events.

What real streams hold, all handled here: a first chunk with only the role, empty or null
`content`, `reasoning_content` (or vLLM's `reasoning`) before the answer, chunks whose
`choices` is empty (usage), an `{"error": ...}` object, the finish reason, and `[DONE]`.
Comment lines never get here (httpx-sse drops them).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from tui.backends.openai.endpoint import Endpoint
from tui.domain.events import ReasoningChanged, ReplyEvent, ReplyFinished, TextChanged
from tui.domain.reply import Edit

log = logging.getLogger(__name__)

DONE = "[DONE]"
_loads = json.loads
_NOTHING: tuple[ReplyEvent, ...] = ()


class ReplyAssembler:
    """The reply so far; `feed(data)` takes one event's data and returns the events it makes."""

    __slots__ = ("endpoint", "text", "reasoning", "finish_reason", "model", "message_id", "done")

    def __init__(self, endpoint: Endpoint, model: str) -> None:
        self.endpoint = endpoint
        self.text = ""
        self.reasoning = ""
        self.finish_reason: str | None = None
        self.model = model
        self.message_id: str | None = None
        self.done = False

    def feed(self, data: str) -> tuple[ReplyEvent, ...] | list[ReplyEvent]:
        # The hot path of a stream (thousands of calls per reply): plain lookups, no helpers.
        if data == DONE:
            self.done = True
            return _NOTHING
        try:
            chunk: Any = _loads(data)
        except ValueError:
            log.warning("skipped a malformed stream chunk (%d characters)", len(data))
            return _NOTHING
        if type(chunk) is not dict:
            return _NOTHING
        if chunk.get("error"):
            raise self.endpoint.stream_error(chunk["error"])
        if self.message_id is None:
            self._identify(chunk)
        choices = chunk.get("choices")
        if not choices or type(choices) is not list:
            return _NOTHING  # the usage chunk, or a server's empty one
        events: list[ReplyEvent] = []
        for choice in choices:
            if type(choice) is not dict or choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta")
            if delta and type(delta) is dict:
                thought = delta.get("reasoning_content") or delta.get("reasoning")
                if thought and type(thought) is str:
                    size = len(self.reasoning)
                    self.reasoning += thought
                    events.append(ReasoningChanged(Edit(size, thought, size), self.reasoning))
                piece = delta.get("content")
                if piece and type(piece) is str:
                    size = len(self.text)
                    self.text += piece
                    events.append(TextChanged(Edit(size, piece, size), self.text))
            reason = choice.get("finish_reason")
            if reason and type(reason) is str:
                self.finish_reason = reason
        return events

    def _identify(self, chunk: dict[str, Any]) -> None:
        ident, model = chunk.get("id"), chunk.get("model")
        self.message_id = ident if isinstance(ident, str) else None
        if isinstance(model, str) and model:
            self.model = model

    def finished(self) -> ReplyFinished:
        return ReplyFinished(self.text, None, self.message_id, finish_reason=self.finish_reason,
                             model=self.model, reasoning=self.reasoning)
