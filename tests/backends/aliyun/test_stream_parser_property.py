"""Whatever JSON the stream carries, in any field, the parser raises only the project's errors."""

from __future__ import annotations

import asyncio
import json

import httpx
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from tui.backends.aliyun.provider import _reply_events
from tui.backends.aliyun.sse_frames import envelopes
from tui.domain.errors import AichatError
from tui.domain.events import ReplyFinished, TextChanged

scalars = (st.none() | st.booleans() | st.integers(min_value=1) | st.integers()
           | st.floats(allow_nan=False) | st.text(max_size=20))
json_values = st.recursive(
    scalars,
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


# A complete, valid result: every field the parser reads is somewhere in it.
TEMPLATE = {
    "SessionId": "s", "MessageId": "m", "StreamEnd": False,
    "MessageBody": {
        "DirectMessageBody": {"SentenceList": [{"Content": "hello"}, {"Content": " world"}]},
        "ClarifyMessageBody": {"Title": "t", "ClarifyContent": "c", "ClarifyList": ["a", "b"]},
        "Commands": {"sysToAgent": json.dumps({"reason": "USER_REQUEST"})},
    },
}


def _paths(document, prefix=()):
    yield prefix
    if isinstance(document, dict):
        for key, value in document.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(document, list):
        for index, value in enumerate(document):
            yield from _paths(value, (*prefix, index))


PATHS = [path for path in _paths(TEMPLATE) if path]


def _replaced(document, path, value):
    if not path:
        return value
    copy = dict(document) if isinstance(document, dict) else list(document)
    copy[path[0]] = _replaced(document[path[0]], path[1:], value)
    return copy


@st.composite
def mutated_result(draw):
    """The template with some fields (any depth) replaced by arbitrary JSON values."""
    document = TEMPLATE
    for path in draw(st.lists(st.sampled_from(PATHS), min_size=1, max_size=2, unique=True)):
        try:
            document = _replaced(document, path, draw(json_values))
        except (KeyError, IndexError, TypeError):
            continue  # an earlier replacement removed this path
    return document


def envelope_of(result, encode: bool) -> dict:
    return {"data": [{"type": "JSON_TEXT", "value": json.dumps(result) if encode else result}]}


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


def _check(events):
    for event in events:
        assert isinstance(event, (TextChanged, ReplyFinished))
        assert isinstance(event.text, str)
        if isinstance(event, ReplyFinished):
            assert event.session_id is None or isinstance(event.session_id, str)
            for extra in event.extras:
                assert all(isinstance(option, str) for option in getattr(extra, "options", ()))


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(mutated_result(), st.booleans()), min_size=1, max_size=3))
@example([(_replaced(TEMPLATE, ("MessageBody", "ClarifyMessageBody", "ClarifyList"), 5), True)])
@example([(_replaced(TEMPLATE, ("SessionId",), ["a", "b"]), False)])
@example([(_replaced(TEMPLATE, ("MessageBody", "DirectMessageBody", "SentenceList"), 3), True)])
def test_any_json_in_any_field_of_a_result_raises_only_project_errors(results):
    _check(asyncio.run(_drain([envelope_of(r, encode) for r, encode in results])))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(envelope, max_size=5))
@example([{"data": 5}, {"data": [5, None]}, {"success": False, "message": {"x": [1]}}])
def test_any_json_in_any_field_of_an_envelope_raises_only_project_errors(envelopes):
    _check(asyncio.run(_drain(envelopes)))


def _never() -> AichatError:
    raise AssertionError("a body in memory cannot time out")


async def _drain_bytes(body: bytes):
    response = httpx.Response(200, headers={"content-type": "text/event-stream"}, content=body)
    events = []
    try:
        async for event in _reply_events(envelopes(response, 60.0, _never), None, "example.test"):
            events.append(event)
    except AichatError:
        pass
    return events


sse_line = st.one_of(
    st.builds(lambda e: "data:" + json.dumps(e), envelope),
    st.text(max_size=30).map(lambda t: "data:" + t),
    st.sampled_from([":ping", "", "event: x", "id: 1", "retry: x", "data:", "data:{"]),
    st.text(max_size=30),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(sse_line, max_size=8), st.sampled_from(["\n", "\r\n", "\n\n", "\r"]))
def test_any_framing_of_the_stream_raises_only_project_errors(lines, separator):
    body = separator.join(lines).encode("utf-8", "surrogatepass")
    for event in asyncio.run(_drain_bytes(body)):
        assert isinstance(event, (TextChanged, ReplyFinished))
