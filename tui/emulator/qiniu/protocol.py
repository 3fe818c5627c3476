"""Validation of TTS requests and the error bodies the emulated service answers with."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tui.emulator.qiniu.catalogue import find_voice
from tui.emulator.qiniu.encode import ENCODINGS

MAX_TEXT_BYTES = 1024


class QiniuFault(Exception):
    """An error answer: HTTP status, the service's code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        kind = "invalid_request_error" if self.status < 500 else "server_error"
        return {"error": {"message": self.message, "type": kind, "code": self.code}}

    def response(self) -> web.Response:
        return web.json_response(self.body(), status=self.status)


def bad_key() -> QiniuFault:
    return QiniuFault(401, "invalid_api_key", "Invalid API key")


@dataclass(frozen=True, slots=True)
class TtsRequest:
    voice_type: str
    encoding: str
    speed: float
    text: str


def parse_tts(raw: bytes, header_voice: str | None = None) -> TtsRequest:
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise QiniuFault(400, "3001", "request body is not valid JSON") from None
    if not isinstance(body, dict) or not isinstance(body.get("audio"), dict) \
            or not isinstance(body.get("request"), dict):
        raise QiniuFault(400, "3001", "request body needs `audio` and `request` objects")
    audio, request = body["audio"], body["request"]
    voice = audio.get("voice_type")
    if not isinstance(voice, str) or not voice:
        raise QiniuFault(400, "3001", "audio.voice_type is required")
    if header_voice is not None and header_voice != voice:
        raise QiniuFault(400, "3001", "the VoiceType header and audio.voice_type differ")
    encoding = audio.get("encoding")
    if encoding not in ENCODINGS:
        raise QiniuFault(400, "3001", f"unsupported encoding {encoding!r}; "
                                      f"use one of {', '.join(ENCODINGS)}")
    speed = audio.get("speed_ratio", 1.0)
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not 0.2 <= speed <= 3.0:
        raise QiniuFault(400, "3001", "audio.speed_ratio must be a number from 0.2 to 3.0")
    text = request.get("text")
    if not isinstance(text, str) or not text.strip():
        raise QiniuFault(400, "3011", "request.text is empty")
    if len(text.encode("utf-8")) > MAX_TEXT_BYTES:
        raise QiniuFault(400, "3010", f"request.text is longer than {MAX_TEXT_BYTES} bytes")
    if find_voice(voice) is None:
        raise QiniuFault(400, "3050", f"unknown voice_type {voice!r}")
    return TtsRequest(voice, encoding, float(speed), text)
