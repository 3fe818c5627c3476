"""Every `ret` the platform answers becomes one clear domain error; HTTP 200 with an error is
never taken for success; ret 9 is retried with backoff."""

from __future__ import annotations

import json
import time

import httpx
import pytest

from tests.backends.misbehaving import Misbehaving, answer, trickled
from tui.backends.tencent.client import TencentClient
from tui.domain.errors import (
    AudioError,
    AuthError,
    InvalidInput,
    NetworkError,
    RateLimited,
    ServiceError,
    SettingsError,
)
from tui.domain.secret import Secret
from tui.settings import TencentSettings

KEY = "k" * 32
SETTINGS = TencentSettings(app_id="1", app_key=Secret(KEY), base_url="https://gw.example/fcgi-bin")


def answering(*bodies: object, status: int = 200) -> tuple[TencentClient, list[httpx.Request]]:
    seen: list[httpx.Request] = []
    queue = list(bodies)

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = queue.pop(0) if len(queue) > 1 else queue[0]
        content = body if isinstance(body, bytes) else json.dumps(body).encode()
        return httpx.Response(status, content=content)

    client = TencentClient(SETTINGS, transport=httpx.MockTransport(handler),
                           retry_delays=(0.01, 0.01, 0.01))
    return client, seen


def error(ret: int, msg: str = "x") -> dict:
    return {"ret": ret, "msg": msg, "data": {"session": "", "answer": ""}}


@pytest.mark.parametrize(("ret", "kind", "words"), [
    (16388, AuthError, "app key is wrong"),
    (12289, AuthError, "does not know this app id"),
    (16390, AuthError, "clock is off"),
    (16389, AuthError, "no permission for 智能闲聊"),
    (9, RateLimited, "limiting how often"),
    (16394, ServiceError, "no answer"),
    (16453, NetworkError, "too long to answer"),
    (16414, ServiceError, "could not synthesize"),
    (16454, AudioError, "could not decode the audio"),
    (16455, InvalidInput, "empty or too long"),
    (4096, InvalidInput, "refused a parameter"),
    (16385, ServiceError, "incomplete"),
    (16386, ServiceError, "incomplete"),
    (16387, ServiceError, "incomplete"),
    (-30, ServiceError, "server failed (ret -30"),
    (77777, ServiceError, "refused the request (ret 77777"),
])
async def test_ret_codes(ret, kind, words) -> None:
    client, _ = answering(error(ret))
    with pytest.raises(kind) as raised:
        await client.call("nlp/nlp_textchat", {"session": "s", "question": "q"})
    assert words in str(raised.value)
    assert raised.value.code == str(ret)
    await client.aclose()


async def test_the_app_key_never_appears_in_an_error() -> None:
    client, _ = answering(error(-1, f"internal: key {KEY} rejected"))
    with pytest.raises(ServiceError) as raised:
        await client.call("nlp/nlp_textchat", {"question": "q"})
    assert KEY not in str(raised.value) and "***" in str(raised.value)


async def test_qps_limit_is_retried_then_succeeds() -> None:
    ok = {"ret": 0, "msg": "ok", "data": {"session": "s", "answer": "hi"}}
    client, seen = answering(error(9), error(9), ok)
    assert (await client.call("nlp/nlp_textchat", {"question": "q"}))["answer"] == "hi"
    assert len(seen) == 3
    assert len({r.content for r in seen}) == 3  # each retry is signed afresh (new nonce)


async def test_qps_limit_gives_up_after_the_retries() -> None:
    client, seen = answering(error(9))
    with pytest.raises(RateLimited):
        await client.call("nlp/nlp_textchat", {"question": "q"})
    assert len(seen) == 4


@pytest.mark.parametrize(("body", "status", "words"), [
    (b"<html>gateway</html>", 200, "not JSON"),
    ({"msg": "ok", "data": {}}, 200, "numeric `ret`"),
    ({"ret": "0", "msg": "ok", "data": {}}, 200, "numeric `ret`"),
    ({"ret": 0, "msg": "ok"}, 200, "success without `data`"),
    ({"ret": 0, "msg": "ok", "data": {}}, 404, "HTTP 404"),
])
async def test_not_the_protocol(body, status, words) -> None:
    client, _ = answering(body, status=status)
    with pytest.raises(ServiceError) as raised:
        await client.call("nlp/nlp_textchat", {"question": "q"})
    assert words in str(raised.value) and "base_url" in str(raised.value)


async def test_the_request_is_a_signed_form() -> None:
    from urllib.parse import parse_qsl

    from tui.backends.tencent.signing import sign

    client, seen = answering({"ret": 0, "msg": "ok", "data": {"answer": "a"}})
    await client.call("nlp/nlp_textchat", {"session": "s", "question": "a b~"})
    request = seen[0]
    assert request.url == "https://gw.example/fcgi-bin/nlp/nlp_textchat"
    assert request.headers["content-type"] == "application/x-www-form-urlencoded"
    form = dict(parse_qsl(request.content.decode()))
    assert form["question"] == "a b~" and form["app_id"] == "1"
    assert form["sign"] == sign(form, KEY)


async def test_unreachable_says_the_service_closed() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused")

    client = TencentClient(SETTINGS, transport=httpx.MockTransport(refuse))
    with pytest.raises(NetworkError) as raised:
        await client.call("nlp/nlp_textchat", {"question": "q"})
    assert "closed in 2021" in str(raised.value)


def test_missing_settings() -> None:
    with pytest.raises(SettingsError) as raised:
        TencentClient(TencentSettings(app_id="1"))
    assert "AICHAT_TENCENT_APP_KEY" in str(raised.value)


async def test_a_wrong_key_against_the_emulator(emulator, monkeypatch) -> None:
    from tui.settings import load_settings

    env = {**emulator.client_env(), "AICHAT_TENCENT_APP_KEY": "wrong"}
    client = TencentClient.from_settings(load_settings(env=env))
    with pytest.raises(AuthError, match="app key is wrong"):
        await client.call("nlp/nlp_textchat", {"session": "s", "question": "q"})
    skewed = TencentClient(load_settings(env=emulator.client_env()).tencent,
                           clock=lambda: 1_000_000_000)
    with pytest.raises(AuthError, match="clock is off"):
        await skewed.call("nlp/nlp_textchat", {"session": "s", "question": "q"})
    await client.aclose()
    await skewed.aclose()


async def test_a_trickled_answer_ends_in_the_network_timeout() -> None:
    """`[network] timeout` bounds the whole answer, as for every backend."""
    body = b'{"ret": 0, "msg": "ok", "data": {"answer": "hi"}}'
    async with Misbehaving(trickled(body)) as server:
        settings = TencentSettings(app_id="1", app_key=Secret("k" * 16), base_url=server.url)
        client = TencentClient(settings, timeout=1.0)
        start = time.monotonic()
        with pytest.raises(NetworkError, match="did not answer in time"):
            await client.call("nlp/nlp_textchat", {"session": "s", "question": "hi"})
        assert time.monotonic() - start < 4
        await client.aclose()


async def test_what_the_platform_says_is_inert_and_shortened_in_the_error() -> None:
    hostile = "\x1b[2J\x1b]52;c;eA==\x07\u202e" + "x" * 9000
    body = json.dumps({"ret": 16414, "msg": hostile, "data": {}}).encode()
    async with Misbehaving(answer("200 OK", "application/json", body)) as server:
        settings = TencentSettings(app_id="1", app_key=Secret(KEY), base_url=server.url)
        client = TencentClient(settings)
        try:
            with pytest.raises(ServiceError) as info:
                await client.call("aai/aai_tts", {"text": "你好"})
        finally:
            await client.aclose()
    message = str(info.value)
    assert "could not synthesize" in message and "␛[2J" in message
    assert not {"\x1b", "\x07", "\u202e"} & set(message) and len(message) < 600
