"""Conversations and messages in a real history file: saving, reading, ordering, deleting."""

from __future__ import annotations

import os
import sqlite3
import stat

import pytest

from tui.domain.conversation import Message, MessageStatus, Role
from tui.domain.providers import Turn
from tui.store import History, HistoryError
from tui.store.errors import history_error

from .conftest import START


def user(text: str, at: float = START) -> Message:
    return Message(Role.USER, text, at)


def reply(text: str = "", at: float = START, status: MessageStatus = MessageStatus.STREAMING) -> Message:
    return Message(Role.ASSISTANT, text, at, status)


def test_a_conversation_is_saved_and_read_back(history, history_path, clock):
    created = history.create_conversation("Trip to Hangzhou", session_id="sess-1")

    assert created.id is not None
    assert (created.title, created.provider, created.session_id) == ("Trip to Hangzhou", "tongyi", "sess-1")
    assert created.created_at == created.updated_at == START

    with History.open(history_path) as reopened:
        found = reopened.get_conversation(created.id)
    assert found == created


def test_messages_come_back_in_order_with_their_fields(history, history_path):
    conversation = history.create_conversation("Weather")
    meta = {"extras": [{"kind": "clarify", "options": ["明天", "后天"]}], "n": 1.5}
    saved = [
        history.add_message(conversation.id, user("杭州今天天气怎么样？", START + 5)),
        history.add_message(conversation.id, Message(Role.ASSISTANT, "晴，**26°C**", START + 6,
                                                     MessageStatus.COMPLETE, meta=meta)),
        history.add_message(conversation.id, Message(Role.ERROR, "Rate limited", START + 1)),
    ]

    assert [m.id for m in saved] == sorted(m.id for m in saved)
    assert all(m.conversation_id == conversation.id for m in saved)
    with History.open(history_path) as reopened:
        assert reopened.messages(conversation.id) == saved  # in the order added, not by time
        assert reopened.messages(conversation.id)[1].meta == meta


def test_add_message_returns_a_saved_copy(history):
    conversation = history.create_conversation("c")
    draft = user("hello")

    saved = history.add_message(conversation.id, draft)

    assert draft.id is None and saved.id is not None
    saved.meta["later"] = True
    assert history.messages(conversation.id)[0].meta == {}


def test_conversations_are_listed_by_latest_activity_with_counts(history, clock):
    old = history.create_conversation("old")
    clock.advance(60)
    new = history.create_conversation("new")
    clock.advance(60)
    empty = history.create_conversation("empty")
    clock.advance(60)
    history.add_message(old.id, user("bringing this one back"))
    history.add_message(old.id, reply("ok", status=MessageStatus.COMPLETE))

    listed = history.list_conversations()

    assert [(c.title, c.message_count) for c in listed] == [("old", 2), ("empty", 0), ("new", 0)]
    assert listed[0].updated_at == START + 180 and listed[0].created_at == START
    assert [c.title for c in history.list_conversations(limit=2)] == ["old", "empty"]
    assert history.get_conversation(new.id).message_count == 0
    assert history.get_conversation(empty.id + 1000) is None


def test_rename_and_session_id(history):
    conversation = history.create_conversation("New chat")

    history.rename(conversation.id, "Visa questions")
    history.set_session_id(conversation.id, "tongyi-session-42")

    found = history.get_conversation(conversation.id)
    assert (found.title, found.session_id) == ("Visa questions", "tongyi-session-42")


def test_update_message_changes_only_what_is_given(history):
    conversation = history.create_conversation("c")
    message = history.add_message(conversation.id, reply("Hel"))

    history.update_message(message.id, text="Hello")
    history.update_message(message.id, status=MessageStatus.CANCELLED)
    history.update_message(message.id, meta={"error": "stopped"})
    history.update_message(message.id)

    [found] = history.messages(conversation.id)
    assert (found.text, found.status, found.meta) == ("Hello", MessageStatus.CANCELLED, {"error": "stopped"})


def test_delete_removes_the_conversation_its_messages_and_their_index_entries(history, history_path):
    doomed = history.create_conversation("doomed")
    kept = history.create_conversation("kept")
    history.add_message(doomed.id, user("unique-doomed-words"))
    history.add_message(kept.id, user("unique-kept-words"))

    history.delete(doomed.id)

    assert [c.title for c in history.list_conversations()] == ["kept"]
    assert history.messages(doomed.id) == []
    assert history.search("unique-doomed") == []
    assert [h.conversation_id for h in history.search("unique")] == [kept.id]
    conn = sqlite3.connect(history_path)
    assert conn.execute("SELECT count(*) FROM messages").fetchone() == (1,)
    # Raises if the full-text index still holds rows for deleted messages.
    conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")


def test_ids_of_deleted_messages_are_never_reused(history):
    conversation = history.create_conversation("c")
    first = history.add_message(conversation.id, user("first"))
    history.delete(conversation.id)

    again = history.create_conversation("again")
    second = history.add_message(again.id, user("second"))

    assert again.id != conversation.id and second.id != first.id
    # A late write for the deleted message (say, from a reply still streaming) must not land
    # on the new one.
    with pytest.raises(HistoryError, match="no message"):
        history.update_message(first.id, text="late")
    assert history.messages(again.id)[0].text == "second"


def test_writes_to_missing_rows_say_so(history):
    with pytest.raises(HistoryError) as caught:
        history.add_message(999, user("into the void"))
    assert "There is no conversation 999 in the history file" in str(caught.value)
    with pytest.raises(HistoryError, match="no conversation 5 "):
        history.rename(5, "x")
    with pytest.raises(HistoryError, match="no message 7 "):
        history.update_message(7, text="x")


def test_recover_interrupted_marks_replies_left_streaming(history, history_path):
    conversation = history.create_conversation("c")
    history.add_message(conversation.id, user("q1"))
    cut = history.add_message(conversation.id, reply("partial an"))
    done = history.add_message(conversation.id, reply("whole answer", status=MessageStatus.COMPLETE))
    history.close()  # the run that wrote them ends (a crash ends it the same way)

    with History.open(history_path) as restarted:
        assert restarted.recover_interrupted() == 1
        assert restarted.recover_interrupted() == 0
        statuses = {m.id: (m.status, m.text) for m in restarted.messages(conversation.id)}
    assert statuses[cut.id] == (MessageStatus.INTERRUPTED, "partial an")
    assert statuses[done.id] == (MessageStatus.COMPLETE, "whole answer")


def test_a_streaming_reply_is_searchable_once_it_ends_and_not_before(history):
    conversation = history.create_conversation("c")
    streaming = history.add_message(conversation.id, reply("the answer so"))
    history.update_message(streaming.id, text="the answer so far")  # a progress save
    assert history.search("answer") == []

    history.update_message(streaming.id, text="the answer so far, whole",
                           status=MessageStatus.COMPLETE)

    [hit] = history.search("answer")
    assert (hit.message_id, hit.snippet.replace("\x02", "").replace("\x03", "")) == (
        streaming.id, "the answer so far, whole")


def test_a_reply_cut_off_by_a_crash_is_searchable_after_recovery(history, history_path):
    conversation = history.create_conversation("c")
    cut = history.add_message(conversation.id, reply("partial paragraph"))
    history.close()

    with History.open(history_path) as restarted:
        restarted.recover_interrupted()
        assert [hit.message_id for hit in restarted.search("paragraph")] == [cut.id]


def test_deleting_a_conversation_while_its_reply_streams_keeps_the_index_sound(history):
    doomed = history.create_conversation("doomed")
    history.add_message(doomed.id, reply("shared words"))
    history.delete(doomed.id)
    kept = history.create_conversation("kept")
    finished = history.add_message(kept.id, reply("shared words", status=MessageStatus.COMPLETE))

    assert [hit.message_id for hit in history.search("shared words")] == [finished.id]


def test_a_full_disk_is_reported_and_nothing_already_saved_is_lost(history):
    conversation = history.create_conversation("c")
    history.add_message(conversation.id, user("saved before the disk filled up"))
    # SQLite's own page limit makes it fail exactly as it does on a full disk (SQLITE_FULL).
    pages = history._conn.execute("PRAGMA page_count").fetchone()[0]
    history._conn.execute(f"PRAGMA max_page_count = {pages}")

    with pytest.raises(HistoryError) as caught:
        history.add_message(conversation.id, user("x" * 100_000))

    assert caught.value.code == "disk-full"
    assert str(caught.value) == (f"Could not save a message: the disk holding the history file "
                                 f"{history.path} is full. Free some disk space, then try again; "
                                 "nothing on screen is lost.")
    assert [m.text for m in history.messages(conversation.id)] == ["saved before the disk filled up"]
    history._conn.execute("PRAGMA max_page_count = 1073741823")
    history.add_message(conversation.id, user("x" * 100_000))  # works again once there is room
    assert history.get_conversation(conversation.id).message_count == 2


def test_a_read_only_history_is_reported(history):
    conversation = history.create_conversation("c")
    # The tests run as root, for whom file permissions do not apply; SQLite's own switch
    # fails writes with the same SQLITE_READONLY a read-only file gives.
    history._conn.execute("PRAGMA query_only = 1")

    with pytest.raises(HistoryError) as caught:
        history.rename(conversation.id, "new title")

    assert caught.value.code == "read-only"
    assert f"the history file {history.path} is read-only" in str(caught.value)
    assert "Check the permissions" in str(caught.value)


def test_a_history_locked_by_another_program_is_reported(history, history_path):
    conversation = history.create_conversation("c")
    other = sqlite3.connect(history_path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another window in the middle of a write
    try:
        with pytest.raises(HistoryError) as caught:
            history.add_message(conversation.id, user("hello"))
    finally:
        other.execute("ROLLBACK")
    assert caught.value.code == "locked"
    assert "Close other aichat-tui windows" in str(caught.value)
    history.add_message(conversation.id, user("hello"))


@pytest.mark.parametrize(("text", "code"), [
    ("database or disk is full", "disk-full"),
    ("attempt to write a readonly database", "read-only"),
    ("database is locked", "locked"),
    ("something new and strange", "sqlite"),
])
def test_errors_without_a_result_code_are_recognised_by_their_wording(tmp_path, text, code):
    # Python 3.10's sqlite3 exceptions carry no sqlite_errorcode.
    exc = sqlite3.OperationalError(text)
    assert not hasattr(exc, "sqlite_errorcode")
    error = history_error(tmp_path / "h.sqlite3", "save a message", exc)
    assert error.code == code and str(tmp_path / "h.sqlite3") in str(error)


def test_the_repr_names_the_file(history):
    assert repr(history) == f"History({str(history.path)!r})"


def test_turns_are_the_questions_and_replies_before_a_message(history):
    conversation = history.create_conversation("c")
    said = [(Role.USER, "one?"), (Role.ASSISTANT, "first answer"), (Role.ERROR, "no network"),
            (Role.USER, "two?"), (Role.ASSISTANT, " \n"), (Role.NOTICE, "a notice"),
            (Role.USER, "three?"), (Role.ASSISTANT, "third answer")]
    for role, text in said:
        history.add_message(conversation.id, Message(role, text, START))
    question = history.add_message(conversation.id, Message(Role.USER, "four?", START))

    turns = history.turns(conversation.id, before=question.id)

    assert [(t.role, t.text) for t in turns] == [
        ("user", "one?"), ("assistant", "first answer"), ("user", "two?"), ("user", "three?"),
        ("assistant", "third answer")]
    assert history.turns(conversation.id)[-1] == Turn("user", "four?")


def test_the_history_and_its_folder_are_private_whatever_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        path = tmp_path / "data" / "history.sqlite3"
        with History.open(path) as history:
            history.create_conversation("private")
            names = sorted(p.name for p in path.parent.iterdir() if p.is_file())
            modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in path.parent.iterdir()}
    finally:
        os.umask(old)
    assert "history.sqlite3" in names and "history.sqlite3-wal" in names
    assert all(mode == (0o700 if name.endswith(".writers") else 0o600)
               for name, mode in modes.items()), modes
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700


def test_recent_questions_span_conversations_newest_first_each_once(history):
    first = history.create_conversation("one").id
    second = history.create_conversation("two").id
    for conversation, text in ((first, "hello"), (second, "weather?"), (first, "hello"),
                               (second, "and tomorrow?")):
        history.add_message(conversation, user(text))
        history.add_message(conversation, reply("an answer", status=MessageStatus.COMPLETE))

    assert history.recent_questions() == ["and tomorrow?", "hello", "weather?"]
    assert history.recent_questions(limit=2) == ["and tomorrow?", "hello"]
