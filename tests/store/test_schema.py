"""Opening history files: new, empty, current, older, newer, damaged and not SQLite at all."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tui.domain.conversation import Message, MessageStatus, Role
from tui.store import History, HistoryCorrupt, HistoryError, HistoryTooNew
from tui.store.schema import MIGRATIONS, SCHEMA_VERSION, migrate


def raw(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(path, isolation_level=None)


def test_a_new_file_and_its_folders_are_created_at_the_current_version(tmp_path):
    path = tmp_path / "deep" / "er" / "history.sqlite3"
    with History.open(path) as history:
        assert history.list_conversations() == []
    conn = raw(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {name for (name,) in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"conversations", "messages", "messages_fts"} <= tables


def test_an_empty_file_is_taken_as_a_new_history(tmp_path):
    path = tmp_path / "history.sqlite3"
    path.touch()
    with History.open(path) as history:
        conversation = history.create_conversation("first")
        assert history.get_conversation(conversation.id).title == "first"


def test_reopening_a_v1_file_keeps_everything(tmp_path):
    path = tmp_path / "history.sqlite3"
    conn = raw(path)
    migrate(conn, path, MIGRATIONS[:1])  # exactly what version 1 of aichat-tui made
    conn.execute("INSERT INTO conversations (title, provider, created_at, updated_at)"
                 " VALUES ('old chat', 'tongyi', 1, 2)")
    conn.execute("INSERT INTO messages (conversation_id, role, text, status, created_at)"
                 " VALUES (1, 'user', 'remember the trigram index', 'complete', 1)")
    conn.close()

    with History.open(path) as history:
        [conversation] = history.list_conversations()
        assert (conversation.title, conversation.message_count) == ("old chat", 1)
        assert [m.text for m in history.messages(conversation.id)] == ["remember the trigram index"]
        assert [hit.message_id for hit in history.search("trigram")] == [1]


def test_a_v1_file_gains_provider_and_model_and_its_replies_are_tongyis(tmp_path):
    path = tmp_path / "history.sqlite3"
    conn = raw(path)
    migrate(conn, path, MIGRATIONS[:1])
    conn.execute("INSERT INTO conversations (title, provider, session_id, created_at, updated_at)"
                 " VALUES ('old chat', 'tongyi', 'abc123', 1, 2)")
    conn.executemany("INSERT INTO messages (conversation_id, role, text, status, created_at)"
                     " VALUES (1, ?, ?, 'complete', 1)", [("user", "hi"), ("assistant", "hello")])
    conn.close()

    with History.open(path) as history:
        [conversation] = history.list_conversations()
        assert (conversation.provider, conversation.model) == ("tongyi", None)
        assert history.find_by_session("abc123") == conversation
        question, reply = history.messages(conversation.id)
        assert (question.provider, reply.provider, reply.model) == (None, "tongyi", None)
        history.set_provider(conversation.id, "qiniu", "deepseek-r1")
        history.add_message(conversation.id, Message(Role.ASSISTANT, "thought about it", 3.0,
                                                     provider="qiniu", model="deepseek-r1"))
        assert [(m.provider, m.model) for m in history.messages(conversation.id)] == [
            (None, None), ("tongyi", None), ("qiniu", "deepseek-r1")]
        changed = history.get_conversation(conversation.id)
        assert (changed.provider, changed.model) == ("qiniu", "deepseek-r1")


def test_a_v2_files_streaming_replies_leave_the_index_and_enter_it_when_they_end(tmp_path):
    path = tmp_path / "history.sqlite3"
    conn = raw(path)
    migrate(conn, path, MIGRATIONS[:2])  # its triggers indexed replies while they streamed
    conn.execute("INSERT INTO conversations (title, provider, created_at, updated_at)"
                 " VALUES ('old chat', 'tongyi', 1, 2)")
    conn.executemany("INSERT INTO messages (conversation_id, role, text, status, created_at)"
                     " VALUES (1, 'assistant', ?, ?, 1)",
                     [("finished alpha", "complete"), ("draft gamma", "streaming"),
                      ("crashed epsilon", "streaming")])
    conn.close()

    with History.open(path) as history:
        assert [hit.message_id for hit in history.search("alpha")] == [1]
        assert history.search("gamma") == history.search("epsilon") == []
        history.update_message(2, text="final delta", status=MessageStatus.COMPLETE)
        assert history.recover_interrupted() == 1
        # No entry is left over from the text the reply had while streaming.
        assert history.search("gamma") == []
        assert [hit.message_id for hit in history.search("delta")] == [2]
        assert [hit.message_id for hit in history.search("epsilon")] == [3]
        history.delete(1)
        assert history.search("alpha") == history.search("delta") == []


def test_a_later_version_is_added_by_appending_a_migration(tmp_path):
    path = tmp_path / "history.sqlite3"
    with History.open(path) as history:
        conversation = history.create_conversation("kept")
        history.add_message(conversation.id, Message(Role.USER, "hello", 1.0))
    applied: list[int] = []

    def later(conn: sqlite3.Connection) -> None:
        applied.append(SCHEMA_VERSION + 1)
        conn.execute("ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0")

    conn = raw(path)
    migrate(conn, path, [*MIGRATIONS, later])
    migrate(conn, path, [*MIGRATIONS, later])  # already there: nothing runs twice
    assert applied == [SCHEMA_VERSION + 1]
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    assert conn.execute("SELECT title, pinned FROM conversations").fetchall() == [("kept", 0)]
    assert conn.execute("SELECT text FROM messages").fetchall() == [("hello",)]


def test_a_failing_migration_leaves_the_file_at_its_previous_version(tmp_path):
    path = tmp_path / "history.sqlite3"
    History.open(path).close()

    def broken_v2(conn: sqlite3.Connection) -> None:
        conn.execute("CREATE TABLE half_done (x)")
        conn.execute("THIS IS NOT SQL")

    conn = raw(path)
    with pytest.raises(sqlite3.OperationalError):
        migrate(conn, path, [*MIGRATIONS, broken_v2])
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'").fetchone() == (0,)


def test_a_file_from_a_newer_aichat_tui_is_refused_and_left_untouched(tmp_path):
    path = tmp_path / "history.sqlite3"
    History.open(path).close()
    conn = raw(path)
    conn.execute("PRAGMA journal_mode = DELETE")  # fold the WAL in, so the file alone is the state
    conn.execute("PRAGMA user_version = 7")
    conn.close()
    before = path.read_bytes()

    with pytest.raises(HistoryTooNew) as caught:
        History.open(path)

    message = str(caught.value)
    assert f"history file {path} was written by a newer aichat-tui" in message
    assert "schema version 7" in message and "Upgrade aichat-tui" in message
    assert path.read_bytes() == before


def test_a_file_that_is_not_sqlite_is_named_and_the_user_told_to_move_it(tmp_path):
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"these are my notes, not a database\n" * 200)

    with pytest.raises(HistoryCorrupt) as caught:
        History.open(path)

    message = str(caught.value)
    assert str(path) in message and "Move it away" in message
    assert path.read_bytes() == b"these are my notes, not a database\n" * 200


def test_a_damaged_history_is_reported_when_opened(tmp_path):
    path = tmp_path / "history.sqlite3"
    History.open(path).close()
    conn = raw(path)
    conn.execute("PRAGMA journal_mode = DELETE")
    conn.close()
    data = bytearray(path.read_bytes())
    data[100:1000] = b"\xff" * 900  # the schema table's page, just after the 100-byte header
    path.write_bytes(bytes(data))

    with pytest.raises(HistoryCorrupt) as caught:
        History.open(path)
    assert str(path) in str(caught.value) and "Move it away" in str(caught.value)


def test_a_folder_that_cannot_be_made_is_explained(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("a file where the data folder should be")

    with pytest.raises(HistoryError) as caught:
        History.open(blocker / "history.sqlite3")

    assert f"Could not create the folder {blocker}" in str(caught.value)
    assert "AICHAT_TUI_DATA_DIR" in str(caught.value)


def test_a_folder_in_place_of_the_file_is_explained(tmp_path):
    path = tmp_path / "history.sqlite3"
    path.mkdir()

    with pytest.raises(HistoryError) as caught:
        History.open(path)

    assert f"Could not open the history: the history file {path} cannot be opened." in str(caught.value)


def damage_pages(path):
    """A history of 300 messages at `path` whose pages 3 to 6 are overwritten; its bytes."""
    with History.open(path) as history:
        conversation = history.create_conversation("kept")
        for i in range(300):
            history.add_message(conversation.id, Message(Role.USER, f"message {i} " * 20, 0.0))
    damaged = bytearray(path.read_bytes())
    damaged[4096 * 3: 4096 * 7] = bytes(range(256)) * 64  # the header stays valid
    path.write_bytes(bytes(damaged))
    return bytes(damaged)


def test_a_file_with_damaged_pages_is_kept_aside_and_a_fresh_one_started(tmp_path):
    path = tmp_path / "history.sqlite3"
    damaged = damage_pages(path)

    with pytest.raises(HistoryCorrupt):
        History.open(path)
    history, aside = History.open_or_start_fresh(path)
    with history:
        assert aside is not None and aside.read_bytes() == damaged, "never deleted"
        conversation = history.create_conversation("new")
        history.add_message(conversation.id, Message(Role.USER, "chatting goes on", 0.0))
        assert [c.title for c in history.list_conversations()] == ["new"]


def test_damaged_pages_found_by_a_later_check_are_kept_aside_in_place(tmp_path):
    # The app opens without reading every page (start-up would wait on the disk in proportion
    # to the history), checks in a thread, and starts fresh in the same History object.
    path = tmp_path / "history.sqlite3"
    damaged = damage_pages(path)

    history = History.open(path, check=False)
    with history:
        with History.open_reader(path) as reader, pytest.raises(HistoryCorrupt) as caught:
            reader.check()
        assert str(path) in str(caught.value)
        aside = history.start_fresh()
        assert aside.read_bytes() == damaged, "never deleted"
        conversation = history.create_conversation("new")
        history.add_message(conversation.id, Message(Role.USER, "chatting goes on", 0.0))
        assert [c.title for c in history.list_conversations()] == ["new"]
    with History.open_reader(path) as reader:
        reader.check()
