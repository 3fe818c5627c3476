"""The small HTTP server the platform posts long-ASR and keyword results to.

It listens on `[tencent] listen` (loopback, any free port, by default) and tells the platform to
post to `[tencent] callback_url` (the public address that reaches it) or to its own address.
Every path carries a random token, so only the service we gave the address to can post. Each
callback is answered `{"ret": 0, "msg": "ok"}` once it is read; one that cannot be read is
answered with a non-zero `ret`, so the platform sends it again. Results are queued per task id,
also when they arrive before the upload's answer has named the task. The server can also hand
out audio too large to upload (`speech_url`).
"""

from __future__ import annotations

import asyncio
import json
import secrets
from collections import defaultdict
from typing import Any

from aiohttp import web

from tui.domain.errors import NetworkError, SettingsError

PREFIX = "/aichat-tencent"


class CallbackReceiver:
    def __init__(self, listen: str, public_url: str = "") -> None:
        host, _, port = listen.rpartition(":")
        if not host or not port.isdigit():
            raise SettingsError(f"[tencent] listen must be host:port, like 127.0.0.1:8765; "
                                f"it is {listen!r}.")
        self._host, self._port = host, int(port)
        self._public = public_url.rstrip("/")
        self._token = secrets.token_urlsafe(16)
        self._queues: defaultdict[str, asyncio.Queue[dict[str, Any]]] = defaultdict(asyncio.Queue)
        self._files: dict[str, bytes] = {}
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application(client_max_size=1024 * 1024)
        app.router.add_post(f"{PREFIX}/{self._token}", self._receive)
        app.router.add_get(f"{PREFIX}/{self._token}/audio/{{name}}", self._audio)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port)
        try:
            await site.start()
        except OSError as e:
            await self._runner.cleanup()
            raise NetworkError(f"Could not listen for Tencent's results on "
                               f"{self._host}:{self._port} ({e.strerror}).",
                               "Set another host:port as `listen` in [tencent].") from None
        if self._port == 0:
            self._port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> CallbackReceiver:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @property
    def url(self) -> str:
        """Where the platform posts results."""
        base = self._public or f"http://{self._host}:{self._port}"
        return f"{base}{PREFIX}/{self._token}"

    def serve(self, name: str, audio: bytes) -> str:
        """Offer `audio` for the platform to download; returns its URL."""
        self._files[name] = audio
        return f"{self.url}/audio/{name}"

    async def next_result(self, task_id: str) -> dict[str, Any]:
        """The next callback body of `task_id`, whenever it comes: the caller bounds the wait
        (`deadlines.within`)."""
        return await self._queues[task_id].get()

    async def _receive(self, request: web.Request) -> web.Response:
        try:
            body = json.loads(await request.read())
            task_id = body["data"]["task_id"]
            if not isinstance(task_id, str) or not isinstance(body.get("ret"), int):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return web.json_response({"ret": 1, "msg": "not a result this client can read"})
        self._queues[task_id].put_nowait(body)
        return web.json_response({"ret": 0, "msg": "ok"})

    async def _audio(self, request: web.Request) -> web.Response:
        audio = self._files.get(request.match_info["name"])
        if audio is None:
            raise web.HTTPNotFound()
        return web.Response(body=audio, content_type="audio/wav")
