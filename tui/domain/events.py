"""What a chat provider's reply stream yields, in order: text edits, then the end."""

from __future__ import annotations

from dataclasses import dataclass, field

from tui.domain.reply import Edit


@dataclass(frozen=True, slots=True)
class TextChanged:
    """The reply text changed; `text` is the whole reply so far, `edit` what changed."""

    edit: Edit
    text: str


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


ReplyEvent = TextChanged | ReplyFinished
