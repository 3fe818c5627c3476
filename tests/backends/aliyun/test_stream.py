"""Every stream case of the protocol, over real sockets against the emulator."""

from __future__ import annotations

import httpx
import pytest

from tests.backends.aliyun.conftest import collect, raw_snapshots
from tui.backends.aliyun import TongyiProvider
from tui.domain.errors import InvalidInput, NetworkError, ServiceError, StreamInterrupted
from tui.domain.events import ClarifyOptions, HandOverToHuman, ReplyFinished, TextChanged
from tui.domain.providers import ChatRequest


async def test_normal_reply_streams_growing_text(provider, tongyi_settings):
    events, shown = await collect(provider, "你有什么技能?")
    changes = [e for e in events if isinstance(e, TextChanged)]
    finished = events[-1]
    assert isinstance(finished, ReplyFinished)
    assert len(changes) >= 3, "the reply should arrive in several pieces"
    assert all(c.edit.is_append for c in changes)
    assert changes[0].text, "empty early events produce no edit"
    assert len({c.text for c in changes}) == len(changes), "repeated final text is not re-sent"
    assert finished.text == shown == (await raw_snapshots(tongyi_settings, "你有什么技能?"))[-1]
    assert finished.session_id and finished.message_id


async def test_rewrite_and_shrinking_text(provider, tongyi_settings):
    events, shown = await collect(provider, "please #rewrite")
    changes = [e for e in events if isinstance(e, TextChanged)]
    assert any(not c.edit.is_append for c in changes)
    snapshots = await raw_snapshots(tongyi_settings, "please #rewrite")
    assert any(len(b) < len(a) for a, b in zip(snapshots, snapshots[1:], strict=False)), "the list shrinks once"
    assert shown == events[-1].text == snapshots[-1]


@pytest.mark.parametrize("question", ["#multi sentences", "#merged events", "#keepalive pings",
                                      "#nolastblank end", "#markdown answer"])
async def test_framing_variants_keep_every_snapshot(provider, tongyi_settings, question):
    events, shown = await collect(provider, question)
    assert isinstance(events[-1], ReplyFinished)
    assert shown == (await raw_snapshots(tongyi_settings, question))[-1]
    assert len(shown) > 20


async def test_clarify_options(provider):
    events, shown = await collect(provider, "#clarify me")
    clarify = [e for e in events[-1].extras if isinstance(e, ClarifyOptions)]
    assert len(clarify) == 1 and len(clarify[0].options) == 3
    assert clarify[0].title and clarify[0].title in shown
    assert events[-1].extras == (clarify[0],)


async def test_hand_over_to_human(provider):
    events, _ = await collect(provider, "#human please")
    assert any(isinstance(e, HandOverToHuman) for e in events[-1].extras)
    assert isinstance(events[-1], ReplyFinished)


async def test_failure_mid_stream_keeps_partial_text(provider):
    seen = []
    with pytest.raises(ServiceError) as info:
        async for event in provider.stream_reply(ChatRequest("#fail now")):
            seen.append(event)
    assert info.value.code
    assert info.value.code in str(info.value)
    assert any(isinstance(e, TextChanged) and e.text for e in seen)


async def test_disconnect_is_interrupted_with_partial_text(provider):
    seen = []
    with pytest.raises(StreamInterrupted) as info:
        async for event in provider.stream_reply(ChatRequest("#disconnect please")):
            seen.append(event)
    assert "kept" in str(info.value)
    assert [e for e in seen if isinstance(e, TextChanged)][-1].text


async def test_session_id_continues_the_conversation(provider):
    first, _ = await collect(provider, "hello")
    session = first[-1].session_id
    second, text = await collect(provider, "and again", session)
    assert second[-1].session_id == session
    assert "turn 2" in text


async def test_non_sse_answer_is_a_service_error(emulator, tongyi_settings):
    settings = tongyi_settings._replace(stream_url=emulator.base_url + "/not-a-stream")
    provider = TongyiProvider(settings)
    with pytest.raises(ServiceError, match="instead of an event stream"):
        await collect(provider, "hello")
    await provider.aclose()


async def test_unreachable_stream_host_is_a_network_error(tongyi_settings, unused_tcp_port):
    settings = tongyi_settings._replace(stream_url=f"http://127.0.0.1:{unused_tcp_port}/sse")
    provider = TongyiProvider(settings)
    await provider.tokens.get()
    with pytest.raises(NetworkError, match="127.0.0.1") as info:
        await collect(provider, "hello")
    assert "sse" not in str(info.value)
    await provider.aclose()


@pytest.mark.parametrize("question", ["", "   ", "x" * 513])
async def test_unsendable_questions(provider, question):
    with pytest.raises(InvalidInput):
        await collect(provider, question)


class Witness(httpx.AsyncBaseTransport):
    """The real network transport, with every request it carries written down."""

    def __init__(self) -> None:
        self.real = httpx.AsyncHTTPTransport()
        self.paths: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.paths.append(request.url.path)
        return await self.real.handle_async_request(request)

    async def aclose(self) -> None:
        await self.real.aclose()


async def test_every_request_goes_through_the_transport_it_is_given(tongyi_settings):
    transport = Witness()
    provider = TongyiProvider(tongyi_settings, transport=transport)
    try:
        _, shown = await collect(provider, "hello")
    finally:
        await provider.aclose()
    assert shown
    # The token step, then the stream (its path carries the token: only its start is compared).
    assert len(transport.paths) == 2 and transport.paths[1].startswith("/sse/")
