"""The token step: caching, re-applying, and the gateway's error taxonomy."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from tests.backends.aliyun.conftest import collect
from tui.backends.aliyun import TongyiProvider
from tui.backends.aliyun.token import TokenSource
from tui.domain.errors import AuthError, NetworkError, RateLimited
from tui.domain.events import ReplyFinished
from tui.domain.secret import Secret


async def test_token_is_reused_across_replies(provider, emulator):
    await collect(provider, "one")
    await collect(provider, "two")
    assert emulator.aliyun.token_requests == 1


async def test_token_is_renewed_before_it_expires(tongyi_settings, emulator):
    import httpx

    now = [1000.0]
    async with httpx.AsyncClient() as client:
        tokens = TokenSource(tongyi_settings, client, clock=lambda: now[0], lifetime=7000)
        first = await tokens.get()
        now[0] += 6999
        assert await tokens.get() is first
        now[0] += 2
        assert (await tokens.get()).access_token != first.access_token
    assert emulator.aliyun.token_requests == 2


async def test_revoked_token_is_replaced_once(provider, emulator):
    await collect(provider, "one")
    emulator.aliyun.revoke_tokens()
    events, _ = await collect(provider, "two")
    assert isinstance(events[-1], ReplyFinished)
    assert emulator.aliyun.token_requests == 2


async def test_stream_refusing_fresh_tokens_is_an_auth_error(tongyi_settings, emulator):
    emulator.config.token_ttl = 0  # every token is already expired when used
    provider = TongyiProvider(tongyi_settings)
    with pytest.raises(AuthError, match="refused the access token"):
        await collect(provider, "hello")
    assert emulator.aliyun.token_requests == 2
    await provider.aclose()


async def test_throttling_and_outages_are_retried(provider, emulator):
    emulator.aliyun.inject_gateway_faults(["Throttling.User", "ServiceUnavailable"])
    events, _ = await collect(provider, "hello")
    assert isinstance(events[-1], ReplyFinished)
    assert emulator.aliyun.token_requests == 3


async def test_persistent_throttling_gives_up(provider, emulator):
    emulator.aliyun.inject_gateway_faults(["Throttling.User"] * 10)
    with pytest.raises(RateLimited, match="throttling"):
        await collect(provider, "hello")
    assert emulator.aliyun.token_requests == 4  # the first try and three retries


@pytest.mark.parametrize("change, code, words", [
    ({"access_key_secret": Secret("wrong-secret")}, "SignatureDoesNotMatch", "secret"),
    ({"access_key_id": "no-such-key"}, "InvalidAccessKeyId.NotFound", "AccessKey ID"),
])
async def test_auth_errors_are_not_retried(tongyi_settings, emulator, change, code, words):
    provider = TongyiProvider(tongyi_settings._replace(**change), backoff=0.01)
    with pytest.raises(AuthError) as info:
        await collect(provider, "hello")
    await provider.aclose()
    assert info.value.code == code and words in str(info.value)
    assert "wrong-secret" not in str(info.value)
    assert emulator.aliyun.token_requests == 1


async def test_inactive_and_forbidden_keys(tongyi_settings, emulator):
    emulator.config.inactive_keys.add(tongyi_settings.access_key_id)
    provider = TongyiProvider(tongyi_settings)
    with pytest.raises(AuthError, match="disabled"):
        await collect(provider, "hello")
    emulator.config.inactive_keys.clear()
    emulator.config.forbidden_keys.add(tongyi_settings.access_key_id)
    with pytest.raises(AuthError, match="RAM"):
        await collect(provider, "hello")
    await provider.aclose()


async def test_clock_skew_is_explained(tongyi_settings, emulator):
    import httpx

    skewed = (datetime.now(timezone.utc) - timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    async with httpx.AsyncClient() as client:
        tokens = TokenSource(tongyi_settings, client, date=lambda: skewed)
        with pytest.raises(AuthError, match="clock"):
            await tokens.get()


async def test_unreachable_endpoint(tongyi_settings, unused_tcp_port):
    provider = TongyiProvider(tongyi_settings._replace(endpoint=f"http://127.0.0.1:{unused_tcp_port}"))
    with pytest.raises(NetworkError, match="Cannot connect to 127.0.0.1"):
        await collect(provider, "hello")
    await provider.aclose()
