"""One aiohttp server on 127.0.0.1 that hosts every emulated vendor at its real paths.

* Alibaba POP gateway:      POST /            (x-acs-action / Action=...)
* Tongyi SSE stream:        POST /sse/paas4Json/{token}/{channel}/{sign}/{timestamp}
* Qiniu AI inference API:   /v1/voice/...      (HTTP and WebSocket)
* Tencent AI open platform: POST /fcgi-bin/{nlp,aai}/...   (form-encoded, MD5-signed)
* Qiniu OpenAI-compatible:  GET /v1/models, POST /v1/chat/completions
* A key-less local server:  GET /local/v1/models, POST /local/v1/chat/completions
  (stands in for llama.cpp, vLLM, Ollama: the `openai` provider of --demo)
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from tui.emulator.demo import DEMO, client_env


@dataclass
class EmulatorConfig:
    # Alibaba AccessKeys: id -> secret. Ids in `inactive_keys` answer InvalidAccessKeyId.Inactive,
    # ids in `forbidden_keys` lack the RAM permission (Forbidden.RAM).
    access_keys: dict[str, str] = field(
        default_factory=lambda: {DEMO.access_key_id: DEMO.access_key_secret})
    inactive_keys: set[str] = field(default_factory=set)
    forbidden_keys: set[str] = field(default_factory=set)
    instance_ids: set[str] = field(default_factory=lambda: {DEMO.instance_id})
    token_ttl: float = 7200.0
    # Pause between two SSE events of a reply (scenarios may scale it).
    event_delay: float = 0.03
    qiniu_api_keys: set[str] = field(default_factory=lambda: {DEMO.qiniu_api_key})
    # Qiniu synthesis latency model: a fixed start plus time per character.
    tts_start_latency: float = 0.25
    tts_latency_per_char: float = 0.004
    # Where the conversations' turn counts are kept between runs (the demo's data folder), so
    # `--demo ask --session ID` continues a conversation a previous command started.
    state_dir: Path | None = None
    # Tencent apps: app_id -> app_key; APIs no app may call (ret 16389); calls per second per
    # app and API before ret 9 (a personal app had 2; the default suits the demo).
    tencent_apps: dict[str, str] = field(
        default_factory=lambda: {DEMO.tencent_app_id: DEMO.tencent_app_key})
    tencent_forbidden_apis: set[str] = field(default_factory=set)
    tencent_qps: float = 10.0
    # Seconds before a long-ASR / keyword result is posted, between retries of a refused
    # callback, and between keyword segments.
    tencent_callback_delay: float = 1.0
    tencent_callback_retry_delay: float = 1.0
    tencent_segment_gap: float = 0.3
    # Qiniu recognition latency model (see emulator/qiniu/asr.py).
    asr_packet_latency: float = 0.05
    asr_final_latency: float = 0.12
    asr_rest_latency: float = 0.3
    asr_rest_latency_per_second: float = 0.05


class Emulator:
    """Run with `await emu.start()` / `await emu.stop()`, or `with Emulator.in_thread() as emu:`."""

    def __init__(self, config: EmulatorConfig | None = None, host: str = "127.0.0.1",
                 port: int = 0) -> None:
        from tui.emulator.aliyun import AliyunEmulator
        from tui.emulator.openai_chat import OpenAIChatEmulator
        from tui.emulator.openai_chat.catalogue import LOCAL_MODELS, QINIU_MODELS
        from tui.emulator.qiniu import QiniuEmulator
        from tui.emulator.tencent import TencentEmulator

        self.config = config or EmulatorConfig()
        self.host = host
        self.port = port
        self.aliyun = AliyunEmulator(self.config)
        self.qiniu = QiniuEmulator(self.config, lambda: self.base_url)
        self.tencent = TencentEmulator(self.config)
        self.qiniu_chat = OpenAIChatEmulator(self.config, prefix="/v1", models=QINIU_MODELS,
                                             keys=lambda: self.config.qiniu_api_keys)
        self.local_chat = OpenAIChatEmulator(self.config, prefix="/local/v1",
                                             models=LOCAL_MODELS, keys=None)
        self._runner: web.AppRunner | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def make_app(self) -> web.Application:
        app = web.Application()
        self.aliyun.add_routes(app)
        self.qiniu.add_routes(app)
        self.tencent.add_routes(app)
        self.qiniu_chat.add_routes(app)
        self.local_chat.add_routes(app)
        return app

    async def start(self, sock: socket.socket | None = None) -> None:
        """Listen on host:port, or on `sock`, a listening socket made by whoever started us."""
        self._runner = web.AppRunner(self.make_app(), access_log=None, handle_signals=False)
        await self._runner.setup()
        site: web.BaseSite
        if sock is not None:
            self.host, self.port = sock.getsockname()[:2]
            site = web.SockSite(self._runner, sock)
        else:
            site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        if self.port == 0:
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def client_env(self) -> dict[str, str]:
        """Environment variables that point aichat-tui at this emulator with the demo keys."""
        return client_env(self.base_url)

    @classmethod
    @contextmanager
    def in_thread(cls, config: EmulatorConfig | None = None, port: int = 0) -> Iterator[Emulator]:
        """Serve from a daemon thread with its own event loop (for sync code and subprocesses)."""
        emu = cls(config, port=port)
        loop = asyncio.new_event_loop()
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(emu.start())
            except BaseException as e:  # reported to the caller below
                failure.append(e)
                ready.set()
                return
            ready.set()
            loop.run_forever()
            loop.run_until_complete(emu.stop())
            loop.close()

        thread = threading.Thread(target=serve, name="aichat-emulator", daemon=True)
        thread.start()
        ready.wait()
        if failure:
            raise failure[0]
        try:
            yield emu
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(timeout=5)
