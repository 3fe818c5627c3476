"""Stream shapes the emulator does not produce, served by a stand-in server (an httpx
transport, the project's one way to swap what is on the other end of the wire)."""

from __future__ import annotations

import httpx
import pytest

from tui.backends.openai import Endpoint, OpenAIProvider
from tui.domain.errors import ServiceError, StreamInterrupted
from tui.domain.events import ReasoningChanged, ReplyFinished, TextChanged
from tui.domain.providers import ChatRequest
from tui.domain.reply import Edit
from tui.domain.secret import Secret


class Reads(httpx.AsyncByteStream):
    """A body that arrives in the given network reads."""

    def __init__(self, reads: list[bytes]) -> None:
        self.reads = reads

    async def __aiter__(self):
        for read in self.reads:
            yield read


def server(body: bytes | list[bytes], content_type: str = "text/event-stream",
           status: int = 200):
    def handle(request: httpx.Request) -> httpx.Response:
        headers = {"content-type": content_type}
        if isinstance(body, list):
            return httpx.Response(status, stream=Reads(body), headers=headers)
        return httpx.Response(status, content=body, headers=headers)

    return httpx.MockTransport(handle)


def provider(transport) -> OpenAIProvider:
    endpoint = Endpoint("openai", "The server", "http://local.test/v1", Secret(""), "m1",
                        "openai", "config.toml", {"base_url": "AICHAT_OPENAI_BASE_URL"})
    return OpenAIProvider(endpoint, context_chars=100, transport=transport)


async def run(body: bytes | list[bytes], **kwargs):
    events, error = [], None
    p = provider(server(body, **kwargs))
    try:
        async for event in p.stream_reply(ChatRequest("hi")):
            events.append(event)
    except Exception as e:  # part of what is checked
        error = e
    finally:
        await p.aclose()
    return events, error


def chunk(delta: str, finish: str = "null") -> bytes:
    return (b'data: {"id":"c1","model":"m1","choices":[{"index":0,"delta":' + delta.encode()
            + b',"finish_reason":' + finish.encode() + b"}]}\n\n")


async def test_role_only_empty_null_usage_comments_and_a_bad_chunk():
    reads = [b": connected\n\n", chunk('{"role":"assistant"}'), chunk('{"content":""}'),
             chunk('{"content":null}'), b"data: {not json\n\n", chunk('{"content":"Hel"}'),
             b": keep-alive\n\n", chunk('{"content":"lo"}'), chunk("{}", '"stop"'),
             b'data: {"id":"c1","choices":[],"usage":{"total_tokens":3}}\n\n',
             b"data: [DONE]"]  # no blank line after the last event
    events, error = await run(reads)
    assert error is None
    assert [e.text for e in events if isinstance(e, TextChanged)] == ["Hel", "Hello"]
    assert events[-1] == ReplyFinished("Hello", None, "c1", finish_reason="stop", model="m1")


async def test_the_chunks_of_one_read_make_one_edit_thinking_first():
    body = (chunk('{"reasoning_content":"Let me"}') + chunk('{"reasoning_content":" see."}')
            + chunk('{"content":"Hel"}') + chunk('{"content":"lo"}'))
    events, error = await run([body[:7], body[7:], chunk('{"content":"!"}', '"stop"')])
    assert error is None
    assert events[:3] == [ReasoningChanged(Edit(0, "Let me see.", 0), "Let me see."),
                          TextChanged(Edit(0, "Hello", 0), "Hello"),
                          TextChanged(Edit(5, "!", 5), "Hello!")]


async def test_an_error_inside_a_read_keeps_the_text_before_it():
    events, error = await run(chunk('{"content":"Hel"}') + chunk('{"content":"lo"}')
                              + b'data: {"error":{"message":"overloaded"}}\n\n'
                              + chunk('{"content":" lost"}'))
    assert isinstance(error, ServiceError) and "overloaded" in str(error)
    assert events == [TextChanged(Edit(0, "Hello", 0), "Hello")]


async def test_a_clean_close_after_a_finish_reason_but_without_done_is_complete():
    events, error = await run(chunk('{"content":"Hi"}') + chunk("{}", '"stop"'))
    assert error is None and events[-1].text == "Hi"


async def test_a_clean_close_without_done_or_finish_reason_is_an_interruption():
    events, error = await run(chunk('{"content":"Hi"}'))
    assert isinstance(error, StreamInterrupted) and "without [DONE]" in str(error)
    assert events[-1].text == "Hi"


async def test_vllm_style_reasoning_field():
    events, error = await run(chunk('{"reasoning":"hmm"}') + chunk('{"content":"ok"}', '"stop"')
                              + b"data: [DONE]\n\n")
    assert error is None and events[-1].reasoning == "hmm" and events[-1].text == "ok"


@pytest.mark.parametrize(("content_type", "body"), [
    ("text/html", b"<html>login</html>"), ("application/json", b'{"ok": true}')])
async def test_an_answer_that_is_not_a_stream_says_check_the_base_url(content_type, body):
    events, error = await run(body, content_type=content_type)
    assert isinstance(error, ServiceError)
    assert "not an OpenAI-compatible API" in str(error) and "AICHAT_OPENAI_BASE_URL" in str(error)


async def test_a_404_without_a_model_code_points_at_the_base_url():
    events, error = await run(b"Not Found", content_type="text/plain", status=404)
    assert isinstance(error, ServiceError) and "ends in /v1" in str(error)
