"""Each reply scenario of the emulated Tongyi stream, parsed from the raw SSE text."""

from __future__ import annotations

import ast
import json
import re
from itertools import pairwise

import httpx
import pytest

from tests.emulator.aliyun_wire import (
    Event,
    Received,
    apply_for_grant,
    chat_body,
    decode,
    events_of,
    millis,
    parse_sse,
    post_stream,
)
from tui.emulator import DEMO
from tui.emulator.aliyun.scenarios import Question, script_for

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture
async def ask(emulator):
    """Ask one question over a fresh token; returns what arrived on the wire."""
    async with httpx.AsyncClient(timeout=20) as client:
        grant = await apply_for_grant(client, emulator.base_url, DEMO.access_key_id,
                                      DEMO.access_key_secret)

        async def ask(utterance: str, message_id: str | None = None) -> Received:
            url = grant.url(emulator.base_url, millis(emulator.aliyun.clock.now()))
            return await post_stream(client, url, chat_body(utterance, DEMO.instance_id,
                                                            message_id=message_id))

        yield ask


def assert_well_framed(received: Received) -> None:
    """`data:` + compact JSON, no space after the colon, a blank line after every event."""
    assert received.status == 200 and received.complete
    assert received.text.endswith("}\n\n")
    for block in received.text.split("\n\n")[:-1]:
        assert block.startswith("data:{") and "\n" not in block


def texts(events: list[Event]) -> list[str]:
    return [e.text for e in events]


def assert_finishes_like_the_seed(events: list[Event]) -> None:
    ends = [e.result["StreamEnd"] for e in events]
    assert ends == [False] * (len(events) - 1) + [True]
    final = events[-1].text
    assert texts(events)[-3:] == [final] * 3, "the final text is repeated twice"


async def test_normal_reply_is_shaped_like_the_recorded_stream(ask):
    received = await ask("你有什么技能?", message_id="6bd684db-7259-4060-88fc-de562d2c86e7")
    assert_well_framed(received)
    events = events_of(received)
    opening, *rest = events
    assert "MessageBody" not in opening.result and opening.result["IsAIGC"] is False
    assert opening.envelope["requestId"] == opening.result["MessageId"]
    assert [e.text for e in rest[:4]] == [""] * 4, "empty SentenceList events come first"
    assert all(e.result["IsAIGC"] and e.result["MessageBody"]["Type"] == "Direct" for e in rest)
    growing = [t for t in texts(rest) if t]
    assert len(set(growing)) >= 4 and all(b.startswith(a) for a, b in pairwise(growing))
    assert_finishes_like_the_seed(events)
    assert "你有什么技能?" in events[-1].text
    for event in events:
        assert set(event.envelope) == {"data", "messageId", "requestId", "success"}
        assert event.envelope["messageId"] == "6bd684db-7259-4060-88fc-de562d2c86e7"
        assert event.envelope["data"][0]["type"] == "JSON_TEXT"
        assert isinstance(event.envelope["data"][0]["value"], str)
        assert UUID.fullmatch(event.envelope["requestId"])
    assert len({e.envelope["requestId"] for e in events}) == len(events)
    assert len({e.result["SequenceId"] for e in events}) == len(events)
    assert len({e.result["MessageId"] for e in events}) == 1
    assert rest[0].result["QuerySegList"][:2] == ["你", "有"]


async def test_english_question_gets_an_english_echo(ask):
    events = events_of(await ask("What can you do?"))
    assert events[-1].text.startswith("You asked: “What can you do?”")


async def test_markdown(ask):
    received = await ask("show me some #markdown")
    assert_well_framed(received)
    events = events_of(received)
    assert_finishes_like_the_seed(events)
    final = events[-1].text
    assert re.search(r"^## ", final, re.M) and re.search(r"^### ", final, re.M)
    assert re.search(r"^- ", final, re.M) and re.search(r"^1\. ", final, re.M)
    code = re.search(r"```python\n(.*?)```", final, re.S)
    assert code and ast.parse(code.group(1)), "a closed, valid python fence"
    assert len([t for t in texts(events) if t]) >= 20, "a long reply in many steps"


async def test_multi_sentences(ask):
    events = events_of(await ask("#multi"))
    assert_finishes_like_the_seed(events)
    counts = [len(e.sentences) for e in events[1:]]
    assert counts == sorted(counts) and counts[-1] == 4
    assert events[-1].text == "".join(events[-1].sentences)
    assert events[-1].result["MessageBody"]["DirectMessageBody"]["ContentType"] == "PLAIN_TEXT"


async def test_rewrite_changes_earlier_text_and_shrinks_once(ask):
    events = events_of(await ask("#rewrite"))
    assert_finishes_like_the_seed(events)
    pairs = list(pairwise(events))
    assert any(not b.text.startswith(a.text) and len(b.text) >= len(a.text) for a, b in pairs), \
        "an earlier part is rewritten"
    shrinks = [(a, b) for a, b in pairs if len(b.sentences) < len(a.sentences)]
    assert len(shrinks) == 1 and len(shrinks[0][1].text) < len(shrinks[0][0].text)


async def test_clarify(ask):
    events = events_of(await ask("#clarify"))
    assert_finishes_like_the_seed(events)
    body = events[-1].result["MessageBody"]
    assert body["Type"] == "Clarify"
    clarify = body["ClarifyMessageBody"]
    assert clarify["Title"] and clarify["ClarifyContent"]
    assert len(clarify["ClarifyList"]) == 3 and all(clarify["ClarifyList"])


async def test_hand_over_to_human(ask):
    events = events_of(await ask("#human"))
    assert_finishes_like_the_seed(events)
    commands = events[-1].result["MessageBody"]["Commands"]
    assert isinstance(commands["sysToAgent"], str)
    assert isinstance(json.loads(commands["sysToAgent"]), dict)
    assert events[-1].text


async def test_fail_mid_stream(ask):
    received = await ask("#fail")
    assert_well_framed(received)
    events = events_of(received)
    *good, failure = events
    assert any(e.text for e in good), "some text arrived before the failure"
    assert not any(e.result["StreamEnd"] for e in good)
    assert failure.envelope["success"] is False
    assert failure.envelope["code"] and failure.envelope["message"]


async def test_disconnect_mid_stream(ask):
    received = await ask("#disconnect")
    assert received.status == 200 and not received.complete
    events = events_of(received)
    assert events[-1].text and not any(e.result["StreamEnd"] for e in events)


async def test_keepalive_pings_between_events(ask):
    received = await ask("#keepalive")
    parsed = parse_sse(received.text)
    assert parsed.comments == ["ping"] * (len(parsed.events) - 1)
    assert "\n:ping\n" in received.text
    assert_finishes_like_the_seed(events_of(received))


async def test_merged_events_arrive_as_one_with_two_data_lines(ask):
    received = await ask("#merged")
    assert received.text.count("}\ndata:{") == 1
    parsed = parse_sse(received.text)
    merged = [lines for lines in parsed.events if len(lines) == 2]
    assert len(merged) == 1
    first, second = decode(merged[0])
    assert first.text and second.text.startswith(first.text)
    assert_finishes_like_the_seed(events_of(received))


async def test_nolastblank_leaves_the_end_undispatched(ask):
    received = await ask("#nolastblank")
    assert received.complete and received.text.endswith("}\n")
    assert not received.text.endswith("\n\n")
    parsed = parse_sse(received.text)
    [end] = decode(parsed.pending)
    assert end.result["StreamEnd"] is True
    assert not any(e.result["StreamEnd"] for lines in parsed.events for e in decode(lines))


async def test_framing_keywords_combine_with_content(ask):
    received = await ask("#markdown #keepalive #merged")
    parsed = parse_sse(received.text)
    assert parsed.comments and received.text.count("}\ndata:{") == 1
    assert "```python" in events_of(received)[-1].text


async def test_ansi_escapes_reach_the_client_escaped_in_json(ask):
    received = await ask("#ansi")
    final = events_of(received)[-1].text
    assert "\x1b]52;c;aGk=\x07" in final and "\x1b[2J" in final and final.count("\x07") == 2
    assert "\x1b" not in received.text, "raw escapes never travel unencoded"


async def test_bench_sends_exactly_the_requested_events(ask):
    received = await ask("#bench chars=20000 events=400 rate=0")
    assert_well_framed(received)
    events = events_of(received)
    assert len(events) == 400
    lengths = [len(e.text) for e in events]
    assert lengths == sorted(lengths) and lengths[-1] == 20000
    assert all(b.text.startswith(a.text) for a, b in pairwise(events))
    assert [e.result["StreamEnd"] for e in events].count(True) == 1
    code = re.search(r"```python\n(.*?)```", events[-1].text, re.S)
    assert code and len(code.group(1)) > 5000 and ast.parse(code.group(1))


async def test_bench_with_bad_arguments_fails_in_stream(ask):
    [failure] = events_of(await ask("#bench chars=0 events=10"))
    assert failure.envelope["success"] is False and "chars=N" in failure.envelope["message"]


async def test_a_client_hanging_up_mid_reply_does_not_disturb_the_server(emulator, ask):
    async with httpx.AsyncClient(timeout=10) as client:
        grant = await apply_for_grant(client, emulator.base_url, DEMO.access_key_id,
                                      DEMO.access_key_secret)
        url = grant.url(emulator.base_url, millis(emulator.aliyun.clock.now()))
        async with client.stream("POST", url, json=chat_body("#slow", DEMO.instance_id)) as r:
            async for chunk in r.aiter_raw():
                assert chunk.startswith(b"data:")
                break  # hang up after the first event
    assert_well_framed(await ask("still there?"))


# -- pacing (the scripts themselves: no clock needed) -----------------------------------------

@pytest.mark.parametrize("delay, pace", [(0.0, 0.2), (0.01, 0.2), (0.05, 0.5)])
def test_slow_is_ten_times_the_event_delay_and_at_least_a_fifth_of_a_second(delay, pace):
    script = script_for(Question("#slow", 1, delay))
    assert script.pace == pytest.approx(pace)
    assert len(list(script.steps)) == 50


@pytest.mark.parametrize("utterance, pace", [("#bench rate=100", 0.01), ("#bench rate=0", 0.0),
                                             ("#bench", 0.0), ("hello", 0.03)])
def test_pace_of_bench_and_normal(utterance, pace):
    assert script_for(Question(utterance, 1, 0.03)).pace == pytest.approx(pace)


async def test_stopping_the_server_ends_replies_in_flight(emulator):
    async with httpx.AsyncClient(timeout=30) as client:
        grant = await apply_for_grant(client, emulator.base_url, DEMO.access_key_id,
                                      DEMO.access_key_secret)
        url = grant.url(emulator.base_url, millis(emulator.aliyun.clock.now()))
        async with client.stream("POST", url, json=chat_body("#slow", DEMO.instance_id)) as r:
            chunks = r.aiter_raw()
            received = [await anext(chunks)]
            await emulator.stop()  # must not wait for the ~10 s reply to finish
            with pytest.raises(httpx.RemoteProtocolError):
                async for chunk in chunks:
                    received.append(chunk)
    events = events_of(Received(200, "text/event-stream", b"".join(received).decode(), False))
    assert len(events) < 50 and not events[-1].result["StreamEnd"]
