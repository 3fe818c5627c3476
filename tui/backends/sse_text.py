"""The `data` of each server-sent event of a response, as the events complete.

Every SSE backend reads its stream through `sse_batches`. It works on the raw bytes: a read
is searched for its last blank line, everything before it is decoded in one piece (a blank
line never falls inside a UTF-8 character) and its lines are read by httpx-sse's decoder. The
events that complete in one network read come as one batch; a client applies a batch as one
edit.

What the SSE specification asks of a reader, and what the services need besides:
* lines end in LF, CRLF or CR; a line starting with `:` is a comment; `data` lines of one event
  are joined by LF; other fields (`event`, `id`, `retry`) name nothing these clients use;
* the last event of a body counts even without its blank line (Tongyi ends so);
* no event may grow past `limit` bytes, so one runaway event cannot take the memory of the
  machine (`EventTooLarge`);
* each batch must complete within the network timeout of the previous one (a server trickling
  a byte a second cannot hold a reply open), counted only while the network is awaited.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable

import httpx

# httpx-sse's field decoder: its public EventSource reads a whole response line by line, where
# this reader needs the events of each network read together (pinned <0.5 in pyproject).
from httpx_sse._decoders import SSEDecoder as FieldDecoder

from tui.backends.deadlines import Deadline
from tui.domain.errors import AichatError

# Far above any real event (a 400 KB reply's last snapshot is about 1 MB of JSON), low enough
# that one runaway event cannot take the memory of the machine.
MAX_EVENT_BYTES = 16 * 2**20


class EventTooLarge(Exception):
    def __init__(self, limit: int) -> None:
        super().__init__(f"a stream event exceeded {limit} bytes")
        self.limit = limit


async def sse_batches(response: httpx.Response, timeout: float,
                      on_expiry: Callable[[], AichatError], limit: int = MAX_EVENT_BYTES
                      ) -> AsyncGenerator[list[str], None]:
    """The `data` of the events of `response`, one non-empty list per network read that
    completed any; the last event counts without its blank line. Raises `on_expiry()` when a
    batch takes longer than `timeout` seconds, EventTooLarge past `limit` bytes."""
    decoder = SSEDecoder(limit)
    deadline = Deadline(timeout, on_expiry)
    try:
        deadline.wait()
        async for chunk in response.aiter_bytes():
            batch = decoder.feed(chunk)
            if batch:
                deadline.idle()
                yield batch
                deadline.wait()
    except asyncio.CancelledError:
        deadline.raise_if_expired()
        raise
    finally:
        deadline.stop()
    batch = decoder.close()
    if batch:
        yield batch


class SSEDecoder:
    """Bytes in, the `data` of each completed event out (no I/O: see `sse_batches`)."""

    __slots__ = ("_parts", "_size", "_limit", "_cr", "_started", "_plain", "_fields")

    def __init__(self, limit: int = MAX_EVENT_BYTES) -> None:
        self._parts: list[bytes] = []  # the bytes since the last blank line
        self._size = 0
        self._limit = limit
        self._cr = False  # a CR ended the last read: it may be half of a CRLF
        self._started = False  # a byte-order mark is skipped at the very start only
        self._plain = False  # none of these three: a read of whole events is simple
        self._fields = FieldDecoder()

    def feed(self, chunk: bytes) -> list[str]:
        """Take the next bytes of the body; return the data of the events they complete."""
        if self._plain and chunk[-2:] == b"\n\n" and b"\r" not in chunk:
            # The common read: whole events, nothing kept from the read before.
            return self._events(chunk[:-2].decode("utf-8", "replace"))
        found = self._feed(chunk)
        self._plain = not self._parts and not self._cr and self._started
        return found

    def _feed(self, chunk: bytes) -> list[str]:
        if self._cr or b"\r" in chunk:
            chunk = self._normalized(chunk)
            if not chunk:
                return []
        parts = self._parts
        if parts:
            # An event spread over reads is joined once, by the read that completes it.
            if b"\n\n" not in chunk and not (chunk[:1] == b"\n" and parts[-1][-1:] == b"\n"):
                return self._keep(chunk)
            chunk = b"".join(parts) + chunk
            self._parts, self._size = [], 0
        end = chunk.rfind(b"\n\n")
        if end < 0:
            return self._keep(chunk) if chunk else []
        if end + 2 < len(chunk):
            self._keep(chunk[end + 2:])
        return self._events(chunk[:end].decode("utf-8", "replace"))

    def close(self) -> list[str]:
        """The body ended: the data of the event left without its blank line, if any."""
        rest = b"".join(self._parts)
        self._parts, self._size, self._cr, self._plain = [], 0, False, False
        return self._events(rest.decode("utf-8", "replace")) if rest else []

    def _keep(self, chunk: bytes) -> list[str]:
        self._parts.append(chunk)
        self._size += len(chunk)
        if self._size > self._limit:
            raise EventTooLarge(self._limit)
        return []

    def _normalized(self, chunk: bytes) -> bytes:
        if self._cr:
            chunk = b"\r" + chunk
        self._cr = chunk.endswith(b"\r")
        if self._cr:
            chunk = chunk[:-1]
        return chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n")

    def _events(self, text: str) -> list[str]:
        """The data of the events in `text`, which ends where an event does."""
        if not self._started:
            self._started = True
            text = text.removeprefix("\ufeff")
        # The fields are read by httpx-sse's decoder, the one every SSE client here relies
        # on; this class only finds where events end, once per network read.
        decode = self._fields.decode
        found: list[str] = []
        for line in text.split("\n"):
            event = decode(line)
            if event is not None and event.data:
                found.append(event.data)
        event = decode("")
        if event is not None and event.data:
            found.append(event.data)
        return found
