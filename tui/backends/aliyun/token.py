"""Step 1: ApplyForStreamAccessToken, cached for less than the token's two-hour life."""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone

import httpx

from tui.backends.aliyun import signing
from tui.backends.aliyun.gateway_errors import gateway_error, is_retryable
from tui.backends.aliyun.network import network_error
from tui.domain.errors import ServiceError
from tui.domain.secret import Secret
from tui.settings import TongyiSettings

log = logging.getLogger(__name__)

ACTION = "ApplyForStreamAccessToken"
API_VERSION = "2022-04-08"
# The service documents a two-hour life and returns no expiry: apply again well before it.
TOKEN_LIFETIME = 7000.0


@dataclass(frozen=True)
class StreamToken:
    access_token: Secret
    channel_id: str
    stream_secret: Secret
    obtained_at: float


def utc_now_iso() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class TokenSource:
    """Hands out a valid stream token, applying for a new one only when needed."""

    def __init__(self, settings: TongyiSettings, client: httpx.AsyncClient, *,
                 clock: Callable[[], float] = time.monotonic, lifetime: float = TOKEN_LIFETIME,
                 max_retries: int = 3, backoff: float = 0.5,
                 date: Callable[[], str] = utc_now_iso) -> None:
        self.settings = settings
        self.client = client
        self.clock = clock
        self.lifetime = lifetime
        self.max_retries = max_retries
        self.backoff = backoff
        self.date = date
        self._token: StreamToken | None = None
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        self._token = None

    async def get(self) -> StreamToken:
        async with self._lock:  # concurrent replies share one application
            token = self._token
            if token is None or self.clock() - token.obtained_at >= self.lifetime:
                self._token = token = await self._apply()
            return token

    async def _apply(self) -> StreamToken:
        attempt = 0
        while True:
            response = await self._send()
            if response.status_code == 200:
                return self._parse(response)
            code, message = _error_fields(response)
            retry_after = _retry_after(response)
            log.warning("token request failed: HTTP %s %s", response.status_code, code)
            if not is_retryable(response.status_code, code) or attempt >= self.max_retries or (
                    code == "SignatureNonceUsed" and attempt >= 1):
                raise gateway_error(response.status_code, code, message, retry_after)
            await asyncio.sleep(retry_after if retry_after is not None
                                else self.backoff * 2 ** attempt)
            attempt += 1

    async def _send(self) -> httpx.Response:
        url = httpx.URL(self.settings.endpoint + "/")
        params = {"AgentKey": self.settings.agent_key} if self.settings.agent_key else {}
        host = url.host if url.port is None else f"{url.host}:{url.port}"
        headers = signing.sign(
            "POST", "/", params,
            {"host": host, "accept": "application/json", "x-acs-action": ACTION,
             "x-acs-version": API_VERSION, "x-acs-date": self.date(),
             "x-acs-signature-nonce": secrets.token_hex(16)},
            b"", self.settings.access_key_id, self.settings.access_key_secret.reveal())
        try:
            return await self.client.post(url, params=params, headers=headers)
        except httpx.HTTPError as e:
            raise network_error(e, url.host, "[tongyi] endpoint / AICHAT_TONGYI_ENDPOINT") from None

    def _parse(self, response: httpx.Response) -> StreamToken:
        try:
            body = response.json()
            return StreamToken(Secret(body["AccessToken"]), body["ChannelId"],
                               Secret(body["StreamSecret"]), self.clock())
        except (ValueError, KeyError, TypeError):
            raise ServiceError("Alibaba Cloud answered the token request with something that is "
                               "not a token.", "Check the [tongyi] endpoint setting.") from None


def _error_fields(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
        return str(body.get("Code", "")), str(body.get("Message", ""))
    except ValueError:
        return "", ""


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("x-acs-retry-after")
    try:
        return max(0.0, float(value) / 1000) if value else None
    except ValueError:
        return None
