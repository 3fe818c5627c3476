"""From the end of speech to the final transcript, against the emulator's latency models:
streaming (live input ending after the silence timeout) vs the REST call for a URL (the
whole file recognised after it was recorded). Prints the overhead beyond the silence timeout
(target: within 0.3 s) and the REST time, on the emulator's default latency models.

    ./run python bench/listen_latency.py
"""

from __future__ import annotations

import asyncio
import base64
import functools
import http.server
import tempfile
import threading
from pathlib import Path

import httpx
import miniaudio

from tui.audio.sources import PcmSource
from tui.audio.vad import SpeechEnded, VoiceActivity, until_silence
from tui.backends.qiniu.asr import QiniuRecognizer
from tui.domain.secret import Secret
from tui.domain.transcript import BYTES_PER_SECOND, TranscriptFinished
from tui.emulator import DEMO, Emulator
from tui.settings import QiniuSettings

TEXT = "What is the weather like in Shanghai tomorrow?"
SILENCE_TIMEOUT = 1.5
RUNS = 3


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


async def main() -> None:
    emulator = Emulator()
    await emulator.start()
    headers = {"Authorization": f"Bearer {DEMO.qiniu_api_key}"}
    async with httpx.AsyncClient() as client:
        answer = await client.post(f"{emulator.base_url}/v1/voice/tts", headers=headers, json={
            "audio": {"voice_type": "qiniu_zh_female_wwxkjx", "encoding": "mp3"},
            "request": {"text": TEXT}})
    mp3 = base64.b64decode(answer.json()["data"])
    pcm = miniaudio.decode(mp3, output_format=miniaudio.SampleFormat.SIGNED16, nchannels=1,
                           sample_rate=16000).samples.tobytes()
    # The end of speech is its last voiced frame (the clip ends in a sentence pause).
    ends = [e for e in VoiceActivity().feed(pcm + bytes(BYTES_PER_SECOND))
            if isinstance(e, SpeechEnded)]
    speech_s = ends[-1].at_ms / 1000
    recognizer = QiniuRecognizer(QiniuSettings(api_key=Secret(DEMO.qiniu_api_key),
                                               base_url=f"{emulator.base_url}/v1"))
    loop = asyncio.get_running_loop()
    streaming, rest = [], []
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "q.mp3").write_bytes(mp3)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(
            _Quiet, directory=folder))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/q.mp3"
        for _ in range(RUNS):
            source = PcmSource(pcm, realtime=True, then_silence=True)
            started = loop.time()
            async for event in recognizer.transcribe(
                    until_silence(source.chunks(), source.stop, SILENCE_TIMEOUT)):
                if isinstance(event, TranscriptFinished):
                    assert event.text == TEXT, event.text
                    streaming.append(loop.time() - started - speech_s)
            started = loop.time()
            finished = await recognizer.transcribe_url(url)
            assert finished.text == TEXT
            rest.append(loop.time() - started)
        server.shutdown()
    await recognizer.aclose()
    await emulator.stop()
    best_stream, best_rest = min(streaming), min(rest)
    print(f"speech ends at {speech_s:.2f} s; silence timeout {SILENCE_TIMEOUT} s; best of {RUNS}")
    print(f"streaming: end of speech -> final transcript {best_stream:.3f} s "
          f"= timeout + {best_stream - SILENCE_TIMEOUT:.3f} s (target <= 0.3 s)")
    print(f"REST:      recorded file -> transcript {best_rest:.3f} s "
          f"(+ the silence timeout to know the speech ended: {best_rest + SILENCE_TIMEOUT:.3f} s)")
    print(f"ratio REST/streaming after end of speech: "
          f"{(best_rest + SILENCE_TIMEOUT) / best_stream:.2f}")


if __name__ == "__main__":
    asyncio.run(main())
