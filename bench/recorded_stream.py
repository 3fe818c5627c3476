"""A streamed reply recorded as it came off the socket, to replay through a client's own
parsing: the benchmarks time the parsing apart from the transport, in one run."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

import httpx

from tui.domain.providers import ChatProvider, ChatRequest


async def record(client: httpx.AsyncClient, url: str,
                 body: dict[str, Any]) -> tuple[list[bytes], httpx.Headers, float]:
    """The response body's chunks as received, its headers, and the CPU time of receiving
    them."""
    start = time.process_time()
    async with client.stream("POST", url, json=body) as response:
        chunks = [chunk async for chunk in response.aiter_bytes()]
    return chunks, response.headers, time.process_time() - start


class _Replay(httpx.AsyncByteStream):
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk


def replay(chunks: list[bytes], headers: httpx.Headers) -> httpx.Response:
    """A response that yields the recorded chunks again, as they were cut on the socket."""
    return httpx.Response(200, headers=headers, stream=_Replay(chunks))


def sse_data(chunks: list[bytes]) -> list[str]:
    """Each `data:` field of the recorded events (less the one space SSE allows after it)."""
    return [line[5:].removeprefix(" ") for line in b"".join(chunks).decode().split("\n")
            if line.startswith("data:")]


async def whole_client_cpu(provider: ChatProvider, request: ChatRequest) -> float:
    """The CPU time of one whole reply through the client, HTTP included."""
    start = time.process_time()
    async for _ in provider.stream_reply(request):
        pass
    return time.process_time() - start
