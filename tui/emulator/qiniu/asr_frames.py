"""The emulator's side of the binary ASR WebSocket protocol (qiniu.md §4), written apart from
the client's so that a misreading on one side shows up as a failure on the other.

Client frames: 4-byte header, int32 sequence, uint32 size, payload. Server frames: header,
int32 sequence (when flag 1 is set), then for a full response (9) uint32 size + payload, for an
error (15) uint32 code + uint32 size + payload, for an ACK (11) nothing more.
"""

from __future__ import annotations

import gzip
import json
import struct
from dataclasses import dataclass
from typing import Any

FULL_CLIENT_REQUEST, AUDIO_ONLY = 1, 2
FULL_SERVER_RESPONSE, SERVER_ACK, SERVER_ERROR = 9, 11, 15
FLAG_SEQUENCE, FLAG_LAST = 1, 2

# Error codes in the style of the service family the protocol comes from.
BAD_REQUEST = 45000001
EMPTY_AUDIO = 45000002
BAD_AUDIO = 45000151


class FrameError(Exception):
    def __init__(self, code: int, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class ClientFrame:
    kind: int
    flags: int
    sequence: int
    payload: bytes  # decompressed

    @property
    def last(self) -> bool:
        return bool(self.flags & FLAG_LAST)


def read_client_frame(data: bytes) -> ClientFrame:
    if len(data) < 12:
        raise FrameError(BAD_REQUEST, f"a frame of {len(data)} bytes is shorter than its header")
    version, header_words = data[0] >> 4, data[0] & 0x0F
    if version != 1 or header_words < 1:
        raise FrameError(BAD_REQUEST, f"unknown protocol version/header byte 0x{data[0]:02x}")
    kind, flags = data[1] >> 4, data[1] & 0x0F
    compression = data[2] & 0x0F
    offset = header_words * 4
    sequence, size = struct.unpack_from(">iI", data, offset)
    payload = data[offset + 8:]
    if size != len(payload):
        raise FrameError(BAD_REQUEST, f"payload size says {size} bytes but {len(payload)} came")
    if compression == 1:
        try:
            payload = gzip.decompress(payload)
        except (OSError, EOFError):
            raise FrameError(BAD_AUDIO if kind == AUDIO_ONLY else BAD_REQUEST,
                             "the payload is not valid gzip") from None
    elif compression != 0:
        raise FrameError(BAD_REQUEST, f"unknown compression {compression}")
    return ClientFrame(kind, flags, sequence, payload)


def server_frame(kind: int, sequence: int | None, body: dict[str, Any] | None = None, *,
                 last: bool = False, code: int = 0, compress: bool = True) -> bytes:
    flags = (FLAG_SEQUENCE if sequence is not None else 0) | (FLAG_LAST if last else 0)
    serialization = 1 if body is not None else 0
    compression = int(compress) if body is not None else 0
    header = bytes([0x11, kind << 4 | flags, serialization << 4 | compression, 0])
    out = bytearray(header)
    if sequence is not None:
        out += struct.pack(">i", sequence)
    if body is None:
        return bytes(out)
    payload = json.dumps(body, ensure_ascii=False).encode("utf-8")
    if compress:
        payload = gzip.compress(payload)
    if kind == SERVER_ERROR:
        out += struct.pack(">I", code)
    out += struct.pack(">I", len(payload)) + payload
    return bytes(out)
