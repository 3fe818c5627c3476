"""Emulated Alibaba POP gateway (ApplyForStreamAccessToken) and Tongyi SSE stream.

`AliyunEmulator(config).add_routes(app)` mounts both on the shared emulator server. The rest of
its surface is for tests and demos: a movable clock, gateway fault injection, token
revocation and counters. docs/emulator.md describes the reply scenarios.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from aiohttp import web

from tui.emulator.aliyun.clock import Clock
from tui.emulator.aliyun.gateway import Gateway
from tui.emulator.aliyun.stream import ROUTE, ChatStream
from tui.emulator.aliyun.tokens import TokenStore


class AliyunEmulator:
    def __init__(self, config: Any) -> None:
        self.config = config
        # Shared by the gateway (x-acs-date, nonces), the tokens (TTL) and the stream
        # (timestamp); tests move it with `clock.set(epoch)` / `clock.advance(seconds)`.
        self.clock = Clock()
        self._tokens = TokenStore(self.clock)
        self._gateway = Gateway(config, self._tokens, self.clock)
        self._stream = ChatStream(config, self._tokens, self.clock)

    def add_routes(self, app: web.Application) -> None:
        # The RPC style accepts both methods; the SDK uses POST.
        app.router.add_route("POST", "/", self._gateway.handle)
        app.router.add_route("GET", "/", self._gateway.handle)
        app.router.add_route("POST", ROUTE, self._stream.handle)
        app.on_shutdown.append(self._stream.close)

    @property
    def token_requests(self) -> int:
        """ApplyForStreamAccessToken requests received so far, including refused ones."""
        return self._gateway.token_requests

    def inject_gateway_faults(self, codes: Iterable[str], retry_after_ms: int = 50) -> None:
        """The next len(codes) authenticated gateway calls answer these error codes, in order
        (e.g. "Throttling.User", "ServiceUnavailable"); Throttling* carry x-acs-retry-after."""
        self._gateway.inject_faults(codes, retry_after_ms)

    def revoke_tokens(self) -> None:
        """Expire every stream token issued so far: the stream then answers the HTML 403."""
        self._tokens.revoke_all()

    @property
    def stream_rejections(self) -> list[str]:
        """Why each refused stream request was refused, oldest first (no credentials in it)."""
        return list(self._stream.rejections)

    def issued_secrets(self) -> list[str]:
        """Every AccessToken and StreamSecret handed out: things a client must never print."""
        return [secret for grant in self._tokens.issued()
                for secret in (grant.access_token, grant.stream_secret)]
