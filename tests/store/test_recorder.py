"""Saving a streaming reply: throttled while it grows, complete when it ends."""

from __future__ import annotations

import pytest

from tui.domain.conversation import Message, MessageStatus, Role
from tui.domain.events import ClarifyOptions
from tui.store import HistoryError, ReplyRecorder, reply_extras, reply_meta

from .conftest import START, FakeClock


@pytest.fixture
def streaming(history):
    conversation = history.create_conversation("c")
    history.add_message(conversation.id, Message(Role.USER, "tell me a story", START))
    message = history.add_message(conversation.id, Message(Role.ASSISTANT, "", START,
                                                           MessageStatus.STREAMING))
    return conversation.id, message.id


def saved(history, conversation_id: int) -> Message:
    return history.messages(conversation_id)[-1]


def test_updates_are_written_at_most_once_per_interval(history, streaming):
    conversation_id, message_id = streaming
    clock = FakeClock(100.0)
    recorder = ReplyRecorder(history, message_id, interval=1.0, clock=clock)
    on_disk = []

    growing = ["O", "On", "Once", "Once up", "Once upon", "Once upon a", "Once upon a time"]
    for step, text in enumerate(growing):
        clock.now = 100.0 + step * 0.4  # 0.0, 0.4, 0.8, 1.2, 1.6, 2.0, 2.4
        recorder.update(text)
        on_disk.append(saved(history, conversation_id).text)

    # Written at 0.0 (the first), 1.2 and 2.4; in between the file keeps the last written text.
    assert on_disk == ["O", "O", "O", "Once up", "Once up", "Once up", "Once upon a time"]


def test_a_text_given_as_a_function_is_made_only_when_a_write_is_due(history, streaming):
    conversation_id, message_id = streaming
    clock = FakeClock(100.0)
    recorder = ReplyRecorder(history, message_id, interval=1.0, clock=clock)
    made = []

    def text(value: str):
        return lambda: made.append(value) or value

    for step, value in enumerate(["O", "On", "Once", "Once up"]):
        clock.now = 100.0 + step * 0.4
        recorder.update(text(value))
    assert made == ["O", "Once up"] and saved(history, conversation_id).text == "Once up"
    assert saved(history, conversation_id).status is MessageStatus.STREAMING


def test_update_says_whether_it_wrote_and_skips_unchanged_text(history, streaming):
    _, message_id = streaming
    clock = FakeClock()
    recorder = ReplyRecorder(history, message_id, interval=0.5, clock=clock)

    assert recorder.update("Hi") is True
    assert recorder.update("Hi there") is False
    clock.advance(0.5)
    assert recorder.update("Hi there") is True
    clock.advance(5)
    assert recorder.update("Hi there") is False


def test_finish_writes_the_last_text_status_and_extras(history, streaming):
    conversation_id, message_id = streaming
    clock = FakeClock()
    recorder = ReplyRecorder(history, message_id, clock=clock)
    recorder.update("Which")
    recorder.update("Which city do you mean?")  # throttled away...
    clarify = ClarifyOptions("Did you mean", "Pick one", ("Hangzhou", "Suzhou"))

    recorder.finish(MessageStatus.COMPLETE, "Which city do you mean?", reply_meta([clarify]))

    final = saved(history, conversation_id)  # ...but not lost
    assert (final.text, final.status) == ("Which city do you mean?", MessageStatus.COMPLETE)
    assert reply_extras(final.meta) == (clarify,)


def test_a_failed_write_raises_then_updates_wait_before_trying_again(history, streaming):
    conversation_id, message_id = streaming
    clock = FakeClock()
    recorder = ReplyRecorder(history, message_id, clock=clock, retry_after=5.0)
    recorder.update("first words")
    history._conn.execute("PRAGMA query_only = 1")  # SQLite refuses writes, as on a read-only file

    clock.advance(1)
    with pytest.raises(HistoryError, match="read-only"):
        recorder.update("first words and more")
    clock.advance(4.9)  # still backing off: no try, so no error and no busy-timeout wait
    assert recorder.update("first words and more still") is False

    history._conn.execute("PRAGMA query_only = 0")
    clock.advance(0.1)
    assert recorder.update("first words and more, written") is True
    assert saved(history, conversation_id).text == "first words and more, written"
    recorder.finish(MessageStatus.CANCELLED, "first words and more, then Esc")
    final = saved(history, conversation_id)
    assert (final.text, final.status) == ("first words and more, then Esc", MessageStatus.CANCELLED)
