"""Whatever JSON the stream carries, in any field, the parser raises only the project's errors."""

from __future__ import annotations

import asyncio
import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.backends.aliyun.provider import _reply_events
from tui.domain.errors import AichatError
from tui.domain.events import ReplyFinished, TextChanged

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8),
                                                                      children, max_size=4),
    max_leaves=12)


def field(strategy):
    """A field as the service would send it, or any other JSON value in its place."""
    return strategy | json_values


sentence = st.fixed_dictionaries({"Content": field(st.text(max_size=20))})
clarify = st.fixed_dictionaries({"Title": field(st.text(max_size=8)),
                                 "ClarifyContent": field(st.text(max_size=8)),
                                 "ClarifyList": field(st.lists(field(st.text(max_size=8)),
                                                               max_size=3))})
body = st.fixed_dictionaries({}, optional={
    "DirectMessageBody": field(st.fixed_dictionaries(
        {"SentenceList": field(st.lists(field(sentence), max_size=3))})),
    "ClarifyMessageBody": field(clarify),
    "Commands": field(st.fixed_dictionaries({"sysToAgent": json_values})),
})
result = st.fixed_dictionaries({}, optional={
    "MessageBody": field(body), "StreamEnd": field(st.booleans()),
    "SessionId": field(st.text(max_size=8)), "MessageId": field(st.text(max_size=8)),
})
value = field(result) | result.map(json.dumps) | st.text(max_size=20)
item = field(st.fixed_dictionaries({"type": field(st.just("JSON_TEXT")), "value": value}))
envelope = st.fixed_dictionaries({}, optional={
    "data": field(st.lists(item, max_size=3)), "success": json_values, "code": json_values,
    "message": json_values, "errorCode": json_values, "errorMsg": json_values,
})


async def _drain(envelopes):
    async def source():
        for e in envelopes:
            yield e

    events = []
    try:
        async for event in _reply_events(source(), None, "example.test"):
            events.append(event)
    except AichatError:
        pass
    return events


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(envelope, max_size=5))
def test_any_json_in_any_field_raises_only_project_errors(envelopes):
    events = asyncio.run(_drain(envelopes))
    for event in events:
        assert isinstance(event, (TextChanged, ReplyFinished))
        assert isinstance(event.text, str)
        if isinstance(event, ReplyFinished):
            assert event.session_id is None or isinstance(event.session_id, str)
            for extra in event.extras:
                assert all(isinstance(option, str) for option in getattr(extra, "options", ()))
