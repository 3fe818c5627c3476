"""Transport failures -> NetworkError naming the host (never the URL: it may carry a token)."""

from __future__ import annotations

import httpx

from tui.domain.errors import NetworkError


def network_error(error: httpx.HTTPError, host: str, setting: str) -> NetworkError:
    if isinstance(error, httpx.TimeoutException):
        what = f"{host} did not answer in time"
    elif isinstance(error, httpx.ConnectError):
        what = f"Cannot connect to {host}"
    else:
        what = f"The connection to {host} failed ({type(error).__name__})"
    return NetworkError(f"{what}.", f"Check the network, or the {setting} setting.")
