"""The Tongyi backend against servers that misbehave on purpose (issue 7 §4–§6): every case
ends in bounded time, in one of the project's errors, with the partial text kept."""

from __future__ import annotations

import asyncio
import gzip
import json
import time

import pytest

from tests.backends.misbehaving import Misbehaving, answer, dribble, head, snapshot, sse, trickled
from tui.backends.aliyun import TongyiProvider
from tui.backends.aliyun.token import TokenSource
from tui.backends.sse_text import MAX_EVENT_BYTES
from tui.domain.errors import AuthError, NetworkError, RateLimited, ServiceError, StreamInterrupted
from tui.domain.events import ReplyFinished, TextChanged
from tui.domain.providers import ChatRequest
from tui.settings import NetworkSettings

pytestmark = pytest.mark.timeout(60)

HTML_502 = b"<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>"


async def run(provider, question="hi"):
    """(text so far, final event or the error raised, seconds taken)."""
    text, start = "", time.monotonic()
    try:
        async for event in provider.stream_reply(ChatRequest(question)):
            if isinstance(event, TextChanged):
                text = event.text
            elif isinstance(event, ReplyFinished):
                return text, event, time.monotonic() - start
    except Exception as error:  # noqa: BLE001 - the test asserts on its type
        return text, error, time.monotonic() - start
    raise AssertionError("the stream ended without ReplyFinished or an error")


def provider_for(tongyi_settings, server, timeout=60.0):
    settings = tongyi_settings._replace(stream_url=server.url + "/sse/paas4Json")
    return TongyiProvider(settings, network=NetworkSettings(timeout), backoff=0.01)


async def test_a_trickle_of_one_byte_a_second_trips_the_timeout_and_keeps_the_text(
        tongyi_settings):
    async def trickle(writer):
        writer.write(head("200 OK", "text/event-stream") + sse(snapshot("partial"), end=False))
        await writer.drain()
        await dribble(writer, b'data:{"data":[{"value":"' * 10)

    async with Misbehaving(trickle) as server:
        provider = provider_for(tongyi_settings, server, timeout=1.0)
        text, error, took = await run(provider)
        await provider.aclose()
    assert isinstance(error, StreamInterrupted) and "no progress for 1 s" in str(error)
    assert text == "partial" and "kept" in str(error)
    assert took < 3


async def test_a_server_that_never_answers_is_a_network_error_in_bounded_time(tongyi_settings):
    async def silent(writer):
        await asyncio.sleep(30)

    async with Misbehaving(silent) as server:
        provider = provider_for(tongyi_settings, server, timeout=1.0)
        _, error, took = await run(provider)
        await provider.aclose()
    assert isinstance(error, NetworkError) and "did not answer within 1 s" in str(error)
    assert took < 3


async def test_a_proxy_html_502_is_server_trouble_retried_not_a_bad_token(tongyi_settings,
                                                                          emulator):
    async with Misbehaving(answer("502 Bad Gateway", "text/html", HTML_502)) as server:
        provider = provider_for(tongyi_settings, server)
        _, error, _ = await run(provider)
        await provider.aclose()
    assert isinstance(error, ServiceError) and not isinstance(error, AuthError)
    assert "HTTP 502" in str(error) and "agent_key" not in str(error)
    assert server.requests == 3, "retried twice with backoff"
    assert emulator.aliyun.token_requests == 1, "the token was never blamed"


async def test_server_trouble_then_a_reply_succeeds(tongyi_settings):
    replies = [answer("503 Service Unavailable", "text/html", HTML_502),
               answer("200 OK", "text/event-stream", sse(snapshot("fine")))]

    async def script(writer):
        await replies.pop(0)(writer)

    async with Misbehaving(script) as server:
        provider = provider_for(tongyi_settings, server)
        text, finished, _ = await run(provider)
        await provider.aclose()
    assert isinstance(finished, ReplyFinished) and text == "fine"


async def test_a_429_asking_for_ten_minutes_is_not_waited_for(tongyi_settings):
    script = answer("429 Too Many Requests", "text/html", HTML_502, "Retry-After: 600\r\n")
    async with Misbehaving(script) as server:
        provider = provider_for(tongyi_settings, server)
        _, error, took = await run(provider)
        await provider.aclose()
    assert isinstance(error, RateLimited) and "try again after" in str(error)
    assert "10 minutes" in str(error) and took < 3 and server.requests == 1


async def test_gzip_announced_with_a_body_that_is_not_gzip(tongyi_settings):
    script = answer("200 OK", "text/event-stream", sse(snapshot("x")), "Content-Encoding: gzip\r\n")
    async with Misbehaving(script) as server:
        provider = provider_for(tongyi_settings, server)
        _, error, _ = await run(provider)
        await provider.aclose()
    assert isinstance(error, StreamInterrupted) and "DecodingError" in str(error)


async def test_real_gzip_is_read(tongyi_settings):
    script = answer("200 OK", "text/event-stream", gzip.compress(sse(snapshot("zipped"))),
                    "Content-Encoding: gzip\r\n")
    async with Misbehaving(script) as server:
        provider = provider_for(tongyi_settings, server)
        text, finished, _ = await run(provider)
        await provider.aclose()
    assert isinstance(finished, ReplyFinished) and text == "zipped"


@pytest.mark.parametrize("odd", [
    {"data": 5}, {"data": [5, None, {"value": 7}]}, {"data": [{"value": "[1,2]"}]},
    {"data": [{"value": json.dumps({"MessageBody": {"ClarifyMessageBody": {"ClarifyList": 5}}})}]},
    {"data": [{"value": json.dumps({"MessageBody": {"DirectMessageBody": {"SentenceList": 3}}})}]},
    [1, 2], "text",
])
async def test_odd_shapes_are_ignored_and_the_reply_goes_on(tongyi_settings, odd):
    body = sse(snapshot("before"), end=False) + b"data:" + json.dumps(odd).encode() + b"\n\n" + \
        sse(snapshot("before and after"))
    async with Misbehaving(answer("200 OK", "text/event-stream", body)) as server:
        provider = provider_for(tongyi_settings, server)
        text, finished, _ = await run(provider)
        await provider.aclose()
    assert isinstance(finished, ReplyFinished) and text == "before and after"


async def test_a_session_id_that_is_a_list_leaves_the_reply_complete(tongyi_settings):
    body = sse(snapshot("complete", session=["a", "b"]), session=["a", "b"])
    async with Misbehaving(answer("200 OK", "text/event-stream", body)) as server:
        provider = provider_for(tongyi_settings, server)
        text, finished, _ = await run(provider)
        await provider.aclose()
    assert isinstance(finished, ReplyFinished) and text == "complete"
    assert finished.session_id is None


async def test_a_failure_event_is_inert_and_shortened_and_keeps_the_session(tongyi_settings):
    failure = {"success": False, "code": "\x1b]52;c;cHduZWQ=\x07",
               "message": "\x1b[2J" + "m" * 5000}
    body = sse(snapshot("so far", session="sess-9"), end=False) + \
        b"data:" + json.dumps(failure).encode() + b"\n\n"
    async with Misbehaving(answer("200 OK", "text/event-stream", body)) as server:
        provider = provider_for(tongyi_settings, server)
        text, error, _ = await run(provider)
        await provider.aclose()
    assert isinstance(error, ServiceError) and text == "so far"
    assert "\x1b" not in str(error) and "\x07" not in str(error) and len(str(error)) < 600
    assert error.session_id == "sess-9"


async def test_one_event_larger_than_the_limit_ends_the_reply_keeping_the_text(tongyi_settings):
    async def huge(writer):
        writer.write(head("200 OK", "text/event-stream") + sse(snapshot("start"), end=False))
        chunk = b"x" * 2**20
        writer.write(b'data:{"data":[{"value":"')
        for _ in range(MAX_EVENT_BYTES // len(chunk) + 2):
            writer.write(chunk)
            await writer.drain()

    async with Misbehaving(huge) as server:
        provider = provider_for(tongyi_settings, server)
        text, error, _ = await run(provider)
        await provider.aclose()
    assert isinstance(error, StreamInterrupted) and "larger than 16 MiB" in str(error)
    assert text == "start"


def token_source(tongyi_settings, server, timeout=60.0):
    import httpx

    settings = tongyi_settings._replace(endpoint=server.url)
    return TokenSource(settings, httpx.AsyncClient(), backoff=0.01, timeout=timeout)


TOKEN = json.dumps({"AccessToken": "t" * 32, "ChannelId": "c", "StreamSecret": "s" * 16}).encode()


async def test_a_token_answer_trickled_trips_the_timeout(tongyi_settings):
    async with Misbehaving(trickled(TOKEN)) as server:
        source = token_source(tongyi_settings, server, timeout=1.0)
        start = time.monotonic()
        with pytest.raises(NetworkError, match="did not answer the token request within 1 s"):
            await source.get()
        assert time.monotonic() - start < 3
        await source.client.aclose()


async def test_the_token_step_retries_http_429_honouring_retry_after(tongyi_settings):
    replies = [answer("429 Too Many Requests", "text/plain", b"slow down", "Retry-After: 1\r\n"),
               answer("200 OK", "application/json", TOKEN)]

    async def script(writer):
        await replies.pop(0)(writer)

    async with Misbehaving(script) as server:
        source = token_source(tongyi_settings, server)
        start = time.monotonic()
        token = await source.get()
        assert token.channel_id == "c" and server.requests == 2
        assert time.monotonic() - start >= 0.9, "waited as asked"
        await source.client.aclose()


async def test_the_token_step_does_not_wait_600_seconds(tongyi_settings):
    body = json.dumps({"Code": "Throttling.User", "Message": "slow"}).encode()
    script = answer("400 Bad Request", "application/json", body, "x-acs-retry-after: 600000\r\n")
    async with Misbehaving(script) as server:
        source = token_source(tongyi_settings, server)
        start = time.monotonic()
        with pytest.raises(RateLimited, match="try again after") as info:
            await source.get()
        assert time.monotonic() - start < 3 and server.requests == 1
        assert "throttling" in str(info.value)
        await source.client.aclose()
