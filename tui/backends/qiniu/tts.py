"""One-shot synthesis: POST {base_url}/voice/tts, the whole audio in one JSON answer."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

import httpx

from tui.backends.qiniu.errors import QiniuErrors
from tui.domain.voice import Synthesis


def tts_request(text: str, *, voice: str, speed: float, encoding: str) -> dict[str, Any]:
    """The request body, shared by the one-shot POST and the WebSocket message."""
    return {"audio": {"voice_type": voice, "encoding": encoding, "speed_ratio": speed},
            "request": {"text": text}}


def decode_audio_data(frame: Any, errors: QiniuErrors) -> bytes:
    """The audio in a response or stream frame (`data`, base64; absent or empty means none)."""
    if not isinstance(frame, dict):
        raise errors.not_the_api("JSON that is not an object")
    data = frame.get("data") or ""
    if not isinstance(data, str):
        raise errors.not_the_api("a `data` field that is not base64 text")
    try:
        return base64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        raise errors.not_the_api("audio data that is not valid base64") from None


def duration_ms(frame: dict[str, Any]) -> int:
    """`addition.duration`, a string of milliseconds; 0 when absent or unreadable."""
    addition = frame.get("addition")
    try:
        return int(float(addition["duration"])) if isinstance(addition, dict) else 0
    except (KeyError, TypeError, ValueError):
        return 0


async def post_tts(client: httpx.AsyncClient, url: str, headers: dict[str, str],
                   body: dict[str, Any], errors: QiniuErrors) -> Synthesis:
    try:
        response = await client.post(url, json=body, headers=headers)
    except httpx.TimeoutException:
        raise errors.timed_out() from None
    except httpx.TransportError as e:
        raise errors.unreachable(e) from None
    if response.status_code >= 300:
        raise errors.from_status(response.status_code, response.content,
                                 voice=body["audio"]["voice_type"],
                                 retry_after=response.headers.get("Retry-After"))
    try:
        answer = response.json()
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise errors.not_the_api("something that is not JSON") from None
    audio = decode_audio_data(answer, errors)
    if not audio:
        raise errors.not_the_api("an answer without audio")
    return Synthesis(audio, body["audio"]["encoding"], duration_ms(answer))
