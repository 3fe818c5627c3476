"""`TencentClient`: one signed form POST per call, `{"ret", "msg", "data"}` back.

The platform answers HTTP 200 for business errors too, so success is `ret == 0` and nothing
else. `ret 9` (too many calls per second) is retried with backoff before it is reported.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx

from tui.backends.deadlines import within
from tui.backends.http_client import http_client
from tui.backends.tencent.errors import APP_ID_ENV, APP_KEY_ENV, QPS_LIMIT, TencentErrors
from tui.backends.tencent.signing import ParamValue, signed_form
from tui.domain.errors import SettingsError
from tui.settings import DEFAULT_NETWORK_TIMEOUT, Settings, TencentSettings

log = logging.getLogger(__name__)

RETRY_DELAYS = (0.5, 1.0, 2.0)


class TencentClient:
    def __init__(self, settings: TencentSettings, *, config_path: Path | str = "the settings file",
                 transport: httpx.AsyncBaseTransport | None = None,
                 clock: Callable[[], float] = time.time,
                 retry_delays: Sequence[float] = RETRY_DELAYS,
                 timeout: float = DEFAULT_NETWORK_TIMEOUT) -> None:
        missing = settings.missing()
        if missing:
            envs = {"app_id": APP_ID_ENV, "app_key": APP_KEY_ENV}
            names = ", ".join(f"`{key}` ({envs[key]})" for key in missing)
            raise SettingsError(f"The Tencent AI platform is not set up: {names} missing.",
                                f"Set them in the [tencent] section of {config_path} or in the "
                                "environment, or try aichat-tui --demo.")
        self.settings = settings
        self.base_url = settings.base_url.rstrip("/")
        self.errors = TencentErrors(urlsplit(self.base_url).netloc, str(config_path),
                                    settings.app_key.reveal())
        self._clock = clock
        self._retry_delays = tuple(retry_delays)
        self._timeout = timeout
        self._client = http_client(timeout, transport=transport)

    @classmethod
    def from_settings(cls, settings: Settings) -> TencentClient:
        settings.require("tencent")
        return cls(settings.tencent, config_path=settings.config_path,
                   timeout=settings.network.timeout)

    async def call(self, api: str, params: Mapping[str, ParamValue]) -> dict[str, Any]:
        """The `data` of a successful call of `api` ("nlp/nlp_textchat"); raises the domain
        error its `ret` means."""
        for attempt in range(len(self._retry_delays) + 1):
            ret, msg, data = await self._post(api, params)
            if ret == 0:
                return data
            if ret != QPS_LIMIT or attempt == len(self._retry_delays):
                raise self.errors.from_ret(ret, msg, api)
            log.info("Tencent QPS limit on %s; retrying in %.1f s", api,
                     self._retry_delays[attempt])
            await asyncio.sleep(self._retry_delays[attempt])
        raise AssertionError("unreachable")

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _post(self, api: str,
                    params: Mapping[str, ParamValue]) -> tuple[int, str, dict[str, Any]]:
        form = signed_form({"app_id": self.settings.app_id, "time_stamp": int(self._clock()),
                            "nonce_str": uuid.uuid4().hex, **params},
                           self.settings.app_key.reveal())
        try:
            # The whole answer within the timeout: a trickling server cannot hold a call.
            response = await within(self._client.post(f"{self.base_url}/{api}", data=form),
                                    self._timeout, self.errors.timed_out)
        except httpx.TimeoutException:
            raise self.errors.timed_out() from None
        except httpx.TransportError as e:
            raise self.errors.unreachable(e) from None
        if response.status_code != 200:
            raise self.errors.not_the_api(f"HTTP {response.status_code}")
        try:
            body = response.json()
        except (json.JSONDecodeError, UnicodeDecodeError):
            raise self.errors.not_the_api("something that is not JSON") from None
        ret = body.get("ret") if isinstance(body, dict) else None
        if not isinstance(ret, int) or isinstance(ret, bool):
            raise self.errors.not_the_api("JSON without a numeric `ret`")
        data = body.get("data")
        if ret == 0 and not isinstance(data, dict):
            raise self.errors.not_the_api("a success without `data`")
        return ret, str(body.get("msg") or ""), data if isinstance(data, dict) else {}
