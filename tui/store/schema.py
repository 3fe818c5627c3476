"""The history schema, one migration function per version.

`PRAGMA user_version` holds the version a file is at. Migration N+1 is `MIGRATIONS[N]`; to change
the schema, append a function (never edit a shipped one: files in the wild were made by it).
Each migration runs in its own transaction together with the version bump, so a failure leaves
the file at the previous version, intact.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path

from tui.store.errors import HistoryTooNew
from tui.store.transaction import immediate_transaction

Migration = Callable[[sqlite3.Connection], None]


def fts_tokenizer() -> str:
    # The trigram tokenizer (SQLite 3.34+) matches any substring of 3+ characters, which is what
    # makes Chinese searchable: unicode61 would treat a whole run of Han characters as one word.
    return "trigram" if sqlite3.sqlite_version_info >= (3, 34, 0) else "unicode61"


def _v1(conn: sqlite3.Connection) -> None:
    # AUTOINCREMENT so ids are never reused: a reply recorder or a screen holding the id of a
    # deleted message must not end up writing to, or showing, a newer one.
    conn.execute("""
        CREATE TABLE conversations (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            title       TEXT NOT NULL,
            provider    TEXT NOT NULL,
            session_id  TEXT,
            created_at  REAL NOT NULL,
            updated_at  REAL NOT NULL
        )""")
    conn.execute("CREATE INDEX conversations_by_activity ON conversations (updated_at DESC, id DESC)")
    conn.execute("""
        CREATE TABLE messages (
            id               INTEGER PRIMARY KEY AUTOINCREMENT,
            conversation_id  INTEGER NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
            role             TEXT NOT NULL,
            text             TEXT NOT NULL,
            status           TEXT NOT NULL,
            created_at       REAL NOT NULL,
            meta             TEXT NOT NULL DEFAULT '{}'
        )""")
    conn.execute("CREATE INDEX messages_by_conversation ON messages (conversation_id, id)")
    # Only replies cut off by a crash are ever 'streaming' at start-up; a partial index keeps
    # recover_interrupted() from scanning every message.
    conn.execute("CREATE INDEX messages_streaming ON messages (id) WHERE status = 'streaming'")
    # External content: the index stores no second copy of the text, the triggers keep it in step.
    conn.execute(f"""
        CREATE VIRTUAL TABLE messages_fts USING fts5 (
            text, content = 'messages', content_rowid = 'id', tokenize = '{fts_tokenizer()}'
        )""")
    conn.execute("""
        CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
            INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
        END""")
    conn.execute("""
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
        END""")
    conn.execute("""
        CREATE TRIGGER messages_fts_update AFTER UPDATE OF text ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
            INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
        END""")


def _v2(conn: sqlite3.Connection) -> None:
    # Conversations can change provider and model between questions: each reply records who
    # wrote it, the conversation who answers next. Replies before this version were Tongyi's.
    conn.execute("ALTER TABLE conversations ADD COLUMN model TEXT")
    conn.execute("ALTER TABLE messages ADD COLUMN provider TEXT")
    conn.execute("ALTER TABLE messages ADD COLUMN model TEXT")
    conn.execute("UPDATE messages SET provider = 'tongyi' WHERE role = 'assistant'")


def _v3(conn: sqlite3.Connection) -> None:
    # A streaming reply is saved about once a second, and re-indexing its whole text each time
    # cost more the longer it grew: a reply enters the index when it stops streaming (finished,
    # cancelled, failed, or marked interrupted after a crash), and only then.
    for trigger in ("insert", "delete", "update"):
        conn.execute(f"DROP TRIGGER messages_fts_{trigger}")
    # Replies streaming in this file were indexed by the old triggers; the new ones expect them
    # absent (an external-content 'delete' must name exactly what was indexed).
    conn.execute("""
        INSERT INTO messages_fts (messages_fts, rowid, text)
            SELECT 'delete', id, text FROM messages WHERE status = 'streaming'""")
    conn.execute("""
        CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages
        WHEN new.status != 'streaming' BEGIN
            INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
        END""")
    conn.execute("""
        CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages
        WHEN old.status != 'streaming' BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
        END""")
    conn.execute("""
        CREATE TRIGGER messages_fts_update AFTER UPDATE OF text, status ON messages BEGIN
            INSERT INTO messages_fts (messages_fts, rowid, text)
                SELECT 'delete', old.id, old.text WHERE old.status != 'streaming';
            INSERT INTO messages_fts (rowid, text)
                SELECT new.id, new.text WHERE new.status != 'streaming';
        END""")


MIGRATIONS: tuple[Migration, ...] = (_v1, _v2, _v3)
SCHEMA_VERSION = len(MIGRATIONS)


def user_version(conn: sqlite3.Connection) -> int:
    return conn.execute("PRAGMA user_version").fetchone()[0]


def refuse_newer(conn: sqlite3.Connection, path: Path, known: int = SCHEMA_VERSION) -> None:
    """Raise HistoryTooNew if the file was made by a version of aichat-tui newer than this one."""
    found = user_version(conn)
    if found > known:
        raise HistoryTooNew(
            f"The history file {path} was written by a newer aichat-tui "
            f"(schema version {found}; this version understands up to {known}).",
            "Upgrade aichat-tui, or move the file away to start a new history with this version.",
            code="too-new",
        )


def migrate(conn: sqlite3.Connection, path: Path,
            migrations: Sequence[Migration] = MIGRATIONS) -> None:
    """Bring the file up to version `len(migrations)`. `conn` must be in autocommit mode."""
    while user_version(conn) < len(migrations):
        with immediate_transaction(conn):
            # Read again under the write lock: another aichat-tui window starting at the same
            # moment may have applied this migration already.
            version = user_version(conn)
            if version < len(migrations):
                migrations[version](conn)
                conn.execute(f"PRAGMA user_version = {version + 1}")
    refuse_newer(conn, path, len(migrations))
