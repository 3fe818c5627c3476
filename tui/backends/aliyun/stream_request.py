"""Step 2's request: the MD5-signed stream URL and the JSON body."""

from __future__ import annotations

import hashlib
import json
import time
import uuid

from tui.backends.aliyun.token import API_VERSION, StreamToken


def stream_sign(stream_secret: str, timestamp: str) -> str:
    return hashlib.md5(f"streamSecret={stream_secret}&timestamp={timestamp}".encode()).hexdigest()


def millis_timestamp() -> str:
    return str(int(time.time() * 1000))


def stream_url(base: str, token: StreamToken, timestamp: str) -> str:
    """The URL is the credential: never log it, never put it in an error."""
    sign = stream_sign(token.stream_secret.reveal(), timestamp)
    return f"{base}/{token.access_token.reveal()}/{token.channel_id}/{sign}/{timestamp}"


def request_body(instance_id: str, utterance: str, session_id: str | None) -> dict:
    value: dict[str, str] = {"InstanceId": instance_id, "Utterance": utterance}
    if session_id:
        value["SessionId"] = session_id
    return {
        "messageId": str(uuid.uuid4()),
        "action": "TongyiBeebotChat",
        "version": API_VERSION,
        "data": [{"type": "JSON_TEXT", "value": json.dumps(value, ensure_ascii=False)}],
    }
