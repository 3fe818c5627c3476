"""Emulated Tencent AI open platform (ai.qq.com), at its real paths under /fcgi-bin.

POST /fcgi-bin/nlp/nlp_textchat, /fcgi-bin/aai/aai_tts, /fcgi-bin/aai/aai_asr,
/fcgi-bin/aai/aai_wxasrlong and /fcgi-bin/aai/aai_detectkeyword, form-encoded and MD5-signed
(tencent.md). Every answer is HTTP 200 with `{"ret", "msg", "data"}`; errors keep `data`'s keys
with empty values. Long ASR and keyword detection answer a `task_id` at once and POST their
results to `callback_url` later (`callbacks.py`).

Knobs for tests: `requests` counts calls per API, `texts` lists every text synthesized,
`corrupt_md5` makes TTS answers carry a wrong `md5sum`, `callbacks` (a `CallbackPoster`)
records deliveries and can duplicate or fail them, `chats` holds the chat sessions.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

import aiohttp
from aiohttp import web

from tui.emulator.tencent import rets
from tui.emulator.tencent.callbacks import CallbackPoster, keyword_segments
from tui.emulator.tencent.chat import ChatSessions
from tui.emulator.tencent.gate import Gate
from tui.emulator.tencent.recognise import Undecodable, duration_ms, hear, pcm_of, transcribe
from tui.emulator.tencent.rets import Refusal
from tui.emulator.tencent.speech import FORMATS, MAX_TEXT_BYTES, SPEAKERS, render, tts_data

if TYPE_CHECKING:
    from tui.emulator.server import EmulatorConfig

__all__ = ["TencentEmulator"]

MAX_SESSION_BYTES = 32
MAX_QUESTION_BYTES = 300
MAX_ASR_BASE64 = 8 * 1024 * 1024
MAX_LONG_SPEECH = 5 * 1024 * 1024
MAX_LONG_SPEECH_URL = 30 * 1024 * 1024
MAX_LONG_MS = 15 * 60 * 1000
MAX_KEYWORDS = 500
ASR_FORMATS = ("1", "2", "3", "4")


class TencentEmulator:
    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.requests: Counter[str] = Counter()
        self.corrupt_md5 = False
        self.texts: list[str] = []
        self.chats = ChatSessions(config.state_dir)
        self.callbacks = CallbackPoster(lambda: config.tencent_callback_delay,
                                        lambda: config.tencent_callback_retry_delay)
        self._gate = Gate(config.tencent_apps, config.tencent_forbidden_apis,
                          lambda: config.tencent_qps)
        self._tasks = 0

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/fcgi-bin/{group}/{api}", self._call)
        app.on_cleanup.append(self._cleanup)

    async def _cleanup(self, _app: web.Application) -> None:
        await self.callbacks.close()

    async def _call(self, request: web.Request) -> web.Response:
        api = f"{request.match_info['group']}/{request.match_info['api']}"
        handler = self._handlers().get(api)
        if handler is None:
            return web.json_response(
                {"ret": rets.INVALID_PARAM, "msg": "api not found", "data": {}}, status=404)
        self.requests[api] += 1
        try:
            form = await _form(request)
            app_id = self._gate.admit(api, form)
            data = await handler(form, app_id)
        except Refusal as refusal:
            return rets.answer(api, refusal.ret, refusal.msg)
        return rets.answer(api, rets.OK, "ok", data)

    def _handlers(self) -> dict[str, Any]:
        return {"nlp/nlp_textchat": self._chat, "aai/aai_tts": self._tts,
                "aai/aai_asr": self._asr, "aai/aai_wxasrlong": self._long_asr,
                "aai/aai_detectkeyword": self._keywords}

    # -- APIs -----------------------------------------------------------------------------

    async def _chat(self, form: dict[str, str], _app_id: str) -> dict[str, Any]:
        session, question = _required(form, "session"), _required(form, "question")
        if len(session.encode()) > MAX_SESSION_BYTES:
            raise Refusal(rets.INVALID_PARAM, "session is longer than 32 bytes")
        if len(question.encode()) > MAX_QUESTION_BYTES:
            raise Refusal(rets.INVALID_PARAM, "question is longer than 300 bytes")
        return {"session": session, "answer": self.chats.answer(session, question)}

    async def _tts(self, form: dict[str, str], _app_id: str) -> dict[str, Any]:
        speaker = _choice(form, "speaker", tuple(SPEAKERS))
        fmt = _choice(form, "format", tuple(FORMATS))
        _number(form, "volume", -10, 10)
        speed = _number(form, "speed", 50, 200)
        aht = _number(form, "aht", -24, 24)
        _number(form, "apc", 0, 100)
        text = _required(form, "text")
        if len(text.encode()) > MAX_TEXT_BYTES:
            raise Refusal(rets.INVALID_PARAM, "text is longer than 150 bytes")
        self.texts.append(text)
        try:
            audio = await asyncio.to_thread(render, text, speaker=speaker, fmt=fmt, speed=speed,
                                            aht=aht)
        except Exception:  # the encoder failing is the platform's TTS failure
            raise Refusal(rets.TTS_FAILED, "tts failed") from None
        return tts_data(audio, fmt, corrupt_md5=self.corrupt_md5)

    async def _asr(self, form: dict[str, str], _app_id: str) -> dict[str, Any]:
        fmt = _choice(form, "format", ASR_FORMATS)
        rate = _choice(form, "rate", ("8000", "16000"))
        encoded = _required(form, "speech")
        if len(encoded) > MAX_ASR_BASE64:
            raise Refusal(rets.SPEECH_LENGTH, "speech is longer than 8 MB")
        pcm, actual_rate = _decode(_base64(encoded), fmt, int(rate))
        text = transcribe(hear(pcm, actual_rate))
        if not text:
            raise Refusal(rets.SPEECH_LENGTH, "speech is empty")
        return {"format": int(fmt), "rate": int(rate), "text": text}

    async def _long_asr(self, form: dict[str, str], app_id: str) -> dict[str, Any]:
        fmt, url = _choice(form, "format", ASR_FORMATS), _required(form, "callback_url")
        audio = await self._long_audio(form)
        task_id = self._task_id(app_id)
        body = await self._recognised(
            task_id, audio, fmt, 16000, {"task_id": task_id, "text": ""},
            lambda heard: [{"ret": 0, "msg": "ok",
                            "data": {"task_id": task_id, "text": transcribe(heard)}}])
        self.callbacks.schedule(url, body)
        return {"task_id": task_id}

    async def _keywords(self, form: dict[str, str], app_id: str) -> dict[str, Any]:
        fmt, url = _choice(form, "format", ASR_FORMATS), _required(form, "callback_url")
        words = [w for w in _required(form, "key_words").split("|")]
        if len(words) > MAX_KEYWORDS or any(len(w) < 2 for w in words):
            raise Refusal(rets.INVALID_PARAM,
                          "key_words: at most 500 words, each at least 2 characters")
        audio = await self._long_audio(form)
        task_id = self._task_id(app_id)
        empty = {"task_id": task_id, "seg_index": 0, "bps": 0, "eps": 0, "is_end": 1,
                 "res": {"key_words_size": 0, "key_words": []}}
        bodies = await self._recognised(
            task_id, audio, fmt, 8000, empty,
            lambda heard: keyword_segments(task_id, heard, words))
        self.callbacks.schedule(url, bodies, gap=self.config.tencent_segment_gap)
        return {"task_id": task_id}

    # -- helpers --------------------------------------------------------------------------

    async def _recognised(self, task_id: str, audio: bytes, fmt: str, pcm_rate: int,
                          empty: dict[str, Any], results: Any) -> list[dict[str, Any]]:
        """The callback bodies of a task: the results, or one failure carrying `empty` data.
        Raw PCM is taken at `pcm_rate` (16 kHz for recognition, 8 kHz for keyword search)."""
        if self.callbacks.result_ret is not None:
            return [{"ret": self.callbacks.result_ret, "msg": "recognition failed", "data": empty}]
        try:
            pcm, rate = _decode(audio, fmt, pcm_rate)
        except Refusal as refusal:
            return [{"ret": refusal.ret, "msg": refusal.msg, "data": empty}]
        if duration_ms(pcm, rate) > MAX_LONG_MS:
            return [{"ret": rets.SPEECH_LENGTH, "msg": "speech is longer than 15 minutes",
                     "data": empty}]
        return list(results(hear(pcm, rate)))

    async def _long_audio(self, form: dict[str, str]) -> bytes:
        if form.get("speech"):
            audio = _base64(form["speech"])
            if len(audio) > MAX_LONG_SPEECH:
                raise Refusal(rets.SPEECH_LENGTH, "speech is larger than 5 MB")
            return audio
        url = _required(form, "speech_url")
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
                async with session.get(url) as response:
                    if response.status != 200:
                        raise Refusal(rets.INVALID_PARAM, "speech_url could not be downloaded")
                    audio = b""
                    async for chunk in response.content.iter_chunked(1 << 20):
                        audio += chunk
                        if len(audio) > MAX_LONG_SPEECH_URL:
                            break
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
            raise Refusal(rets.INVALID_PARAM, "speech_url could not be downloaded") from None
        if len(audio) > MAX_LONG_SPEECH_URL:
            raise Refusal(rets.SPEECH_LENGTH, "speech_url audio is larger than 30 MB")
        return audio

    def _task_id(self, app_id: str) -> str:
        self._tasks += 1
        return f"{app_id}_{int(time.time() * 1000)}{self._tasks:03d}"


async def _form(request: web.Request) -> dict[str, str]:
    if not request.content_type.startswith("application/x-www-form-urlencoded"):
        raise Refusal(rets.INVALID_PARAM, "Content-Type must be application/x-www-form-urlencoded")
    posted = await request.post()
    return {key: str(value) for key, value in posted.items()}


def _required(form: dict[str, str], key: str) -> str:
    if not form.get(key):
        raise Refusal(rets.INVALID_PARAM, f"{key} is required")
    return form[key]


def _choice(form: dict[str, str], key: str, allowed: tuple[str, ...]) -> str:
    value = _required(form, key)
    if value not in allowed:
        raise Refusal(rets.INVALID_PARAM, f"{key} must be one of {', '.join(allowed)}")
    return value


def _number(form: dict[str, str], key: str, low: int, high: int) -> int:
    try:
        value = int(_required(form, key))
    except ValueError:
        raise Refusal(rets.INVALID_PARAM, f"{key} must be an integer") from None
    if not low <= value <= high:
        raise Refusal(rets.INVALID_PARAM, f"{key} must be from {low} to {high}")
    return value


def _base64(text: str) -> bytes:
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise Refusal(rets.ASR_DECODE_FAILED, "speech is not valid base64") from None


def _decode(audio: bytes, fmt: str, rate: int) -> tuple[bytes, int]:
    if not audio:
        raise Refusal(rets.SPEECH_LENGTH, "speech is empty")
    try:
        return pcm_of(audio, fmt, rate)
    except Undecodable as e:
        raise Refusal(rets.ASR_DECODE_FAILED, f"speech could not be decoded: {e}") from None
