"""Conversations and their messages."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class Role(str, enum.Enum):
    USER = "user"
    ASSISTANT = "assistant"
    ERROR = "error"
    NOTICE = "notice"


class MessageStatus(str, enum.Enum):
    """Where a message stands. Only assistant replies are ever anything but COMPLETE."""

    STREAMING = "streaming"
    COMPLETE = "complete"
    CANCELLED = "cancelled"
    INTERRUPTED = "interrupted"
    FAILED = "failed"


@dataclass(slots=True)
class Message:
    role: Role
    text: str
    created_at: float
    status: MessageStatus = MessageStatus.COMPLETE
    id: int | None = None
    conversation_id: int | None = None
    # Extra structured data: clarify options, hand-over notices, error codes, reasoning.
    meta: dict = field(default_factory=dict)
    # Who answered (replies only): the provider's name and the model id, where it has one.
    provider: str | None = None
    model: str | None = None


@dataclass(slots=True)
class Conversation:
    title: str
    created_at: float
    updated_at: float
    # Who answers the next question: the provider, and its model (None: its default).
    provider: str = "tongyi"
    session_id: str | None = None
    id: int | None = None
    message_count: int = 0
    model: str | None = None
