"""What a chat provider's reply stream yields, in order: text edits, then the end.

Reasoning models first stream their thinking (`ReasoningChanged`), then the answer
(`TextChanged`); `ContextTrimmed` says older turns did not fit the context budget.

Events are values: nothing changes one after it is made. The two made per streamed chunk
(and their `Edit`) are not `frozen` only because a frozen dataclass costs three times as
much to build, a cost paid thousands of times per reply.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.domain.reply import Edit


@dataclass(slots=True)
class TextChanged:
    """The reply text changed; `text` is the whole reply so far, `edit` what changed."""

    edit: Edit
    text: str


@dataclass(slots=True)
class ReasoningChanged:
    """The model's visible thinking changed; `text` is all of it so far. Never the answer."""

    edit: Edit
    text: str


@dataclass(frozen=True, slots=True)
class ContextTrimmed:
    """The earlier turns sent with the question; `omitted` older ones did not fit the budget."""

    sent: int
    omitted: int


@dataclass(frozen=True, slots=True)
class ClarifyOptions:
    """The service asks the user to pick one of several questions."""

    title: str
    content: str
    options: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HandOverToHuman:
    """The service asks to hand the conversation over to a human agent."""

    detail: str = ""


Extra = ClarifyOptions | HandOverToHuman


@dataclass(frozen=True, slots=True)
class ReplyFinished:
    """The service said the reply is complete."""

    text: str
    session_id: str | None
    message_id: str | None
    # What came with the reply besides its text: clarify options, a hand-over request.
    extras: tuple[Extra, ...] = field(default=())
    # Why the model stopped, as the service says it ("stop", "length", "content_filter");
    # None for services that do not say.
    finish_reason: str | None = None
    # The model that answered, where the service names it.
    model: str | None = None
    # The whole thinking of a reasoning model (empty for others).
    reasoning: str = ""


ReplyEvent = TextChanged | ReasoningChanged | ContextTrimmed | ReplyFinished
