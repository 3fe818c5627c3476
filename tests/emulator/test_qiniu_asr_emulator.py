"""The emulated ASR's own checks, spoken to with raw frames (not the client's framing code)."""

from __future__ import annotations

import gzip
import json
import struct

import aiohttp
import pytest

from tui.emulator import DEMO
from tui.emulator.qiniu.watermark import Decoder, embed

HEADERS = {"Authorization": f"Bearer {DEMO.qiniu_api_key}"}
GOOD = {"user": {"uid": "t"}, "audio": {"format": "pcm", "sample_rate": 16000, "bits": 16,
                                          "channel": 1, "codec": "raw"},
        "request": {"model_name": "asr", "enable_punc": True}}


def frame(kind: int, flags: int, sequence: int, payload: bytes) -> bytes:
    body = gzip.compress(payload)
    return bytes([0x11, kind << 4 | flags, 0x11, 0]) + struct.pack(">iI", sequence, len(body)) + body


def error_of(data: bytes) -> tuple[int, dict]:
    assert data[1] >> 4 == 15
    offset = 4 + (4 if data[1] & 1 else 0)
    code, size = struct.unpack_from(">II", data, offset)
    return code, json.loads(gzip.decompress(data[offset + 8:offset + 8 + size]))


async def converse(emulator, *frames: bytes) -> list[bytes]:
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(f"{emulator.base_url}/v1/voice/asr", headers=HEADERS) as ws:
            for f in frames:
                await ws.send_bytes(f)
            return [m.data async for m in ws if m.type == aiohttp.WSMsgType.BINARY]


@pytest.mark.parametrize(("change", "words"), [
    ({"sample_rate": 44100}, "sample_rate 44100"),
    ({"format": "mp3"}, "audio.format must be 'pcm'"),
    ({"channel": 2}, "audio.channel must be 1"),
])
async def test_a_bad_config_gets_an_error_frame(emulator, change, words):
    config = {**GOOD, "audio": {**GOOD["audio"], **change}}
    answers = await converse(emulator, frame(1, 1, 1, json.dumps(config).encode()))
    code, body = error_of(answers[-1])
    assert code == 45000001 and words in body["message"]


async def test_undecodable_audio_gets_an_error_frame(emulator):
    broken = bytes([0x11, 0x21, 0x11, 0]) + struct.pack(">iI", 2, 5) + b"nope!"
    answers = await converse(emulator, frame(1, 1, 1, json.dumps(GOOD).encode()), broken)
    assert answers[0][:8] == bytes([0x11, 0xB1, 0, 0]) + struct.pack(">i", 1)  # the ACK
    assert error_of(answers[-1])[0] == 45000151


async def test_half_a_sample_is_undecodable(emulator):
    answers = await converse(emulator, frame(1, 1, 1, json.dumps(GOOD).encode()),
                             frame(2, 2, -2, b"\0\0\0"))
    assert error_of(answers[-1])[0] == 45000151


async def test_a_key_is_checked_at_the_handshake(emulator):
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as caught:
            await session.ws_connect(f"{emulator.base_url}/v1/voice/asr",
                                     headers={"Authorization": "Bearer nope"})
    assert caught.value.status == 401


@pytest.mark.parametrize("rate", [8000, 16000, 24000])
def test_the_watermark_reads_back_at_any_rate(rate):
    text = "Watermarks survive. 水印。"
    decoder = Decoder(rate)
    decoder.feed(embed(bytes(2 * rate), text, rate))
    assert decoder.text() == text
