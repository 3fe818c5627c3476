"""A response's text for httpx-sse: a blank line added after the body, events kept in bounds.

httpx-sse drops a last event that lacks its blank line; appending one dispatches it, and is
harmless after a complete event. No event may grow past `limit` characters, so one runaway
event cannot take the memory of the machine. Every SSE backend reads its stream through this.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx

# Far above any real event (a 400 KB reply's last snapshot is about 1 MB of JSON), low enough
# that one runaway event cannot take the memory of the machine.
MAX_EVENT_CHARS = 16 * 2**20


class EventTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"a stream event exceeded {limit} characters")
        self.limit = limit


class BlankLineTerminated:
    """The parts of a response EventSource reads, with a blank line added after the body, and
    no event longer than `limit` characters (counted since the last blank line)."""

    def __init__(self, response: httpx.Response, limit: int = MAX_EVENT_CHARS) -> None:
        self._response = response
        self._limit = limit
        self.headers = response.headers

    async def aiter_text(self) -> AsyncIterator[str]:
        pending, tail = 0, ""
        async for text in self._response.aiter_text():
            window = tail + text
            end = max(window.rfind("\n\n"), window.rfind("\r\n\r\n"), window.rfind("\r\r"))
            pending = len(window) - end if end >= 0 else pending + len(text)
            if pending > self._limit:
                raise EventTooLarge(self._limit)
            tail = window[-3:]
            yield text
        yield "\n\n"
