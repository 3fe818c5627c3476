"""The checks every call passes before its API runs, in the platform's order: the common
parameters, the app, the clock, the sign, the permission, then the per-app QPS limit."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from collections.abc import Callable

from tui.emulator.tencent import rets
from tui.emulator.tencent.rets import Refusal
from tui.emulator.tencent.signature import expected_sign

CLOCK_TOLERANCE = 300
MAX_NONCE_BYTES = 32


class Gate:
    def __init__(self, apps: dict[str, str], forbidden_apis: set[str], qps: Callable[[], float],
                 clock: Callable[[], float] = time.time) -> None:
        self._apps = apps
        self._forbidden = forbidden_apis
        self._qps = qps
        self._clock = clock
        self._recent: defaultdict[tuple[str, str], deque[float]] = defaultdict(deque)

    def admit(self, api: str, form: dict[str, str]) -> str:
        """The app id of a well-formed, signed, permitted call; raises `Refusal` otherwise."""
        app_id = form.get("app_id", "")
        if not app_id:
            raise Refusal(rets.NO_APP_ID, "app_id is required")
        if not form.get("time_stamp"):
            raise Refusal(rets.NO_TIME_STAMP, "time_stamp is required")
        nonce = form.get("nonce_str", "")
        if not nonce:
            raise Refusal(rets.NO_NONCE, "nonce_str is required")
        if len(nonce.encode()) > MAX_NONCE_BYTES:
            raise Refusal(rets.INVALID_PARAM, "nonce_str is longer than 32 bytes")
        if not app_id.isdigit() or app_id not in self._apps:
            raise Refusal(rets.UNKNOWN_APP, "app not found")
        try:
            stamp = int(form["time_stamp"])
        except ValueError:
            raise Refusal(rets.INVALID_PARAM, "time_stamp is not an integer") from None
        if abs(self._clock() - stamp) > CLOCK_TOLERANCE:
            raise Refusal(rets.STALE_TIME_STAMP, "time_stamp invalid")
        given = form.get("sign", "")
        if len(given) != 32 or given != expected_sign(form, self._apps[app_id]):
            raise Refusal(rets.BAD_SIGN, "sign invalid")
        if api in self._forbidden:
            raise Refusal(rets.NO_PERMISSION, "no auth for this api")
        self._throttle(app_id, api)
        return app_id

    def _throttle(self, app_id: str, api: str) -> None:
        now = time.monotonic()
        window = self._recent[(app_id, api)]
        while window and now - window[0] >= 1.0:
            window.popleft()
        if len(window) >= self._qps():
            raise Refusal(rets.QPS_LIMIT, "qps limit exceeded")
        window.append(now)
