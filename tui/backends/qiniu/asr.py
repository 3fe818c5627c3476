"""`QiniuRecognizer`: speech recognition over Qiniu's binary WebSocket, and the REST call for
an audio URL (qiniu.md §4). Implements `tui.domain.transcript.SpeechRecognizer`.

The WebSocket session: the config packet, one server answer (ACK or response), then audio
packets of 100-300 ms while the audio lasts, the last one flagged; the service answers with the
cumulative transcript, which `ReplyText` turns into edits as for a chat reply.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterable, AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus, InvalidURI

from tui.backends.deadlines import within
from tui.backends.http_client import CONNECT, http_client
from tui.backends.qiniu.asr_protocol import (
    FULL_SERVER_RESPONSE,
    SERVER_ERROR,
    MalformedFrame,
    ServerFrame,
    audio_frame,
    config_frame,
    parse_server_frame,
    result_text,
)
from tui.backends.qiniu.errors import KEY_ENV, QiniuErrors
from tui.domain.errors import AichatError, SettingsError
from tui.domain.inert_text import inert_value
from tui.domain.reply import ReplyText
from tui.domain.transcript import (
    BYTES_PER_SECOND,
    TranscriptChanged,
    TranscriptEvent,
    TranscriptFinished,
    pcm_ms,
)
from tui.settings import DEFAULT_NETWORK_TIMEOUT, QiniuSettings, Settings

_log = logging.getLogger("tui.backends.qiniu.websocket")  # redacted like the TTS socket's

PACKET_BYTES = BYTES_PER_SECOND * 200 // 1000
MAX_PACKET_BYTES = BYTES_PER_SECOND * 300 // 1000
# The formats the REST call names; a URL whose extension says nothing is sent as mp3.
URL_FORMATS = {".mp3": "mp3", ".wav": "wav", ".ogg": "ogg", ".oga": "ogg", ".opus": "ogg",
               ".pcm": "raw", ".raw": "raw"}


def asr_websocket_url(base_url: str) -> str:
    scheme, rest = base_url.split("://", 1)
    return f"{'wss' if scheme == 'https' else 'ws'}://{rest.rstrip('/')}/voice/asr"


async def packets(audio: AsyncIterable[bytes]) -> AsyncIterator[tuple[bytes, bool]]:
    """Re-cut PCM chunks of any size into packets of 100-300 ms: (pcm, is_last). Up to 400 ms
    are held back so the last packet is never a sliver."""
    buffer = bytearray()
    async for chunk in audio:
        buffer += chunk
        while len(buffer) >= 2 * PACKET_BYTES:
            yield bytes(buffer[:PACKET_BYTES]), False
            del buffer[:PACKET_BYTES]
    buffer = buffer[:len(buffer) - len(buffer) % 2]
    if len(buffer) > MAX_PACKET_BYTES:
        half = len(buffer) // 4 * 2
        yield bytes(buffer[:half]), False
        del buffer[:half]
    yield bytes(buffer), True


class QiniuRecognizer:
    name = "qiniu"

    def __init__(self, settings: QiniuSettings, *, config_path: Path | str = "the settings file",
                 timeout: float = DEFAULT_NETWORK_TIMEOUT,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        key = settings.api_key.reveal()
        if not key:
            raise SettingsError("No Qiniu API key is set, so speech cannot be recognised.",
                                f"Set api_key in [qiniu] of {config_path} or {KEY_ENV}.")
        self.base_url = settings.base_url.rstrip("/")
        # The longest the service may go without a frame (or a REST call without progress).
        self.timeout = timeout
        self._headers = {"Authorization": f"Bearer {key}"}
        self._errors = QiniuErrors(urlsplit(self.base_url).netloc, str(config_path), key, timeout)
        self._client = http_client(timeout, transport=transport)

    @classmethod
    def from_settings(cls, settings: Settings) -> QiniuRecognizer:
        settings.require("qiniu")
        return cls(settings.qiniu, config_path=settings.config_path,
                   timeout=settings.network.timeout)

    async def transcribe(self, audio: AsyncIterable[bytes]) -> AsyncIterator[TranscriptEvent]:
        text = ReplyText()
        sent = [0]
        opening = min(CONNECT, self.timeout)  # as for every client: a missing server is said soon
        try:
            async with connect(asr_websocket_url(self.base_url), additional_headers=self._headers,
                               open_timeout=opening, close_timeout=1.0,
                               logger=_log) as ws:
                await ws.send(config_frame(uuid.uuid4().hex))
                self._check(await self._receive(ws))  # the answer to the config
                sender = asyncio.create_task(self._send_audio(ws, audio, sent))
                try:
                    while True:
                        frame = await self._receive(ws, sender)
                        self._check(frame)
                        snapshot = result_text(frame.body)
                        if snapshot is not None:
                            edit = text.update(snapshot)
                            if edit is not None:
                                yield TranscriptChanged(edit, text.text)
                        if frame.last:
                            yield TranscriptFinished(text.text, pcm_ms(sent[0]))
                            return
                finally:
                    sender.cancel()
                    await asyncio.gather(sender, return_exceptions=True)
        except InvalidStatus as e:
            response = e.response
            raise self._errors.from_status(response.status_code, response.body or b"") from None
        except (TimeoutError, asyncio.TimeoutError):  # opening: each frame has its deadline
            raise self._errors.unreachable(TimeoutError(
                f"the connection was not answered within {opening:g} s")) from None
        except (OSError, InvalidHandshake, InvalidURI) as e:
            raise self._errors.unreachable(e) from None

    async def transcribe_url(self, url: str) -> TranscriptFinished:
        audio_format = URL_FORMATS.get(Path(urlsplit(url).path).suffix.lower(), "mp3")
        body = {"model": "asr", "audio": {"format": audio_format, "url": url}}
        try:
            # The whole answer within the timeout: a trickling server cannot hold the call.
            response = await within(self._client.post(f"{self.base_url}/voice/asr", json=body,
                                                      headers=self._headers),
                                    self.timeout, self._errors.timed_out)
        except httpx.TimeoutException:
            raise self._errors.timed_out() from None
        except httpx.TransportError as e:
            raise self._errors.unreachable(e) from None
        if response.status_code >= 300:
            raise self._rest_error(response)
        try:
            data = response.json()["data"]
            text = data["result"]["text"]
            duration = int(data.get("audio_info", {}).get("duration", 0))
        except (ValueError, KeyError, TypeError):
            raise self._errors.not_the_api("something that is not a transcript") from None
        if not isinstance(text, str):
            raise self._errors.not_the_api("something that is not a transcript")
        return TranscriptFinished(text, duration)

    async def aclose(self) -> None:
        await self._client.aclose()

    # -- helpers --------------------------------------------------------------------------

    async def _receive(self, ws: ClientConnection,
                       sender: asyncio.Task[None] | None = None) -> ServerFrame:
        """The next frame; a silent service times out, a failed audio source re-raises."""
        try:
            message = await within(ws.recv(), self.timeout, self._errors.timed_out)
        except ConnectionClosed as e:
            if sender is not None:
                # The sender hangs up when the audio source fails: its error is the story.
                await asyncio.wait([sender], timeout=self.timeout)
                if sender.done() and not sender.cancelled() and sender.exception() is not None:
                    raise sender.exception() from None  # type: ignore[misc]
            code = e.rcvd.code if e.rcvd else "none"
            reason = e.rcvd.reason if e.rcvd and e.rcvd.reason else "no reason given"
            raise self._errors.recognition_broke(
                f"closed before the final transcript, code {code}, "
                f"{inert_value(self._errors.scrub(reason))}") from None
        if isinstance(message, str):
            raise self._errors.not_the_api("a text frame")
        try:
            return parse_server_frame(message)
        except MalformedFrame as e:
            raise self._errors.not_the_api(f"a malformed frame ({e})") from None

    def _check(self, frame: ServerFrame) -> None:
        if frame.kind == SERVER_ERROR:
            message = _error_message(frame.body)
            raise self._errors.recognition_failed(frame.error_code, message)
        if frame.kind == FULL_SERVER_RESPONSE and isinstance(frame.body, dict):
            code = frame.body.get("code")
            if isinstance(code, int) and code not in (0, 1000) and "result" not in frame.body:
                raise self._errors.recognition_failed(code, _error_message(frame.body))

    async def _send_audio(self, ws: ClientConnection, audio: AsyncIterable[bytes],
                          sent: list[int]) -> None:
        """Send the packets; on a failure of the audio source, hang up so the reader stops."""
        sequence = 1
        try:
            async for pcm, last in packets(audio):
                sequence += 1
                await ws.send(audio_frame(sequence, pcm, last=last))
                sent[0] += len(pcm)
        except Exception:
            await ws.close()
            raise

    def _rest_error(self, response: httpx.Response) -> AichatError:
        if response.status_code in (401, 403, 429) or response.status_code >= 500:
            return self._errors.from_status(response.status_code, response.content,
                                            retry_after=response.headers.get("Retry-After"))
        try:
            error = response.json().get("error", {})
            code, message = error.get("code"), str(error.get("message", ""))
        except (ValueError, AttributeError):
            code, message = None, response.text[:200]
        numeric = int(code) if isinstance(code, str) and code.isdigit() else None
        return self._errors.recognition_failed(numeric, message or f"HTTP {response.status_code}")


def _error_message(body: Any) -> str:
    if isinstance(body, dict):
        for key in ("message", "error", "msg"):
            if isinstance(body.get(key), str):
                return str(body[key])
    return str(body or "no details")
