"""The binary framing of Qiniu's streaming ASR (qiniu.md §4). Big-endian throughout.

Header: byte0 = version 1 << 4 | header size 1 (4-byte words); byte1 = message type << 4 |
flags; byte2 = serialization << 4 | compression; byte3 = 0. Client frames then carry an int32
sequence, a uint32 payload size and the gzip-compressed payload.
"""

from __future__ import annotations

import gzip
import json
import struct
from dataclasses import dataclass
from typing import Any

from tui.domain.transcript import SAMPLE_RATE

FULL_CLIENT_REQUEST, AUDIO_ONLY = 1, 2
FULL_SERVER_RESPONSE, SERVER_ACK, SERVER_ERROR = 9, 11, 15
FLAG_SEQUENCE, FLAG_LAST = 1, 2
SERIAL_NONE, SERIAL_JSON = 0, 1
COMPRESS_NONE, COMPRESS_GZIP = 0, 1


def _frame(kind: int, flags: int, sequence: int, payload: bytes) -> bytes:
    # Audio packets too are marked JSON + gzip (byte2 = 0x11), as the official samples send.
    header = bytes([1 << 4 | 1, kind << 4 | flags, SERIAL_JSON << 4 | COMPRESS_GZIP, 0])
    body = gzip.compress(payload)
    return header + struct.pack(">iI", sequence, len(body)) + body


def config_request(uid: str) -> dict[str, Any]:
    return {"user": {"uid": uid},
            "audio": {"format": "pcm", "sample_rate": SAMPLE_RATE, "bits": 16, "channel": 1,
                      "codec": "raw"},
            "request": {"model_name": "asr", "enable_punc": True}}


def config_frame(uid: str) -> bytes:
    """Packet 1: the audio format and options, as gzip-compressed JSON (header 11 11 11 00)."""
    payload = json.dumps(config_request(uid)).encode("utf-8")
    return _frame(FULL_CLIENT_REQUEST, FLAG_SEQUENCE, 1, payload)


def audio_frame(sequence: int, pcm: bytes, *, last: bool = False) -> bytes:
    """An audio packet (header 11 21 11 00); the last one has flag 2 and a negative sequence
    (header 11 22 11 00)."""
    if last:
        return _frame(AUDIO_ONLY, FLAG_LAST, -sequence, pcm)
    return _frame(AUDIO_ONLY, FLAG_SEQUENCE, sequence, pcm)


@dataclass(frozen=True, slots=True)
class ServerFrame:
    kind: int
    sequence: int | None
    last: bool
    body: Any  # the decoded JSON (or text, or None for an ACK without payload)
    error_code: int | None = None


class MalformedFrame(ValueError):
    pass


def parse_server_frame(data: bytes) -> ServerFrame:
    """Read a server frame by its header; raise MalformedFrame if it does not hold together."""
    if len(data) < 4:
        raise MalformedFrame(f"a {len(data)}-byte frame")
    header_size = (data[0] & 0x0F) * 4
    kind, flags = data[1] >> 4, data[1] & 0x0F
    serialization, compression = data[2] >> 4, data[2] & 0x0F
    offset = header_size
    try:
        sequence = None
        if flags & FLAG_SEQUENCE:
            (sequence,) = struct.unpack_from(">i", data, offset)
            offset += 4
        error_code = None
        if kind == SERVER_ERROR:
            (error_code,) = struct.unpack_from(">I", data, offset)
            offset += 4
        payload = b""
        if kind in (FULL_SERVER_RESPONSE, SERVER_ERROR) or len(data) - offset >= 4:
            (size,) = struct.unpack_from(">I", data, offset)
            payload = data[offset + 4:offset + 4 + size]
            if len(payload) != size:
                raise MalformedFrame(f"payload of {len(payload)} bytes where {size} were announced")
    except struct.error:
        raise MalformedFrame("a frame cut short") from None
    return ServerFrame(kind, sequence, bool(flags & FLAG_LAST),
                       _decode(payload, serialization, compression), error_code)


def _decode(payload: bytes, serialization: int, compression: int) -> Any:
    if not payload:
        return None
    if compression == COMPRESS_GZIP:
        try:
            payload = gzip.decompress(payload)
        except (OSError, EOFError):
            raise MalformedFrame("a payload marked gzip that is not") from None
    text = payload.decode("utf-8", "replace")
    if serialization != SERIAL_JSON:
        return text
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        raise MalformedFrame("a payload marked JSON that is not") from None


def result_text(body: Any) -> str | None:
    """The cumulative transcript in a response body, if it has one."""
    if isinstance(body, dict):
        result = body.get("result")
        if isinstance(result, dict) and isinstance(result.get("text"), str):
            return str(result["text"])
        inner = body.get("payload_msg")
        if inner is not None:
            return result_text(inner)
    if isinstance(body, str):
        return body
    return None
