"""A loopback HTTP server that misbehaves on purpose: each test scripts what it sends back
(raw bytes, with pauses), so timeouts, trickles and bad shapes meet real sockets."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

Writer = Callable[[asyncio.StreamWriter], Awaitable[None]]


class Misbehaving:
    """Serves every request with `script(writer)`; counts requests."""

    def __init__(self, script: Writer) -> None:
        self.script = script
        self.requests = 0
        self._server: asyncio.base_events.Server | None = None
        self._tasks: set[asyncio.Task] = set()

    async def __aenter__(self) -> Misbehaving:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    @property
    def url(self) -> str:
        assert self._server is not None
        host, port = self._server.sockets[0].getsockname()[:2]
        return f"http://{host}:{port}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._tasks.add(asyncio.current_task())  # type: ignore[arg-type]
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            length = next((int(line.split(b":")[1]) for line in head.split(b"\r\n")
                           if line.lower().startswith(b"content-length:")), 0)
            await reader.readexactly(length)
            self.requests += 1
            await self.script(writer)
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()


def head(status: str, content_type: str, extra: str = "", length: int | None = None) -> bytes:
    size = f"Content-Length: {length}\r\n" if length is not None else ""
    return (f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n{size}{extra}"
            "Connection: close\r\n\r\n").encode()


def answer(status: str, content_type: str, body: bytes, extra: str = "") -> Writer:
    async def script(writer: asyncio.StreamWriter) -> None:
        writer.write(head(status, content_type, extra, len(body)) + body)
    return script


async def dribble(writer: asyncio.StreamWriter, data: bytes, pause: float = 0.2) -> None:
    """Send `data` a byte at a time, `pause` s apart: always some progress on the socket, never
    a whole answer or event."""
    for byte in data:
        writer.write(bytes([byte]))
        await writer.drain()
        await asyncio.sleep(pause)


def trickled(body: bytes) -> Writer:
    """A JSON answer whose body is dribbled."""
    async def script(writer: asyncio.StreamWriter) -> None:
        writer.write(head("200 OK", "application/json", length=len(body)))
        await dribble(writer, body)
    return script


def sse(*values: object, end: bool = True, session: object = "s-1") -> bytes:
    """Events whose `value` documents are given (dicts are JSON-encoded as the service does)."""
    events = []
    for value in values:
        inner = json.dumps(value, ensure_ascii=False) if isinstance(value, dict) else value
        events.append(b"data:" + json.dumps({"data": [{"type": "JSON_TEXT", "value": inner}]},
                                            ensure_ascii=False).encode() + b"\n\n")
    if end:  # the last snapshot again, saying it is complete (as the service does)
        last = values[-1] if values and isinstance(values[-1], dict) else {}
        final = {**last, "StreamEnd": True, "SessionId": session, "MessageId": "m-1"}
        events.append(b"data:" + json.dumps({"data": [{"type": "JSON_TEXT", "value": json.dumps(
            final, ensure_ascii=False)}]}).encode() + b"\n\n")
    return b"".join(events)


def snapshot(text: str, session: object = "s-1") -> dict:
    return {"SessionId": session, "MessageId": "m-1",
            "MessageBody": {"DirectMessageBody": {"SentenceList": [{"Content": text}]}}}
