"""The emulated Tongyi stream's door: the URL credential, the request body, sessions."""

from __future__ import annotations

import asyncio
import logging
import time

import httpx
import pytest

from tests.emulator.aliyun_wire import (
    apply_for_grant,
    chat_body,
    events_of,
    millis,
    post_stream,
)
from tui.emulator import DEMO

BAD_SIGN = "sign is not md5(streamSecret=<secret>&timestamp=<timestamp>)"


@pytest.fixture
async def client():
    async with httpx.AsyncClient(timeout=10) as client:
        yield client


@pytest.fixture
async def grant(emulator, client):
    return await apply_for_grant(client, emulator.base_url, DEMO.access_key_id,
                                 DEMO.access_key_secret)


def now_ms(emulator) -> str:
    return millis(emulator.aliyun.clock.now())


async def ask(client, url, utterance="hello", **body):
    return await post_stream(client, url, chat_body(utterance, DEMO.instance_id, **body))


def assert_refused(received, emulator, reason: str) -> None:
    assert received.status == 403
    assert received.content_type.startswith("text/html")
    assert "<html>" in received.text and "data:" not in received.text
    assert emulator.aliyun.stream_rejections[-1] == reason


async def test_valid_url_streams_events(emulator, client, grant):
    received = await ask(client, grant.url(emulator.base_url, now_ms(emulator)))
    assert received.status == 200
    assert received.content_type.startswith("text/event-stream")
    assert events_of(received)[-1].result["StreamEnd"] is True
    assert emulator.aliyun.stream_rejections == []


async def test_token_expires_after_its_ttl(emulator, client, grant):
    emulator.aliyun.clock.advance(emulator.config.token_ttl - 60)
    assert (await ask(client, grant.url(emulator.base_url, now_ms(emulator)))).status == 200
    emulator.aliyun.clock.advance(61)
    received = await ask(client, grant.url(emulator.base_url, now_ms(emulator)))
    assert_refused(received, emulator, "access token expired")


async def test_zero_ttl_tokens_are_dead_on_arrival(emulator, client):
    emulator.config.token_ttl = 0
    grant = await apply_for_grant(client, emulator.base_url, DEMO.access_key_id,
                                  DEMO.access_key_secret)
    received = await ask(client, grant.url(emulator.base_url, now_ms(emulator)))
    assert_refused(received, emulator, "access token expired")


async def test_revoked_tokens_are_refused_and_new_ones_work(emulator, client, grant):
    emulator.aliyun.revoke_tokens()
    received = await ask(client, grant.url(emulator.base_url, now_ms(emulator)))
    assert_refused(received, emulator, "access token expired")
    fresh = await apply_for_grant(client, emulator.base_url, DEMO.access_key_id,
                                  DEMO.access_key_secret)
    assert (await ask(client, fresh.url(emulator.base_url, now_ms(emulator)))).status == 200


async def test_bad_sign(emulator, client, grant):
    url = grant.url(emulator.base_url, now_ms(emulator), sign="0" * 32)
    received = await ask(client, url)
    assert_refused(received, emulator, BAD_SIGN)
    assert grant.stream_secret not in received.text and grant.access_token not in received.text


async def test_sign_of_another_timestamp(emulator, client, grant):
    stamp = now_ms(emulator)
    url = grant.url(emulator.base_url, stamp).replace(f"/{stamp}", f"/{int(stamp) + 1}")
    assert_refused(await ask(client, url), emulator, BAD_SIGN)


async def test_unknown_token(emulator, client, grant):
    url = grant.url(emulator.base_url, now_ms(emulator)).replace(grant.access_token, "f" * 32)
    assert_refused(await ask(client, url), emulator, "unknown access token")


async def test_channel_of_another_token(emulator, client, grant):
    other = await apply_for_grant(client, emulator.base_url, DEMO.access_key_id,
                                  DEMO.access_key_secret)
    url = grant.url(emulator.base_url, now_ms(emulator), channel=other.channel_id)
    assert_refused(await ask(client, url), emulator, "channel does not belong to the access token")


@pytest.mark.parametrize("minutes", [-16, 16])
async def test_stale_timestamp(emulator, client, grant, minutes):
    stamp = millis(emulator.aliyun.clock.now() + minutes * 60)
    assert_refused(await ask(client, grant.url(emulator.base_url, stamp)), emulator,
                   "timestamp is more than 15 minutes away from the server's time")


async def test_timestamp_in_seconds(emulator, client, grant):
    stamp = str(int(time.time()))
    assert_refused(await ask(client, grant.url(emulator.base_url, stamp)), emulator,
                   "timestamp is not 13 digits of epoch milliseconds")


# -- the request body: errors arrive in the stream --------------------------------------------

async def failure_of(client, url, body) -> dict:
    received = await post_stream(client, url, body)
    assert received.status == 200 and received.complete
    [event] = events_of(received)
    assert event.envelope["success"] is False
    return event.envelope


async def test_unknown_instance_is_an_in_stream_failure(emulator, client, grant):
    body = chat_body("hello", "chatbot-cn-nope", message_id="m-42")
    failure = await failure_of(client, grant.url(emulator.base_url, now_ms(emulator)), body)
    assert failure["code"] == "InvalidInstanceId.NotFound"
    assert "chatbot-cn-nope" in failure["message"]
    assert failure["messageId"] == "m-42"


@pytest.mark.parametrize("utterance, words", [("", "required"), ("   ", "required"),
                                              ("x" * 513, "513 characters")])
async def test_bad_utterances(emulator, client, grant, utterance, words):
    body = chat_body(utterance, DEMO.instance_id)
    failure = await failure_of(client, grant.url(emulator.base_url, now_ms(emulator)), body)
    assert failure["code"] == "InvalidParameter.Utterance" and words in failure["message"]


async def test_longest_utterance_is_accepted(emulator, client, grant):
    received = await ask(client, grant.url(emulator.base_url, now_ms(emulator)), "字" * 512)
    assert events_of(received)[-1].result["StreamEnd"] is True


@pytest.mark.parametrize("mutate, code", [
    (lambda body: body.update(action="Chat"), "InvalidAction"),
    (lambda body: body["data"][0].update(value={"Utterance": "x"}), "InvalidParameter"),
    (lambda body: body.pop("data"), "InvalidParameter"),
])
async def test_malformed_bodies(emulator, client, grant, mutate, code):
    body = chat_body("hello", DEMO.instance_id)
    mutate(body)
    failure = await failure_of(client, grant.url(emulator.base_url, now_ms(emulator)), body)
    assert failure["code"] == code and failure["message"]


# -- sessions ---------------------------------------------------------------------------------

async def test_a_session_counts_its_turns(emulator, client, grant):
    url = grant.url(emulator.base_url, now_ms(emulator))
    first = events_of(await ask(client, url, "first question"))
    session = first[-1].result["SessionId"]
    assert len(session) == 32 and int(session, 16) >= 0
    assert "(turn 1 of this conversation)" in first[-1].text
    for turn in (2, 3):
        events = events_of(await ask(client, url, "next", session_id=session))
        assert {e.result["SessionId"] for e in events} == {session}
        assert f"(turn {turn} of this conversation)" in events[-1].text


async def test_no_session_id_starts_a_new_conversation(emulator, client, grant):
    url = grant.url(emulator.base_url, now_ms(emulator))
    first = events_of(await ask(client, url))[-1].result["SessionId"]
    second = events_of(await ask(client, url))
    assert second[-1].result["SessionId"] != first
    assert "(turn 1 of this conversation)" in second[-1].text


async def test_a_token_serves_many_streams(emulator, client, grant):
    for _ in range(3):
        received = await ask(client, grant.url(emulator.base_url, now_ms(emulator)))
        assert received.status == 200
    assert emulator.aliyun.token_requests == 1


async def test_a_client_hanging_up_mid_reply_leaves_no_error_behind(emulator, grant, caplog):
    """Quitting `--demo` during a large reply must not print aiohttp's traceback."""
    caplog.set_level(logging.WARNING)
    body = chat_body("#bench chars=2000000 events=400 rate=0", DEMO.instance_id)
    for _ in range(3):
        async with httpx.AsyncClient(timeout=10) as client:
            async with client.stream("POST", grant.url(emulator.base_url, now_ms(emulator)),
                                     json=body) as response:
                async for _chunk in response.aiter_raw():
                    break  # hang up with the server still writing
        await asyncio.sleep(0.3)
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
