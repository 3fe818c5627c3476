"""The body of a stream request: {messageId, action, version, data:[{type, value:"<json>"}]}."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

ACTION = "TongyiBeebotChat"
MAX_UTTERANCE = 512


@dataclass(frozen=True)
class ChatRequest:
    message_id: str
    instance_id: str
    utterance: str
    session_id: str | None


class InvalidChatRequest(Exception):
    """Answered in-stream as a `success: false` event, as the service reports bad input."""

    def __init__(self, message_id: str, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.message_id = message_id
        self.code = code
        self.message = message


def parse_chat_request(raw: bytes, instance_ids: Collection[str]) -> ChatRequest:
    try:
        body: Any = json.loads(raw)
    except ValueError:  # also covers bytes that are not UTF-8
        raise InvalidChatRequest("", "InvalidParameter", "The request body is not JSON.") from None
    if not isinstance(body, dict):
        raise InvalidChatRequest("", "InvalidParameter", "The request body must be a JSON object.")
    message_id = str(body.get("messageId") or "")
    if body.get("action") != ACTION:
        raise InvalidChatRequest(message_id, "InvalidAction",
                                 f"Unsupported action {body.get('action')!r}; use {ACTION}.")
    try:
        value = json.loads(body["data"][0]["value"])
    except (KeyError, IndexError, TypeError, ValueError):
        value = None
    if not isinstance(value, dict):
        raise InvalidChatRequest(message_id, "InvalidParameter",
                                 "data[0].value must be a JSON string holding an object with "
                                 "InstanceId and Utterance.")
    instance_id = value.get("InstanceId")
    if not instance_id:
        raise InvalidChatRequest(message_id, "InvalidParameter.InstanceId",
                                 "InstanceId is required.")
    if instance_id not in instance_ids:
        raise InvalidChatRequest(message_id, "InvalidInstanceId.NotFound",
                                 f"The chatbot instance {instance_id} does not exist; check the "
                                 f"InstanceId (机器人ID) in the Chatbot console.")
    utterance = value.get("Utterance")
    if not isinstance(utterance, str) or not utterance.strip():
        raise InvalidChatRequest(message_id, "InvalidParameter.Utterance",
                                 "Utterance is required and must not be empty.")
    if len(utterance) > MAX_UTTERANCE:
        raise InvalidChatRequest(message_id, "InvalidParameter.Utterance",
                                 f"Utterance is {len(utterance)} characters long; the limit is "
                                 f"{MAX_UTTERANCE}.")
    session_id = value.get("SessionId")
    return ChatRequest(message_id, str(instance_id), utterance,
                       str(session_id) if session_id else None)
