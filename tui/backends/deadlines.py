"""Every request ends: a bound on time without progress, and a cap on waits a server asks for.

`[network] timeout` (NetworkSettings.timeout) is the longest any request may go without
progress. For a request with one answer that is the whole answer (`within`); for a stream it is
each complete event or frame (`each_within`, or a `Deadline` inside a reader, as
`sse_text.sse_batches`), so a server trickling one byte a second cannot keep a reply open
forever. httpx's own read timeout only covers the silence between two bytes.

The watchdog cancels the task it runs in, and only while that task awaits the network: between
events the consumer's own work is never interrupted. Every backend bounds its requests so.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from types import TracebackType
from typing import TypeVar

from tui.domain.errors import AichatError

T = TypeVar("T")

# A server may ask us to wait before retrying; longer than this and we say when to try again.
MAX_SERVER_WAIT = 30.0


async def within(awaitable: Awaitable[T], seconds: float,
                 on_expiry: Callable[[], AichatError]) -> T:
    """Await `awaitable`; raise `on_expiry()` if it takes longer than `seconds`."""
    async with _Watchdog(seconds, on_expiry):
        return await awaitable


async def each_within(items: AsyncIterable[T], seconds: float,
                      on_expiry: Callable[[], AichatError]) -> AsyncIterator[T]:
    """Yield from `items`, raising `on_expiry()` when the next one takes longer than `seconds`."""
    deadline = Deadline(seconds, on_expiry)
    iterator = items.__aiter__()
    try:
        while True:
            deadline.wait()
            try:
                item = await iterator.__anext__()
            except StopAsyncIteration:
                return
            except asyncio.CancelledError:
                deadline.raise_if_expired()
                raise
            deadline.idle()
            yield item
    finally:
        deadline.stop()


def retry_delay(requested: float | None, backoff: float) -> float | None:
    """How long to wait before a retry: what the server asked for, else `backoff`. None when the
    server asked for more than MAX_SERVER_WAIT: do not wait, say when to try again."""
    if requested is None:
        return backoff
    return requested if requested <= MAX_SERVER_WAIT else None


def try_again_hint(seconds: float | None, clock: Callable[[], float] = time.time) -> str:
    """"Try again after 14:05 (in 10 minutes)." for a server-requested wait."""
    if seconds is None:
        return "Wait a moment, then try again."
    at = time.strftime("%H:%M:%S" if seconds < 120 else "%H:%M", time.localtime(clock() + seconds))
    span = f"{seconds:.0f} seconds" if seconds < 120 else f"{seconds / 60:.0f} minutes"
    return f"The service asked to wait {span}: try again after {at}."


class _Watchdog:
    """Cancels the current task when `seconds` pass before the block ends; the cancellation
    then surfaces as `on_expiry()`. Works the same on Python 3.10 (no asyncio.timeout)."""

    def __init__(self, seconds: float, on_expiry: Callable[[], AichatError]) -> None:
        self._seconds = seconds
        self._on_expiry = on_expiry
        self._expired = False
        self._task: asyncio.Task[object] | None = None
        self._handle: asyncio.TimerHandle | None = None

    async def __aenter__(self) -> None:
        self._task = asyncio.current_task()
        self._handle = asyncio.get_running_loop().call_later(self._seconds, self._expire)

    def _expire(self) -> None:
        if self._task is not None:
            self._expired = True
            self._task.cancel()

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        traceback: TracebackType | None) -> None:
        if self._handle is not None:
            self._handle.cancel()
        if self._expired and exc_type is not None and issubclass(exc_type, asyncio.CancelledError):
            uncancel = getattr(self._task, "uncancel", None)  # Python 3.11+
            if uncancel is not None:
                uncancel()
            raise self._on_expiry() from None


class Deadline:
    """The time without progress allowed to a stream read by one task: call `wait()` when
    starting to await the next item and `idle()` once it came; after `seconds` of one wait the
    task is cancelled, and `raise_if_expired()` (in its `except CancelledError`) turns that
    into `on_expiry()`. The consumer's work between items is never interrupted.

    One timer serves the whole stream: it is re-armed when it fires early, so an item costs a
    clock reading, not a timer (streams bring thousands of items)."""

    __slots__ = ("_seconds", "_on_expiry", "_loop", "_task", "_handle", "_due", "_waiting",
                 "_expired")

    def __init__(self, seconds: float, on_expiry: Callable[[], AichatError]) -> None:
        self._seconds = seconds
        self._on_expiry = on_expiry
        self._loop = asyncio.get_running_loop()
        self._task = asyncio.current_task()
        self._handle: asyncio.TimerHandle | None = None
        self._due = 0.0
        self._waiting = False
        self._expired = False

    def wait(self) -> None:
        self._due = self._loop.time() + self._seconds
        self._waiting = True
        if self._handle is None:
            self._handle = self._loop.call_at(self._due, self._check)

    def idle(self) -> None:
        self._waiting = False

    def stop(self) -> None:
        self._waiting = False
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def raise_if_expired(self) -> None:
        if not self._expired:
            return
        self._expired = False
        uncancel = getattr(self._task, "uncancel", None)  # Python 3.11+
        if uncancel is not None:
            uncancel()
        raise self._on_expiry() from None

    def _check(self) -> None:
        self._handle = None
        if not self._waiting:
            return  # the next wait() arms the timer again
        if self._loop.time() < self._due:
            self._handle = self._loop.call_at(self._due, self._check)
        elif self._task is not None:
            self._expired = True
            self._task.cancel()
