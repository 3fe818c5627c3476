from __future__ import annotations

import json

import httpx
import pytest

from tui.backends.aliyun import TongyiProvider
from tui.backends.aliyun.stream_request import millis_timestamp, request_body, stream_url
from tui.domain.events import TextChanged
from tui.domain.providers import ChatRequest
from tui.settings import load_settings


@pytest.fixture
def tongyi_settings(emulator_env):
    return load_settings().tongyi


@pytest.fixture
async def provider(tongyi_settings):
    provider = TongyiProvider(tongyi_settings, backoff=0.01)
    yield provider
    await provider.aclose()


async def collect(provider, question, session_id=None):
    """All events of one reply, and the text the edits rebuild, applied one by one."""
    events, shown = [], ""
    async for event in provider.stream_reply(ChatRequest(question, session_id)):
        events.append(event)
        if isinstance(event, TextChanged):
            assert shown[: event.edit.keep] == event.text[: event.edit.keep]
            shown = event.edit.apply(shown)
            assert shown == event.text
    return events, shown


async def raw_snapshots(settings, question):
    """The cumulative texts exactly as the emulator sends them, parsed independently of the
    client: split on blank lines / newlines, strip `data:`, concatenate SentenceList."""
    provider = TongyiProvider(settings)
    token = await provider.tokens.get()
    url = stream_url(settings.stream_url, token, millis_timestamp())
    async with httpx.AsyncClient() as client:
        response = await client.post(url, json=request_body(settings.instance_id, question, None))
    await provider.aclose()
    texts = []
    for line in response.text.splitlines():
        if not line.startswith("data:"):
            continue
        for item in json.loads(line[5:])["data"]:
            value = json.loads(item["value"])
            body = (value.get("MessageBody") or {}).get("DirectMessageBody") or {}
            texts.append("".join(s.get("Content", "") for s in body.get("SentenceList") or []))
    return texts
