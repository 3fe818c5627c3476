"""What a chat provider's reply stream yields, in order: text edits, then the end.

Reasoning models first stream their thinking (`ReasoningChanged`), then the answer
(`TextChanged`); `ContextTrimmed` says older turns did not fit the context budget.

Events are values: nothing changes one after it is made.
"""

from __future__ import annotations

from typing import NamedTuple

from tui.domain.reply import Edit, GrowingText


class _Changed:
    """`edit` is what changed; `text` is the whole text after it.

    A stream makes one of these per network read, thousands per reply, and most consumers
    read the whole text seldom (a save a second, a rewrite): given a `GrowingText`, `text` is
    made when first read. Not a frozen dataclass for the same reason: that costs three times
    as much to build.
    """

    __slots__ = ("edit", "_text")

    def __init__(self, edit: Edit, text: str | GrowingText) -> None:
        self.edit = edit
        self._text = text

    @property
    def text(self) -> str:
        text = self._text
        if isinstance(text, GrowingText):
            self._text = text = text.upto(self.edit.new_length)
        return text

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        assert isinstance(other, _Changed)
        return self.edit == other.edit and self.text == other.text

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"{type(self).__name__}(edit={self.edit!r}, text={self.text!r})"


class TextChanged(_Changed):
    """The reply text changed; `text` is the whole reply so far, `edit` what changed."""

    __slots__ = ()


class ReasoningChanged(_Changed):
    """The model's visible thinking changed; `text` is all of it so far. Never the answer."""

    __slots__ = ()


class ContextTrimmed(NamedTuple):
    """The earlier turns sent with the question; `omitted` older ones did not fit the budget."""

    sent: int
    omitted: int


class ClarifyOptions(NamedTuple):
    """The service asks the user to pick one of several questions."""

    title: str
    content: str
    options: tuple[str, ...]


class HandOverToHuman(NamedTuple):
    """The service asks to hand the conversation over to a human agent."""

    detail: str = ""


Extra = ClarifyOptions | HandOverToHuman


class ReplyFinished(NamedTuple):
    """The service said the reply is complete."""

    text: str
    session_id: str | None
    message_id: str | None
    # What came with the reply besides its text: clarify options, a hand-over request.
    extras: tuple[Extra, ...] = ()
    # Why the model stopped, as the service says it ("stop", "length", "content_filter");
    # None for services that do not say.
    finish_reason: str | None = None
    # The model that answered, where the service names it.
    model: str | None = None
    # The whole thinking of a reasoning model (empty for others).
    reasoning: str = ""


ReplyEvent = TextChanged | ReasoningChanged | ContextTrimmed | ReplyFinished
