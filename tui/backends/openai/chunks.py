"""Turning the `data:` payloads of an OpenAI chat stream into reply events.

What real streams hold, all handled here: a first chunk with only the role, empty or null
`content`, `reasoning_content` (or vLLM's `reasoning`) before the answer, chunks whose
`choices` is empty (usage), an `{"error": ...}` object, the finish reason, and `[DONE]`.
Comment lines never get here (`sse_text` drops them).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from tui.backends.openai.endpoint import Endpoint
from tui.domain.errors import AichatError
from tui.domain.events import ReasoningChanged, ReplyEvent, ReplyFinished, TextChanged
from tui.domain.reply import GrowingText

log = logging.getLogger(__name__)

DONE = "[DONE]"
_loads = json.loads


class ReplyAssembler:
    """The reply so far. `feed(batch)` takes the data of the events of one network read and
    returns what they change: at most one `ReasoningChanged` and one `TextChanged`, however
    many chunks the read held. An error object ends the batch: the events before it are
    returned and `failure` holds the error to raise after them."""

    __slots__ = ("endpoint", "answer", "thinking", "finish_reason", "model", "message_id", "done",
                 "failure")

    def __init__(self, endpoint: Endpoint, model: str) -> None:
        self.endpoint = endpoint
        self.answer = GrowingText()
        self.thinking = GrowingText()
        self.finish_reason: str | None = None
        self.model = model
        self.message_id: str | None = None
        self.done = False
        self.failure: AichatError | None = None

    def feed(self, batch: list[str]) -> list[ReplyEvent]:
        # The hot path of a stream (thousands of chunks per reply): plain lookups, no helpers.
        thought = piece = ""  # what this batch adds
        for data in batch:
            if data == DONE:
                self.done = True
                break
            try:
                chunk: Any = _loads(data)
            except ValueError:
                log.warning("skipped a malformed stream chunk (%d characters)", len(data))
                continue
            if type(chunk) is not dict:
                continue
            if chunk.get("error"):
                self.failure = self.endpoint.stream_error(chunk["error"])
                break
            if self.message_id is None:
                self._identify(chunk)
            choices = chunk.get("choices")
            if not choices or type(choices) is not list:
                continue  # the usage chunk, or a server's empty one
            for choice in choices:
                if type(choice) is not dict or choice.get("index", 0) != 0:
                    continue
                delta = choice.get("delta")
                if delta and type(delta) is dict:
                    value = delta.get("reasoning_content") or delta.get("reasoning")
                    if value and type(value) is str:
                        thought += value
                    value = delta.get("content")
                    if value and type(value) is str:
                        piece += value
                reason = choice.get("finish_reason")
                if reason and type(reason) is str:
                    self.finish_reason = reason
        events: list[ReplyEvent] = []
        if thought:
            events.append(ReasoningChanged(self.thinking.append(thought), self.thinking))
        if piece:
            events.append(TextChanged(self.answer.append(piece), self.answer))
        return events

    def _identify(self, chunk: dict[str, Any]) -> None:
        ident, model = chunk.get("id"), chunk.get("model")
        self.message_id = ident if isinstance(ident, str) else None
        if isinstance(model, str) and model:
            self.model = model

    def finished(self) -> ReplyFinished:
        return ReplyFinished(str(self.answer), None, self.message_id,
                             finish_reason=self.finish_reason, model=self.model,
                             reasoning=str(self.thinking))
