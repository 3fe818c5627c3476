"""Step 1: ApplyForStreamAccessToken, cached for less than the token's two-hour life."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import secrets
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import httpx

from tui.backends.aliyun import signing
from tui.backends.aliyun.gateway_errors import gateway_error, is_retryable
from tui.backends.aliyun.network import network_error
from tui.backends.deadlines import retry_delay, try_again_hint, within
from tui.domain.errors import AichatError, NetworkError, RateLimited, ServiceError
from tui.domain.secret import Secret
from tui.private_files import private_dir, write_private
from tui.settings import DEFAULT_NETWORK_TIMEOUT, TongyiSettings

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX: processes apply on their own
    fcntl = None  # type: ignore[assignment]

log = logging.getLogger(__name__)

ACTION = "ApplyForStreamAccessToken"
API_VERSION = "2022-04-08"
# The service documents a two-hour life and returns no expiry: apply again well before it.
TOKEN_LIFETIME = 7000.0
_ENDPOINT_SETTING = "[tongyi] endpoint / AICHAT_TONGYI_ENDPOINT"


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
                 date: Callable[[], str] = utc_now_iso, timeout: float = DEFAULT_NETWORK_TIMEOUT,
                 shared: SharedTokenFile | None = None) -> None:
        self.settings = settings
        self.client = client
        self.clock = clock
        self.lifetime = lifetime
        self.max_retries = max_retries
        self.backoff = backoff
        self.date = date
        self.timeout = timeout
        self.shared = shared
        self._token: StreamToken | None = None
        self._lock = asyncio.Lock()

    def invalidate(self) -> None:
        if self._token is not None and self.shared is not None:
            self.shared.forget(self._token)
        self._token = None

    async def get(self) -> StreamToken:
        async with self._lock:  # concurrent replies share one application
            token = self._token
            if token is None or self._expired(token):
                self._token = token = await (self._shared_token() if self.shared is not None
                                             else self._apply())
            return token

    async def _shared_token(self) -> StreamToken:
        """The token other processes left in the shared file, or a new one put there. Processes
        starting together take turns, so only the first applies."""
        assert self.shared is not None
        async with self.shared.turn(self.timeout):
            token = self.shared.load(self.clock)
            if token is None or self._expired(token):
                token = await self._apply()
                self.shared.save(token, self.clock)
        return token

    def _expired(self, token: StreamToken) -> bool:
        return self.clock() - token.obtained_at >= self.lifetime

    async def _apply(self) -> StreamToken:
        attempt = 0
        while True:
            response = await self._send()
            if response.status_code == 200:
                return self._parse(response)
            code, message = _error_fields(response)
            retry_after = retry_after_seconds(response)
            log.warning("token request failed: HTTP %s %s", response.status_code, code)
            retryable = is_retryable(response.status_code, code) or response.status_code == 429
            delay = retry_delay(retry_after, self.backoff * 2 ** attempt)
            if not retryable or attempt >= self.max_retries or delay is None or (
                    code == "SignatureNonceUsed" and attempt >= 1):
                error = gateway_error(response.status_code, code, message, retry_after)
                if delay is None or response.status_code == 429:
                    error = RateLimited(error.message if response.status_code != 429 else
                                        "Alibaba Cloud is limiting token requests (HTTP 429).",
                                        try_again_hint(retry_after if delay is None else None),
                                        code=error.code, retry_after=retry_after)
                raise error
            await asyncio.sleep(delay)
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
            # The whole answer within the timeout: a trickling gateway cannot hold us.
            return await within(self.client.post(url, params=params, headers=headers),
                                self.timeout, lambda: self._timed_out(url.host))
        except httpx.HTTPError as e:
            raise network_error(e, url.host, _ENDPOINT_SETTING) from None

    def _timed_out(self, host: str) -> AichatError:
        return NetworkError(f"{host} did not answer the token request within {self.timeout:g} s.",
                            f"Check the network or the {_ENDPOINT_SETTING} setting; "
                            "[network] timeout sets the limit.")

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


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The wait a server asked for: Alibaba's `x-acs-retry-after` (milliseconds) or the
    standard `Retry-After` (seconds); None if neither is there or readable."""
    for name, scale in (("x-acs-retry-after", 1000.0), ("retry-after", 1.0)):
        value = response.headers.get(name)
        try:
            seconds = float(value) / scale if value else None
        except ValueError:
            continue
        if seconds is not None and seconds == seconds:  # not NaN
            return max(0.0, seconds)
    return None


class SharedTokenFile:
    """The stream token, shared by the aichat-tui processes of one data folder, so ten `ask`
    in a row apply once. A private (0600) file that is never logged; it is only used for the
    same credentials and instance, and only while the token is young enough."""

    def __init__(self, path: Path, settings: TongyiSettings) -> None:
        self.path = path
        self.identity = hashlib.sha256("\0".join((
            settings.endpoint, settings.stream_url, settings.access_key_id,
            settings.access_key_secret.reveal(), settings.agent_key, settings.instance_id,
        )).encode("utf-8")).hexdigest()

    def load(self, clock: Callable[[], float]) -> StreamToken | None:
        try:
            stored = json.loads(self.path.read_text(encoding="utf-8"))
            if stored["identity"] != self.identity:
                return None
            age = time.time() - float(stored["obtained_at"])
            return StreamToken(Secret(str(stored["access_token"])), str(stored["channel_id"]),
                               Secret(str(stored["stream_secret"])), clock() - max(0.0, age))
        except (OSError, ValueError, KeyError, TypeError):
            return None  # missing or damaged: apply for a new one

    def save(self, token: StreamToken, clock: Callable[[], float]) -> None:
        stored = {"identity": self.identity, "access_token": token.access_token.reveal(),
                  "channel_id": token.channel_id, "stream_secret": token.stream_secret.reveal(),
                  "obtained_at": time.time() - (clock() - token.obtained_at)}
        try:
            private_dir(self.path.parent)
            write_private(self.path, json.dumps(stored))
        except OSError as e:
            log.warning("could not share the stream token (%s)", e.strerror)

    @asynccontextmanager
    async def turn(self, patience: float) -> AsyncIterator[None]:
        """Hold the file's lock for the block, so processes starting together take turns."""
        fd = await self._take_lock(patience)
        try:
            yield
        finally:
            if fd is not None:
                os.close(fd)  # releases the lock

    async def _take_lock(self, patience: float) -> int | None:
        """An open descriptor of the lock file, locked (polling: the event loop never waits);
        after `patience` seconds it is returned unlocked, as a stuck process must not stop
        this one. None where there are no file locks."""
        if fcntl is None:
            return None
        try:
            private_dir(self.path.parent)
            fd = os.open(self.path.with_name(self.path.name + ".lock"),
                         os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as e:
            log.warning("could not take turns for the stream token (%s)", e.strerror)
            return None
        deadline = time.monotonic() + patience
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    return fd
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        return fd
                    await asyncio.sleep(0.05)
        except BaseException:
            os.close(fd)
            raise

    def forget(self, token: StreamToken) -> None:
        """Remove the file if it still holds `token` (another process may have replaced it)."""
        current = self.load(time.monotonic)
        if current is not None and current.access_token == token.access_token:
            self.path.unlink(missing_ok=True)
