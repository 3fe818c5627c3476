"""Emulated speech recognition: POST /v1/voice/asr (an audio URL) and the binary WebSocket.

Recognition is honest about being an emulator: audio the emulator's TTS made is heard as the
text it was made from (read back from its data band, `watermark.py`), whatever the client did
to it; any other audio is "recognised" as a placeholder that states its length.

Latency model: a partial result is answered `asr_packet_latency` after its packet arrived, the
final result `asr_final_latency` after the last packet, a REST call takes `asr_rest_latency`
plus `asr_rest_latency_per_second` per second of audio (it must fetch and hear all of it).
"""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import WSMsgType, web

from tui.emulator.qiniu.asr_frames import (
    AUDIO_ONLY,
    BAD_AUDIO,
    BAD_REQUEST,
    EMPTY_AUDIO,
    FULL_CLIENT_REQUEST,
    FULL_SERVER_RESPONSE,
    SERVER_ACK,
    SERVER_ERROR,
    FrameError,
    read_client_frame,
    server_frame,
)
from tui.emulator.qiniu.protocol import QiniuFault
from tui.emulator.qiniu.watermark import Decoder

if TYPE_CHECKING:
    from tui.emulator.server import EmulatorConfig

REST_FORMATS = ("raw", "wav", "mp3", "ogg")
STREAM_RATES = (8000, 16000)
REST_RATE = 16000
DOWNLOAD_TIMEOUT = 15.0


def placeholder(duration_ms: int) -> str:
    return f"[emulated ASR: {duration_ms / 1000:.1f} s of audio with no emulator speech in it]"


class Hearing:
    """What has been heard of one utterance."""

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self.samples = 0
        self._decoder = Decoder(sample_rate)

    def feed(self, pcm: bytes) -> None:
        if len(pcm) % 2:
            raise FrameError(BAD_AUDIO, "the audio ends in half a sample; send 16-bit PCM")
        self.samples += len(pcm) // 2
        self._decoder.feed(pcm)

    @property
    def duration_ms(self) -> int:
        return round(self.samples * 1000 / self.sample_rate)

    def partial(self) -> str:
        return self._decoder.text().strip()

    def final(self) -> str:
        return self.partial() or placeholder(self.duration_ms)


class AsrService:
    """The ASR routes of the Qiniu emulator; `refuse` checks the key as for every route.

    Knobs for tests: `frames` keeps every binary frame received, `configs` every config JSON,
    `silent` stops answering after the config (a server that hangs), `plain_frames` answers
    with uncompressed JSON, `fail_audio` = (code, message) answers the first audio packet with
    that error frame."""

    def __init__(self, config: EmulatorConfig, refuse: Any) -> None:
        self.config = config
        self._refuse = refuse
        self.frames: list[bytes] = []
        self.configs: list[dict[str, Any]] = []
        self.silent = False
        self.plain_frames = False
        self.fail_audio: tuple[int, str] | None = None

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/v1/voice/asr", self._rest)
        app.router.add_get("/v1/voice/asr", self._stream)

    # -- REST ----------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.Response:
        started = asyncio.get_running_loop().time()
        try:
            if fault := self._refuse(request):
                raise fault
            audio_format, url = _rest_request(await request.read())
            data = await _download(url)
            hearing = Hearing(REST_RATE)
            await asyncio.to_thread(hearing.feed, _to_pcm(data, audio_format))
        except QiniuFault as fault:
            return fault.response()
        except FrameError as error:
            return QiniuFault(400, str(error.code), error.message).response()
        latency = (self.config.asr_rest_latency
                   + self.config.asr_rest_latency_per_second * hearing.duration_ms / 1000)
        await _until(started + latency)
        duration = hearing.duration_ms
        return web.json_response({
            "reqid": uuid.uuid4().hex, "operation": "asr",
            "data": {"audio_info": {"duration": duration},
                     "result": {"additions": {"duration": str(duration)},
                                "text": hearing.final()}}})

    # -- WebSocket -----------------------------------------------------------------------

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        ws = web.WebSocketResponse()
        if not ws.can_prepare(request).ok:
            return QiniuFault(400, "3001", "this route is a WebSocket; POST an audio URL "
                              "for one-shot recognition").response()
        if fault := self._refuse(request):
            return fault.response()
        await ws.prepare(request)
        outbox: asyncio.Queue[tuple[float, bytes, bool] | None] = asyncio.Queue()
        sender = asyncio.create_task(self._send(ws, outbox))
        try:
            await self._converse(ws, outbox)
        except FrameError as error:
            body = {"code": error.code, "message": error.message}
            await outbox.put((0.0, self._frame(SERVER_ERROR, None, body, code=error.code), True))
        finally:
            await outbox.put(None)
            await asyncio.gather(sender, return_exceptions=True)
            if not ws.closed:
                await ws.close()
        return ws

    async def _converse(self, ws: web.WebSocketResponse,
                        outbox: asyncio.Queue[tuple[float, bytes, bool] | None]) -> None:
        loop = asyncio.get_running_loop()
        hearing: Hearing | None = None
        expected = 1
        async for message in ws:
            if message.type != WSMsgType.BINARY:
                raise FrameError(BAD_REQUEST, "send binary frames")
            self.frames.append(message.data)
            frame = read_client_frame(message.data)
            arrived = loop.time()
            if hearing is None:
                if frame.kind != FULL_CLIENT_REQUEST:
                    raise FrameError(BAD_REQUEST, "the first frame must be the config request")
                hearing = Hearing(self._read_config(frame.payload))
                await outbox.put((arrived, self._frame(SERVER_ACK, frame.sequence), False))
                expected = frame.sequence + 1
                continue
            if frame.kind != AUDIO_ONLY:
                raise FrameError(BAD_REQUEST, f"unexpected message type {frame.kind} after config")
            if abs(frame.sequence) != expected:
                raise FrameError(BAD_REQUEST, f"sequence {frame.sequence} where {expected} "
                                 "was due")
            expected += 1
            if self.fail_audio is not None:
                raise FrameError(*self.fail_audio)
            await asyncio.to_thread(hearing.feed, frame.payload)
            if self.silent:
                continue
            if frame.last:
                if not hearing.samples:
                    raise FrameError(EMPTY_AUDIO, "no audio was sent")
                body = self._result(hearing.final(), hearing, frame.sequence)
                reply = self._frame(FULL_SERVER_RESPONSE, frame.sequence, body, last=True)
                await outbox.put((arrived + self.config.asr_final_latency, reply, True))
                return
            body = self._result(hearing.partial(), hearing, frame.sequence)
            reply = self._frame(FULL_SERVER_RESPONSE, frame.sequence, body)
            await outbox.put((arrived + self.config.asr_packet_latency, reply, False))

    def _read_config(self, payload: bytes) -> int:
        try:
            body = json.loads(payload)
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise FrameError(BAD_REQUEST, "the config is not JSON") from None
        self.configs.append(body)
        audio = body.get("audio") if isinstance(body, dict) else None
        request = body.get("request") if isinstance(body, dict) else None
        if not isinstance(audio, dict) or not isinstance(request, dict):
            raise FrameError(BAD_REQUEST, "the config needs `audio` and `request` objects")
        if request.get("model_name") != "asr":
            raise FrameError(BAD_REQUEST, "request.model_name must be \"asr\"")
        wanted = {"format": "pcm", "bits": 16, "channel": 1, "codec": "raw"}
        for key, value in wanted.items():
            if audio.get(key) != value:
                raise FrameError(BAD_REQUEST, f"audio.{key} must be {value!r}, not "
                                 f"{audio.get(key)!r}")
        rate = audio.get("sample_rate")
        if rate not in STREAM_RATES:
            raise FrameError(BAD_REQUEST, f"audio.sample_rate {rate!r} is not one of "
                             f"{', '.join(map(str, STREAM_RATES))}")
        return int(rate)

    def _result(self, text: str, hearing: Hearing, sequence: int) -> dict[str, Any]:
        return {"code": 1000, "message": "Success", "sequence": sequence,
                "result": {"text": text,
                           "additions": {"duration": str(hearing.duration_ms)}}}

    def _frame(self, kind: int, sequence: int | None, body: dict[str, Any] | None = None, *,
               last: bool = False, code: int = 0) -> bytes:
        return server_frame(kind, sequence, body, last=last, code=code,
                            compress=not self.plain_frames)

    @staticmethod
    async def _send(ws: web.WebSocketResponse,
                    outbox: asyncio.Queue[tuple[float, bytes, bool] | None]) -> None:
        while (item := await outbox.get()) is not None:
            due, frame, closing = item
            await _until(due)
            try:
                await ws.send_bytes(frame)
                if closing:
                    await ws.close()
                    return
            except ConnectionError:  # the client went away
                return


def _rest_request(raw: bytes) -> tuple[str, str]:
    try:
        body = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise QiniuFault(400, "3001", "request body is not valid JSON") from None
    if not isinstance(body, dict) or body.get("model") != "asr":
        raise QiniuFault(400, "3001", "`model` must be \"asr\"")
    audio = body.get("audio")
    if not isinstance(audio, dict):
        raise QiniuFault(400, "3001", "request body needs an `audio` object")
    if audio.get("format") not in REST_FORMATS:
        raise QiniuFault(400, "3001", f"audio.format must be one of {', '.join(REST_FORMATS)}")
    url = audio.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise QiniuFault(400, "3001", "audio.url must be a public http(s) URL")
    return audio["format"], url


async def _download(url: str) -> bytes:
    try:
        timeout = aiohttp.ClientTimeout(DOWNLOAD_TIMEOUT)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            async with session.get(url) as response:
                if response.status != 200:
                    raise QiniuFault(400, "3002", f"the audio URL answered HTTP {response.status}")
                return await response.read()
    except (aiohttp.ClientError, asyncio.TimeoutError):
        raise QiniuFault(400, "3002", "the audio URL could not be downloaded") from None


def _to_pcm(data: bytes, audio_format: str) -> bytes:
    if audio_format == "raw":
        return data
    import miniaudio

    try:
        sound = miniaudio.decode(data, output_format=miniaudio.SampleFormat.SIGNED16,
                                 nchannels=1, sample_rate=REST_RATE)
    except miniaudio.DecodeError:
        raise FrameError(BAD_AUDIO, f"the audio is not {audio_format} that can be decoded") \
            from None
    return sound.samples.tobytes()


async def _until(deadline: float) -> None:
    delay = deadline - asyncio.get_running_loop().time()
    if delay > 0:
        await asyncio.sleep(delay)
