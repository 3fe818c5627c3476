"""Streaming synthesis over Qiniu's TTS WebSocket (qiniu.md §3).

Connect with the key and a VoiceType header, send the request as ONE binary message, then read
JSON frames (text or binary) until one has a negative sequence. That last frame may still
carry audio, so its data is decoded before the sequence is looked at.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncGenerator
from typing import Any

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from tui.backends.deadlines import each_within
from tui.backends.http_client import CONNECT
from tui.backends.qiniu.errors import QiniuErrors
from tui.backends.qiniu.tts import decode_audio_data

# websockets logs handshake headers (the API key) at DEBUG: keep its records under `tui`, whose
# log handler redacts secrets.
_log = logging.getLogger("tui.backends.qiniu.websocket")
# Frames carry base64 audio; a generous cap so a long clause is never refused.
MAX_FRAME_BYTES = 16 * 1024 * 1024
# A stop closes the socket while audio is still coming; don't linger on the close handshake.
CLOSE_TIMEOUT = 1.0


def websocket_url(base_url: str) -> str:
    """{base_url}/voice/tts with http -> ws and https -> wss."""
    scheme, rest = base_url.split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest.rstrip('/')}/voice/tts"


async def stream_tts(url: str, headers: dict[str, str], body: dict[str, Any],
                     errors: QiniuErrors, timeout: float) -> AsyncGenerator[bytes, None]:
    """Yield audio chunks as frames arrive. Closing the generator hangs up."""
    voice = body["audio"]["voice_type"]
    try:
        async with connect(url, additional_headers={**headers, "VoiceType": voice},
                           open_timeout=min(CONNECT, timeout), close_timeout=CLOSE_TIMEOUT,
                           max_size=MAX_FRAME_BYTES, logger=_log) as ws:
            await ws.send(json.dumps(body).encode("utf-8"))
            # Each frame within the timeout: a silent server cannot hold the speech forever.
            async for message in each_within(ws, timeout, errors.timed_out):
                try:
                    frame = json.loads(message)
                except (json.JSONDecodeError, UnicodeDecodeError):
                    raise errors.not_the_api("a stream frame that is not JSON") from None
                if isinstance(frame, dict) and "error" in frame:
                    raise errors.from_status(400, json.dumps(frame), voice=voice)
                audio = decode_audio_data(frame, errors)
                if audio:
                    yield audio
                sequence = frame.get("sequence")
                if isinstance(sequence, int) and sequence < 0:
                    return
            raise errors.broken_stream("it closed before the last frame")
    except InvalidStatus as e:
        response = e.response
        raise errors.from_status(response.status_code, response.body or b"", voice=voice,
                                 retry_after=response.headers.get("Retry-After")) from None
    except ConnectionClosed as e:
        code = e.rcvd.code if e.rcvd else "none"
        reason = e.rcvd.reason if e.rcvd and e.rcvd.reason else "no reason given"
        raise errors.broken_stream(f"close code {code}, {errors.scrub(reason)}") from None
    except (TimeoutError, asyncio.TimeoutError):  # distinct types before Python 3.11
        raise errors.timed_out() from None
    except (OSError, InvalidHandshake, InvalidURI) as e:
        raise errors.unreachable(e) from None
