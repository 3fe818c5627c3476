"""The chat result inside each envelope's `value` (shared/protocols/tongyi.md §2.3)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from tui.domain.events import ClarifyOptions, HandOverToHuman


@dataclass(frozen=True, slots=True)
class ChatResult:
    text: str
    stream_end: bool
    session_id: str | None
    message_id: str | None
    clarify: ClarifyOptions | None
    hand_over: HandOverToHuman | None


def parse_value(value: Any) -> ChatResult | None:
    """Parse one `data[].value` (a JSON string, or already an object); None if unusable."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, dict):
        return None
    body = value.get("MessageBody") or {}
    if not isinstance(body, dict):
        body = {}
    clarify = _clarify(body.get("ClarifyMessageBody"))
    direct = body.get("DirectMessageBody") or {}
    sentences = direct.get("SentenceList") if isinstance(direct, dict) else None
    if isinstance(sentences, list) and sentences:
        text = "".join(str(s.get("Content") or "") for s in sentences if isinstance(s, dict))
    elif clarify is not None:
        text = "\n\n".join(part for part in (clarify.title, clarify.content) if part)
    else:
        text = ""
    return ChatResult(
        text=text,
        stream_end=value.get("StreamEnd") is True,
        session_id=_identifier(value.get("SessionId")),
        message_id=_identifier(value.get("MessageId")),
        clarify=clarify,
        hand_over=_hand_over(body.get("Commands")),
    )


def _identifier(value: Any) -> str | None:
    """An id is a string (a number is taken as its digits); any other shape is ignored."""
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return None
    return str(value) or None


def _clarify(body: Any) -> ClarifyOptions | None:
    if not isinstance(body, dict):
        return None
    listed = body.get("ClarifyList")
    options = tuple(str(option) for option in listed if option) if isinstance(listed, list) else ()
    return ClarifyOptions(str(body.get("Title") or ""), str(body.get("ClarifyContent") or ""),
                          options)


def _hand_over(commands: Any) -> HandOverToHuman | None:
    if not isinstance(commands, dict) or not commands.get("sysToAgent"):
        return None
    detail = commands["sysToAgent"]
    if isinstance(detail, str):
        try:
            detail = json.loads(detail)
        except ValueError:
            return HandOverToHuman(detail)
    if isinstance(detail, dict):
        detail = str(detail.get("reason") or detail.get("Reason") or detail.get("message") or "")
    return HandOverToHuman(_readable_reason(str(detail)))


_REASONS = {"USER_REQUEST": "You asked to talk to a person."}


def _readable_reason(reason: str) -> str:
    """The service gives reason codes (USER_REQUEST): say them as a sentence."""
    if reason in _REASONS:
        return _REASONS[reason]
    if re.fullmatch(r"[A-Z][A-Z0-9_]+", reason):
        return f"Reason: {reason.replace('_', ' ').lower()}."
    return reason
