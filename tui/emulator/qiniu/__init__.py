"""Emulated Qiniu AI inference API: voice list, previews, TTS over HTTP and WebSocket."""

from __future__ import annotations

from aiohttp import web


class QiniuEmulator:
    def __init__(self, config, base_url) -> None:
        self.config = config
        self.base_url = base_url

    def add_routes(self, app: web.Application) -> None:
        pass
