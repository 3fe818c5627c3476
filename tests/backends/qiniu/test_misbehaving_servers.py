"""Qiniu speech against servers that misbehave on purpose: silence and trickles end in bounded
time (`[network] timeout`), and what a server says is inert in the error."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from websockets.asyncio.server import serve

from tests.backends.misbehaving import Misbehaving, answer, trickled
from tui.audio.sources import PcmSource
from tui.backends.qiniu.asr import QiniuRecognizer
from tui.domain.errors import NetworkError, ServiceError
from tui.domain.secret import Secret
from tui.settings import QiniuSettings

pytestmark = pytest.mark.timeout(60)


async def test_a_silent_websocket_tts_server_ends_in_the_timeout(make_speech):
    async def silent(ws):
        await ws.recv()
        await asyncio.sleep(30)

    async with serve(silent, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        speech = make_speech(base_url=f"http://127.0.0.1:{port}/v1", timeout=1.0)
        start = time.monotonic()
        with pytest.raises(NetworkError, match="no progress for 1 s"):
            async for _ in speech.stream("你好。", voice="v", speed=1.0):
                pass
        assert time.monotonic() - start < 4


async def test_a_trickled_tts_answer_ends_in_the_timeout(make_speech):
    body = json.dumps({"data": "", "addition": {"duration": "1"}}).encode()
    async with Misbehaving(trickled(body)) as server:
        speech = make_speech(base_url=server.url + "/v1", timeout=1.0)
        start = time.monotonic()
        with pytest.raises(NetworkError, match="no progress for 1 s"):
            await speech.synthesize("你好。", voice="v", speed=1.0)
        assert time.monotonic() - start < 4


async def test_an_error_message_is_inert_and_shortened(make_speech):
    hostile = "\x1b[2J\x1b]52;c;eA==\x07" + "x" * 9000
    body = json.dumps({"error": {"code": "500", "message": hostile}})
    async with Misbehaving(answer("500 Internal Server Error", "application/json",
                                  body.encode())) as server:
        speech = make_speech(base_url=server.url + "/v1")
        with pytest.raises(ServiceError) as info:
            await speech.synthesize("你好。", voice="v", speed=1.0)
    message = str(info.value)
    assert "\x1b" not in message and "\x07" not in message and len(message) < 600


async def test_a_trickled_transcript_of_an_audio_url_ends_in_the_timeout():
    # Always a byte within httpx's read timeout, never the whole answer: only a deadline on
    # the whole call ends it.
    body = json.dumps({"data": {"result": {"text": "你好"}, "audio_info": {"duration": 1}}})
    async with Misbehaving(trickled(body.encode())) as server:
        recognizer = QiniuRecognizer(QiniuSettings(api_key=Secret("sk-test"),
                                                   base_url=server.url + "/v1"), timeout=1.0)
        start = time.monotonic()
        try:
            with pytest.raises(NetworkError, match="no progress for 1 s"):
                await recognizer.transcribe_url("https://example.com/question.mp3")
        finally:
            await recognizer.aclose()
        assert time.monotonic() - start < 4


async def test_a_recognition_error_message_is_inert_and_shortened():
    hostile = "\x1b[2J\x1b]52;c;eA==\x07\u202e" + "x" * 9000
    body = json.dumps({"error": {"code": "45000001", "message": hostile}}).encode()
    async with Misbehaving(answer("400 Bad Request", "application/json", body)) as server:
        recognizer = QiniuRecognizer(QiniuSettings(api_key=Secret("sk-test"),
                                                   base_url=server.url + "/v1"), timeout=5.0)
        try:
            with pytest.raises(ServiceError) as info:
                await recognizer.transcribe_url("https://example.com/question.mp3")
        finally:
            await recognizer.aclose()
    message = str(info.value)
    assert "refused the speech recognition" in message and "␛[2J" in message
    assert not {"\x1b", "\x07", "\u202e"} & set(message) and len(message) < 600


async def test_a_websocket_handshake_left_unanswered_ends_within_the_connect_bound():
    # [network] timeout may be long (a slow local model); opening a connection is bounded as
    # for every client (http_client.CONNECT), or a server that accepts and says nothing would
    # hold speech input for the whole timeout.
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)
        await asyncio.sleep(120)

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    recognizer = QiniuRecognizer(QiniuSettings(api_key=Secret("sk-test"),
                                               base_url=f"http://127.0.0.1:{port}/v1"),
                                 timeout=300.0)
    start = time.monotonic()
    try:
        with pytest.raises(NetworkError, match=r"Could not reach Qiniu .* within 10 s"):
            async for _ in recognizer.transcribe(PcmSource(bytes(6400)).chunks()):
                pass
    finally:
        await recognizer.aclose()
        server.close()
    assert time.monotonic() - start < 20
