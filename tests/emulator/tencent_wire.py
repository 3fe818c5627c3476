"""A test-side raw client for the emulated Tencent platform: it signs by hand (PHP's urlencode
written out once more, apart from both the emulator and the client) and receives callbacks on a
loopback aiohttp server, so the tests see exactly what goes over the wire."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
import uuid
from typing import Any
from urllib.parse import quote_plus

import httpx
from aiohttp import web

from tui.emulator import DEMO


def hand_sign(form: dict[str, str], app_key: str) -> str:
    pairs = [f"{k}={quote_plus(v, safe='').replace('~', '%7E')}"
             for k, v in sorted(form.items()) if v != "" and k != "sign"]
    return hashlib.md5(("&".join(pairs + [f"app_key={app_key}"])).encode()).hexdigest().upper()


def form_for(params: dict[str, Any], *, app_id: str = DEMO.tencent_app_id,
             app_key: str = DEMO.tencent_app_key, time_stamp: int | None = None) -> dict[str, str]:
    form = {"app_id": app_id, "time_stamp": str(time_stamp or int(time.time())),
            "nonce_str": uuid.uuid4().hex[:16], **{k: str(v) for k, v in params.items()}}
    form["sign"] = hand_sign(form, app_key)
    return form


async def call(base_url: str, api: str, params: dict[str, Any] | None = None, *,
               form: dict[str, str] | None = None, **signing: Any) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.post(f"{base_url}/fcgi-bin/{api}",
                                     data=form if form is not None else form_for(params or {}, **signing))
    assert response.status_code == 200
    return response.json()


class CallbackSink:
    """A loopback receiver: records every callback body, answers with `answers` in turn
    (then `{"ret": 0}`)."""

    def __init__(self, answers: list[dict[str, Any]] | None = None) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.answers = list(answers or [])
        self.arrived = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def __aenter__(self) -> CallbackSink:
        app = web.Application()
        app.router.add_post("/cb", self._receive)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.url = f"http://127.0.0.1:{port}/cb"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._runner is not None
        await self._runner.cleanup()

    async def _receive(self, request: web.Request) -> web.Response:
        self.bodies.append(json.loads(await request.read()))
        self.arrived.set()
        answer = self.answers.pop(0) if self.answers else {"ret": 0, "msg": "ok"}
        return web.json_response(answer)

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        async def enough() -> None:
            while len(self.bodies) < count:
                self.arrived.clear()
                await self.arrived.wait()
        await asyncio.wait_for(enough(), timeout)
        return self.bodies
