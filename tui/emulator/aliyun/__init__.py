"""Emulated Alibaba POP gateway (ApplyForStreamAccessToken) and Tongyi SSE stream."""

from __future__ import annotations

from aiohttp import web


class AliyunEmulator:
    def __init__(self, config) -> None:
        self.config = config

    def add_routes(self, app: web.Application) -> None:
        pass
