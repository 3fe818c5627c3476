"""OpenAI-compatible servers that misbehave on purpose, over real sockets: what they say in an
error reaches the user inert, on one line and shortened, whatever its size."""

from __future__ import annotations

import json
import time

import pytest

from tests.backends.misbehaving import Misbehaving, answer, dribble, head
from tui.backends.openai import Endpoint, OpenAIProvider
from tui.domain.errors import NetworkError, ServiceError
from tui.domain.providers import ChatRequest
from tui.domain.secret import Secret

pytestmark = pytest.mark.timeout(60)

HOSTILE = "\x1b[2J\x1b]52;c;eA==\x07\u202e" + "x" * 9000


def provider(url: str, timeout: float = 5.0) -> OpenAIProvider:
    endpoint = Endpoint("openai", "The OpenAI-compatible server", url + "/v1", Secret("sk-test"),
                        "m", "openai", "config.toml", {})
    return OpenAIProvider(endpoint, context_chars=1000, timeout=timeout)


async def error_of(body: bytes, status: str, content_type: str = "application/json") -> str:
    async with Misbehaving(answer(status, content_type, body)) as server:
        chat = provider(server.url)
        try:
            with pytest.raises(ServiceError) as info:
                async for _ in chat.stream_reply(ChatRequest("hi")):
                    pass
        finally:
            await chat.aclose()
    return str(info.value)


def assert_inert_and_short(message: str) -> None:
    assert "␛[2J" in message
    assert not {"\x1b", "\x07", "\u202e"} & set(message) and len(message) < 600


async def test_an_error_answer_is_inert_and_shortened():
    body = json.dumps({"error": {"code": "bad_request", "message": HOSTILE}}).encode()
    message = await error_of(body, "400 Bad Request")
    assert "refused the request" in message
    assert_inert_and_short(message)


async def test_an_error_inside_the_stream_is_inert_and_shortened():
    events = (b'data: {"choices":[{"index":0,"delta":{"content":"Hel"}}]}\n\n'
              + b"data: " + json.dumps({"error": {"message": HOSTILE}}).encode() + b"\n\n")
    message = await error_of(events, "200 OK", "text/event-stream")
    assert "reported an error while answering" in message
    assert_inert_and_short(message)


@pytest.mark.parametrize(("status", "content_type"), [
    ("500 Internal Server Error", "application/json"),  # an error whose body never ends
    ("200 OK", "text/html"),  # a proxy's page, not the API
])
async def test_a_trickled_answer_that_is_not_a_reply_ends_in_the_timeout(status, content_type):
    # Always a byte within httpx's read timeout, never the whole body: only a deadline on the
    # body ends it.
    body = json.dumps({"error": {"message": "x" * 200}}).encode()

    async def script(writer) -> None:
        writer.write(head(status, content_type, length=len(body)))
        await dribble(writer, body)

    async with Misbehaving(script) as server:
        chat = provider(server.url, timeout=1.0)
        start = time.monotonic()
        try:
            with pytest.raises(NetworkError, match="did not answer in time"):
                async for _ in chat.stream_reply(ChatRequest("hi")):
                    pass
        finally:
            await chat.aclose()
        assert time.monotonic() - start < 4
