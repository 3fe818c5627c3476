"""Speech to feed recognisers in tests: the emulator's own TTS (so the emulated recogniser
hears its text), decoded to 16 kHz mono as a client would."""

from __future__ import annotations

import base64

import httpx
import miniaudio

from tui.emulator import DEMO


async def spoken(emulator, text: str, encoding: str = "mp3") -> bytes:
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{emulator.base_url}/v1/voice/tts",
                                   headers={"Authorization": f"Bearer {DEMO.qiniu_api_key}"},
                                   json={"audio": {"voice_type": "qiniu_zh_female_wwxkjx",
                                                   "encoding": encoding},
                                         "request": {"text": text}})
    data = base64.b64decode(answer.json()["data"])
    return miniaudio.decode(data, output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1,
                            sample_rate=16000).samples.tobytes()
