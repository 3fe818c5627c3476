"""Emulated Qiniu AI inference API: voice list, previews, TTS and ASR over HTTP and WebSocket.

Routes (qiniu.md §1-4): GET /v1/voice/list, POST /v1/voice/tts, WebSocket GET /v1/voice/tts,
POST and WebSocket GET /v1/voice/asr (`asr.py`), and GET /v1/voice/preview/<voice_type>.mp3
(the preview clips the list points at; public, as Qiniu's CDN is). Synthesis takes
`tts_start_latency + tts_latency_per_char * characters`; a streamed response sends each segment
when the characters it covers are "done", so time to first audio can be measured honestly.

Knobs for tests: `requests` counts requests per route, `texts` lists every text synthesized,
`hangups` counts streams the client closed before their end, `list_wrapper` wraps the voice
list as {"voices"|"data": [...]}, `outage` answers every API route with that HTTP status,
`fail_stream_after` ends a WebSocket stream with close code 1011 after that many frames.
"""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from collections import Counter
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from aiohttp import WSMsgType, web

from tui.emulator.qiniu.asr import AsrService
from tui.emulator.qiniu.catalogue import find_voice, preview_text, voice_list
from tui.emulator.qiniu.encode import encode_segments
from tui.emulator.qiniu.protocol import QiniuFault, TtsRequest, bad_key, parse_tts
from tui.emulator.qiniu.synth import SAMPLE_RATE, Segment, synthesize, voice_pitch

if TYPE_CHECKING:
    from tui.emulator.server import EmulatorConfig

__all__ = ["QiniuEmulator"]


class QiniuEmulator:
    def __init__(self, config: EmulatorConfig, base_url: Callable[[], str]) -> None:
        self.config = config
        self._base_url = base_url
        self.requests: Counter[str] = Counter()
        self.texts: list[str] = []
        self.list_wrapper: str | None = None
        self.outage: int | None = None
        self.fail_stream_after: int | None = None
        self.hangups = 0
        self._previews: dict[str, bytes] = {}
        self.asr = AsrService(config, self._refuse)

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/v1/voice/list", self._list)
        app.router.add_post("/v1/voice/tts", self._tts)
        app.router.add_get("/v1/voice/tts", self._tts_stream)
        app.router.add_get("/v1/voice/preview/{voice_type}.mp3", self._preview)
        self.asr.add_routes(app)

    # -- routes ---------------------------------------------------------------------------

    async def _list(self, request: web.Request) -> web.Response:
        self.requests["list"] += 1
        if fault := self._refuse(request):
            return fault.response()
        voices: Any = voice_list(self._base_url())
        if self.list_wrapper:
            voices = {self.list_wrapper: voices}
        return web.json_response(voices)

    async def _tts(self, request: web.Request) -> web.Response:
        self.requests["tts"] += 1
        started = asyncio.get_running_loop().time()
        try:
            if fault := self._refuse(request):
                raise fault
            tts = parse_tts(await request.read())
        except QiniuFault as fault:
            return fault.response()
        except ConnectionResetError:  # the client hung up mid-request (a stop): nobody to answer
            return web.Response(status=499)
        segments, chunks = await self._render(tts)
        await self._until(started + self._latency(len(tts.text)))
        return web.json_response({
            "reqid": uuid.uuid4().hex, "operation": "query", "sequence": -1,
            "data": base64.b64encode(b"".join(chunks)).decode("ascii"),
            "addition": {"duration": _duration_ms(segments)},
        })

    async def _tts_stream(self, request: web.Request) -> web.StreamResponse:
        self.requests["tts_ws"] += 1
        ws = web.WebSocketResponse()
        if not ws.can_prepare(request).ok:
            return QiniuFault(400, "3001",
                              "this route is a WebSocket; POST for one-shot synthesis").response()
        if fault := self._refuse(request):
            return fault.response()
        header_voice = request.headers.get("VoiceType", "")
        if not header_voice:
            return QiniuFault(400, "3001", "the VoiceType header is required").response()
        if find_voice(header_voice) is None:
            return QiniuFault(400, "3050", f"unknown voice_type {header_voice!r}").response()
        await ws.prepare(request)
        try:
            message = await ws.receive(timeout=30)
            if message.type != WSMsgType.BINARY:
                raise QiniuFault(400, "3001", "send the request as one binary message")
            tts = parse_tts(message.data, header_voice)
        except QiniuFault as fault:
            await ws.send_str(json.dumps(fault.body()))
            await ws.close(code=1008, message=fault.code.encode())
            return ws
        except asyncio.TimeoutError:
            await ws.close(code=1008, message=b"no request received")
            return ws
        sender = asyncio.create_task(self._send_stream(ws, tts, asyncio.get_running_loop().time()))
        # Keep reading while sending, as a real server does: a client's close frame (a stop)
        # is answered at once and ends the synthesis.
        async for _ in ws:
            pass
        if not sender.done():
            self.hangups += 1
            sender.cancel()
        await asyncio.gather(sender, return_exceptions=True)
        return ws

    async def _preview(self, request: web.Request) -> web.Response:
        self.requests["preview"] += 1
        voice = find_voice(request.match_info["voice_type"])
        if voice is None:
            return QiniuFault(404, "not_found", "no such preview").response()
        if voice["voice_type"] not in self._previews:
            clip = TtsRequest(voice["voice_type"], "mp3", 1.0, preview_text(voice))
            _, chunks = await asyncio.to_thread(_render, clip)
            self._previews[voice["voice_type"]] = b"".join(chunks)
        return web.Response(body=self._previews[voice["voice_type"]], content_type="audio/mpeg")

    # -- helpers --------------------------------------------------------------------------

    async def _send_stream(self, ws: web.WebSocketResponse, tts: TtsRequest,
                           started: float) -> None:
        segments, chunks = await self._render(tts)
        reqid, last = uuid.uuid4().hex, len(chunks)
        for number, (segment, chunk) in enumerate(zip(segments, chunks, strict=True), start=1):
            await self._until(started + self._latency(segment.text_end))
            if self.fail_stream_after is not None and number > self.fail_stream_after:
                await ws.close(code=1011, message=b"synthesis failed")
                return
            frame: dict[str, Any] = {"reqid": reqid, "operation": "submit",
                                     "sequence": number if number < last else -number,
                                     "data": base64.b64encode(chunk).decode("ascii")}
            if number == last:
                frame["addition"] = {"duration": _duration_ms(segments)}
            try:
                await ws.send_str(json.dumps(frame))
            except ConnectionError:  # the client went away without a close frame
                return
        await ws.close(code=1000)

    async def _render(self, tts: TtsRequest) -> tuple[list[Segment], list[bytes]]:
        self.texts.append(tts.text)
        # Off the loop: a long MP3 takes a moment to encode, and other clients share this loop.
        return await asyncio.to_thread(_render, tts)

    def _refuse(self, request: web.Request) -> QiniuFault | None:
        if self.outage:
            return QiniuFault(self.outage, "service_unavailable",
                              "the service is temporarily unavailable")
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme != "Bearer" or key not in self.config.qiniu_api_keys:
            return bad_key()
        return None

    def _latency(self, characters: int) -> float:
        return self.config.tts_start_latency + self.config.tts_latency_per_char * characters

    @staticmethod
    async def _until(deadline: float) -> None:
        delay = deadline - asyncio.get_running_loop().time()
        if delay > 0:
            await asyncio.sleep(delay)


def _render(tts: TtsRequest) -> tuple[list[Segment], list[bytes]]:
    """The audio of a request: its segments, and each one encoded as requested."""
    segments = synthesize(tts.text, voice_pitch(tts.voice_type), tts.speed)
    return segments, encode_segments([s.pcm for s in segments], tts.encoding)


def _duration_ms(segments: list[Segment]) -> str:
    samples = sum(len(s.pcm) for s in segments) // 2
    return str(round(samples * 1000 / SAMPLE_RATE))
