"""Reading the SSE framing of the Tongyi stream with httpx-sse, and its quirks.

Two quirks of the real stream meet two of httpx-sse: a last event without its blank line
(httpx-sse drops it) and two `data:` lines separated by one newline (httpx-sse joins them into
one event whose data holds both documents).
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import httpx
from httpx_sse import EventSource

log = logging.getLogger(__name__)

# Far above any real event (a 400 KB reply's last snapshot is about 1 MB of JSON), low enough
# that one runaway event cannot take the memory of the machine.
MAX_EVENT_CHARS = 16 * 2**20


class EventTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"a stream event exceeded {limit} characters")
        self.limit = limit


class _BlankLineTerminated:
    """The parts of a response EventSource reads, with a blank line added after the body, and
    no event longer than `limit` characters (counted since the last blank line)."""

    def __init__(self, response: httpx.Response, limit: int) -> None:
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
        # Ends a final event that lacks its blank line; harmless after a complete one.
        yield "\n\n"


async def envelopes(response: httpx.Response, max_event_chars: int = MAX_EVENT_CHARS
                    ) -> AsyncIterator[dict[str, Any]]:
    """Yield every JSON document of the stream, in order. Malformed ones are logged and skipped:
    each snapshot is cumulative, so the next one carries whatever a lost one had. An event
    longer than `max_event_chars` raises EventTooLarge."""
    source = EventSource(_BlankLineTerminated(response, max_event_chars))  # type: ignore[arg-type]
    async for event in source.aiter_sse():
        data = event.data
        for document in data.split("\n") if "\n" in data else (data,):
            if not document.strip():
                continue
            try:
                envelope = json.loads(document)
            except ValueError:
                log.warning("skipped a malformed stream event (%d characters)", len(document))
                continue
            if isinstance(envelope, dict):
                yield envelope
            else:
                log.warning("skipped a stream event that is not a JSON object")
