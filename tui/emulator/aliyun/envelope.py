"""The bytes of the Tongyi stream: chat results inside their envelope, framed as `data:` lines.

Shaped after the recorded stream in the seed: compact JSON with sorted keys, the chat result
as a JSON *string* in data[0].value, no space after `data:`, and a blank line after an event.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from tui.emulator.aliyun.scenarios import EVENT_END, Failure, Reply

PING = b":ping\n\n"
SOURCE = "NON_STRUCTURAL_KNOWLEDGE"
# Han characters one by one, runs of letters/digits, and single punctuation marks.
_SEGMENT = re.compile(r"[\u3400-\u9fff]|[^\W\u3400-\u9fff]+|[^\w\s]")


@dataclass(frozen=True)
class ReplyIds:
    request_message_id: str  # the request's messageId, echoed in every envelope
    message_id: str  # this reply's MessageId
    session_id: str
    query_segments: tuple[str, ...]


def query_segments(utterance: str) -> tuple[str, ...]:
    return tuple(_SEGMENT.findall(utterance))


def _compact(document: Any) -> str:
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def _event(result: dict[str, Any], ids: ReplyIds, request_id: str, terminator: str) -> bytes:
    envelope = {"data": [{"type": "JSON_TEXT", "value": _compact(result)}],
                "messageId": ids.request_message_id, "requestId": request_id, "success": True}
    return f"data:{_compact(envelope)}{terminator}".encode()


def opening_event(ids: ReplyIds) -> bytes:
    result = {"IsAIGC": False, "MessageId": ids.message_id, "SequenceId": uuid.uuid4().hex,
              "SessionId": ids.session_id, "StreamEnd": False}
    # In the recorded stream the first event's requestId is the reply's MessageId.
    return _event(result, ids, ids.message_id, EVENT_END)


def reply_event(reply: Reply, ids: ReplyIds) -> bytes:
    body: dict[str, Any]
    if reply.clarify is not None:
        body = {"Type": "Clarify", "ClarifyMessageBody": {
            "Title": reply.clarify.title, "ClarifyContent": reply.clarify.content,
            "ClarifyList": list(reply.clarify.options)}}
    else:
        body = {"Type": "Direct", "DirectMessageBody": {
            "ContentType": reply.content_type, "Ext": {},
            "SentenceList": [{"Content": sentence} for sentence in reply.sentences]}}
    body["VoiceConfig"] = {}
    if reply.sys_to_agent is not None:
        body["Commands"] = {"sysToAgent": reply.sys_to_agent}
    result = {"IsAIGC": True, "MessageBody": body, "MessageId": ids.message_id,
              "QuerySegList": list(ids.query_segments), "SequenceId": uuid.uuid4().hex,
              "SessionId": ids.session_id, "Source": SOURCE, "StreamEnd": reply.end}
    return _event(result, ids, str(uuid.uuid4()), reply.terminator)


def failure_event(failure: Failure, request_message_id: str) -> bytes:
    envelope = {"code": failure.code, "message": failure.message,
                "messageId": request_message_id, "requestId": str(uuid.uuid4()),
                "success": False}
    return f"data:{_compact(envelope)}{EVENT_END}".encode()
