"""The one way a backend makes its HTTP client: the same identity and time bounds everywhere.

httpx's read timeout is the longest silence between two bytes; the deadline on a whole answer
or on each event of a stream is kept by `deadlines`. Connecting gets at most CONNECT seconds
(a server that is not there should be said soon), however long `[network] timeout` is.
"""

from __future__ import annotations

from collections.abc import Mapping

import httpx

from tui import __version__

CONNECT = 10.0
USER_AGENT = f"aichat-tui/{__version__}"


def http_client(timeout: float, *, transport: httpx.AsyncBaseTransport | None = None,
                headers: Mapping[str, str] | None = None) -> httpx.AsyncClient:
    """A client whose reads wait at most `timeout` seconds; `transport` is for tests."""
    return httpx.AsyncClient(timeout=httpx.Timeout(timeout, connect=min(CONNECT, timeout)),
                             transport=transport,
                             headers={"User-Agent": USER_AGENT, **(headers or {})})
