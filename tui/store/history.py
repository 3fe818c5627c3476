"""The conversation history: one SQLite file, read and written from the UI thread.

Every method but `check` is one short statement or transaction (a few milliseconds), so
callers need no worker. Writes commit at once: WAL with synchronous=NORMAL survives the
process being killed (only a power cut can lose the last commits, and never corrupts the
file). Every failure is a `HistoryError` naming the file and what to do; the caller still holds
whatever text it was saving, so nothing on screen is lost.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, suppress
from dataclasses import replace
from pathlib import Path
from typing import Any

from tui.domain.context import turns_of
from tui.domain.conversation import Conversation, Message, MessageStatus, Role
from tui.domain.providers import Turn
from tui.private_files import create_private, private_dir
from tui.store.errors import (
    HistoryCorrupt,
    HistoryError,
    corrupt_error,
    history_error,
    missing_error,
)
from tui.store.schema import migrate, refuse_newer
from tui.store.search import SearchHit, search_sql, search_terms, searches_everything, snippet
from tui.store.transaction import immediate_transaction
from tui.store.writers import WriterLock, writer_alive

log = logging.getLogger(__name__)

# The meta key naming the process writing a streaming reply (tui.store.writers).
_WRITER = "writer"

# Another aichat-tui window may hold the write lock for a moment; wait that long, no longer,
# since the caller is the UI thread.
_BUSY_TIMEOUT = 1.0

_CONVERSATION_COLUMNS = (
    "c.id, c.title, c.provider, c.session_id, c.created_at, c.updated_at,"
    " (SELECT count(*) FROM messages AS m WHERE m.conversation_id = c.id), c.model"
)


class History:
    """The history file. Make one with `History.open(path)`; `close()` it when done."""

    def __init__(self, conn: sqlite3.Connection, path: Path, trigram_index: bool,
                 clock: Callable[[], float], writer: WriterLock | None = None) -> None:
        self._conn = conn
        self.path = path
        self._trigram_index = trigram_index
        self._clock = clock
        self._writer = writer

    @classmethod
    def open(cls, path: Path, *, clock: Callable[[], float] = time.time,
             check: bool = True) -> History:
        """Open (creating it and its folder if need be) and upgrade the history file at `path`.

        `clock` gives the wall-clock time stamped on conversations (tests pass a fake one).
        `check` reads every page first (see `check`): the app leaves that to a thread.
        """
        path = Path(path)
        memory = str(path) == ":memory:"
        conn, trigram_index = _connect(path, check=check)
        writer = None
        if not memory:
            try:
                writer = WriterLock(path)
            except OSError as exc:  # no lock, no harm: this window's replies look cut off
                log.warning("history: could not mark this process as a writer: %s", exc)
        return cls(conn, path, trigram_index=trigram_index, clock=clock, writer=writer)

    @classmethod
    def open_or_start_fresh(cls, path: Path, *, clock: Callable[[], float] = time.time,
                            check: bool = True) -> tuple[History, Path | None]:
        """`open`, but a damaged file is kept aside (renamed, never deleted) and a fresh history
        started in its place, so chatting goes on. Returns the history and where the damaged
        file now is (None if it was sound)."""
        try:
            return cls.open(path, clock=clock, check=check), None
        except HistoryCorrupt:
            aside = _move_aside(path, clock)
            return cls.open(path, clock=clock), aside

    def check(self) -> None:
        """Raise HistoryCorrupt if any page of the file is damaged. It reads the whole file
        (about a millisecond per MB once cached, far more from a cold disk): call it on a
        connection of its own (`open_reader`) in a thread."""
        with self._guard("check the history"):
            if self._conn.execute("PRAGMA quick_check(1)").fetchone()[0] != "ok":
                raise corrupt_error(self.path)

    def start_fresh(self) -> Path:
        """Keep the (damaged) file aside and go on with a fresh one at the same path: the
        same object, so whoever holds it keeps it. Returns where the old file now is."""
        self._conn.close()
        aside = _move_aside(self.path, self._clock)
        self._conn, self._trigram_index = _connect(self.path, check=False)
        return aside

    @classmethod
    def open_reader(cls, path: Path) -> History:
        """The existing history file at `path`, read-only: for reading in another thread while
        the app writes (it never takes a write lock, so it never holds up a save)."""
        with _translating(Path(path), "open the history"):
            conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True,
                                   isolation_level=None, timeout=_BUSY_TIMEOUT)
            try:
                (index_sql,) = conn.execute(
                    "SELECT sql FROM sqlite_master WHERE name = 'messages_fts'").fetchone()
            except BaseException:
                conn.close()
                raise
        return cls(conn, Path(path), trigram_index="trigram" in index_sql, clock=time.time)

    def close(self) -> None:
        self._conn.close()
        if self._writer is not None:
            self._writer.close()

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"History({str(self.path)!r})"

    # -- conversations -------------------------------------------------------------------------

    def create_conversation(self, title: str, provider: str = "tongyi",
                            session_id: str | None = None,
                            model: str | None = None) -> Conversation:
        now = self._clock()
        with self._guard("save a new conversation"):
            cursor = self._conn.execute(
                "INSERT INTO conversations (title, provider, model, session_id, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                (title, provider, model, session_id, now, now))
        return Conversation(title=title, created_at=now, updated_at=now, provider=provider,
                            session_id=session_id, id=cursor.lastrowid, model=model)

    def list_conversations(self, limit: int = 500) -> list[Conversation]:
        """The most recently active conversations first, each with its message_count."""
        with self._guard("read the list of conversations"):
            rows = self._conn.execute(
                f"SELECT {_CONVERSATION_COLUMNS} FROM conversations AS c"
                " ORDER BY c.updated_at DESC, c.id DESC LIMIT ?", (limit,)).fetchall()
        return [_conversation(row) for row in rows]

    def get_conversation(self, conversation_id: int) -> Conversation | None:
        with self._guard("read a conversation"):
            row = self._conn.execute(
                f"SELECT {_CONVERSATION_COLUMNS} FROM conversations AS c WHERE c.id = ?",
                (conversation_id,)).fetchone()
        return _conversation(row) if row else None

    def find_by_session(self, session_id: str) -> Conversation | None:
        """The newest conversation continuing the service-side session `session_id`."""
        with self._guard("look up a conversation"):
            row = self._conn.execute(
                f"SELECT {_CONVERSATION_COLUMNS} FROM conversations AS c WHERE c.session_id = ?"
                " ORDER BY c.id DESC LIMIT 1", (session_id,)).fetchone()
        return _conversation(row) if row else None

    def set_provider(self, conversation_id: int, provider: str, model: str | None) -> None:
        """Who answers the conversation's next question."""
        with self._guard("save the conversation's provider"):
            cursor = self._conn.execute(
                "UPDATE conversations SET provider = ?, model = ? WHERE id = ?",
                (provider, model, conversation_id))
        if cursor.rowcount == 0:
            raise missing_error(self.path, "conversation", conversation_id)

    def set_session_id(self, conversation_id: int, session_id: str | None) -> None:
        self._update_conversation(conversation_id, "session_id", session_id, "save the session")

    def rename(self, conversation_id: int, title: str) -> None:
        self._update_conversation(conversation_id, "title", title, "rename a conversation")

    def delete(self, conversation_id: int) -> None:
        """Delete the conversation and (by cascade, index included) all its messages."""
        with self._guard("delete a conversation"):
            self._conn.execute("DELETE FROM conversations WHERE id = ?", (conversation_id,))

    def _update_conversation(self, conversation_id: int, column: str, value: object,
                             doing: str) -> None:
        with self._guard(doing):
            cursor = self._conn.execute(
                f"UPDATE conversations SET {column} = ? WHERE id = ?", (value, conversation_id))
        if cursor.rowcount == 0:
            raise missing_error(self.path, "conversation", conversation_id)

    # -- messages ------------------------------------------------------------------------------

    def messages(self, conversation_id: int, first_id: int | None = None,
                 last_id: int | None = None) -> list[Message]:
        """The conversation's messages in the order they were added; with `first_id` and
        `last_id`, only those whose ids lie between them (both included)."""
        bounds, params = "", [conversation_id]
        if first_id is not None and last_id is not None:
            bounds, params = " AND id BETWEEN ? AND ?", [conversation_id, first_id, last_id]
        with self._guard("read the messages of a conversation"):
            rows = self._conn.execute(
                "SELECT id, conversation_id, role, text, status, created_at, meta, provider,"
                f" model FROM messages WHERE conversation_id = ?{bounds} ORDER BY id",
                params).fetchall()
        return [_message(row) for row in rows]

    def message_ids(self, conversation_id: int) -> list[int]:
        """The ids of the conversation's messages in order: a long conversation is shown a
        few messages at a time, read by id range (messages(first_id=, last_id=))."""
        with self._guard("read the messages of a conversation"):
            rows = self._conn.execute(
                "SELECT id FROM messages WHERE conversation_id = ? ORDER BY id",
                (conversation_id,)).fetchall()
        return [row[0] for row in rows]

    def latest_message(self, conversation_id: int, role: Role) -> Message | None:
        """The conversation's last message of `role`, if any."""
        with self._guard("read the messages of a conversation"):
            row = self._conn.execute(
                "SELECT id, conversation_id, role, text, status, created_at, meta, provider,"
                " model FROM messages WHERE conversation_id = ? AND role = ?"
                " ORDER BY id DESC LIMIT 1",
                (conversation_id, role.value)).fetchone()
        return _message(row) if row else None

    def turns(self, conversation_id: int, *, before: int | None = None) -> tuple[Turn, ...]:
        """The conversation's questions and replies (before message `before`), oldest first:
        what goes with a question to a provider that keeps no conversation, which keeps what
        fits its context budget (tui.domain.context). Only the role and text are read."""
        bound = "" if before is None else " AND id < ?"
        with self._guard("read the earlier turns of a conversation"):
            rows = self._conn.execute(
                "SELECT role, text FROM messages WHERE conversation_id = ?"
                f" AND role IN ('user', 'assistant'){bound} ORDER BY id",
                (conversation_id,) if before is None else (conversation_id, before)).fetchall()
        return turns_of(rows)

    def recent_questions(self, limit: int = 200) -> list[str]:
        """The user's latest questions across all conversations, newest first, each once."""
        # Newest first along the primary key, a bounded look-back: the cost does not grow with
        # the history, and a question asked again counts from its latest asking.
        with self._guard("read your earlier questions"):
            rows = self._conn.execute(
                "SELECT text FROM messages WHERE role = ? ORDER BY id DESC LIMIT ?",
                (Role.USER.value, limit * 4)).fetchall()
        return list(dict.fromkeys(text for (text,) in rows))[:limit]

    def add_message(self, conversation_id: int, message: Message) -> Message:
        """Save `message` (its id is ignored); return a copy with `id` and `conversation_id` set.

        Also makes the conversation the most recently active one.
        """
        meta = message.meta
        if message.status is MessageStatus.STREAMING and self._writer is not None:
            # Who is writing it: recover_interrupted() leaves it alone while that one lives.
            meta = {**meta, _WRITER: self._writer.id}
        with self._guard("save a message"):
            try:
                with immediate_transaction(self._conn):
                    cursor = self._conn.execute(
                        "INSERT INTO messages (conversation_id, role, text, status, created_at,"
                        " meta, provider, model) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                        (conversation_id, message.role.value, message.text, message.status.value,
                         message.created_at, _meta_json(meta), message.provider,
                         message.model))
                    self._conn.execute("UPDATE conversations SET updated_at = ? WHERE id = ?",
                                       (self._clock(), conversation_id))
            except sqlite3.IntegrityError as exc:  # the foreign key: no such conversation
                raise missing_error(self.path, "conversation", conversation_id) from exc
        return replace(message, id=cursor.lastrowid, conversation_id=conversation_id,
                       meta=dict(message.meta))

    def update_message(self, message_id: int, *, text: str | None = None,
                       status: MessageStatus | None = None,
                       meta: dict[str, Any] | None = None, model: str | None = None) -> None:
        """Change whichever of text, status, meta and model are given (meta is replaced, not
        merged; the model as the service named it once it answered)."""
        changes = {"text": text,
                   "status": status.value if status is not None else None,
                   "meta": _meta_json(meta) if meta is not None else None,
                   "model": model}
        changes = {column: value for column, value in changes.items() if value is not None}
        if not changes:
            return
        assignments = ", ".join(f"{column} = ?" for column in changes)
        with self._guard("save a message"):
            cursor = self._conn.execute(f"UPDATE messages SET {assignments} WHERE id = ?",
                                        (*changes.values(), message_id))
        if cursor.rowcount == 0:
            raise missing_error(self.path, "message", message_id)

    def recover_interrupted(self) -> int:
        """Mark every reply left STREAMING by a writer that is gone (a crash, a kill) as
        INTERRUPTED; return how many there were. Replies another live aichat-tui is still
        writing are left alone.

        Call once at start-up, before any reply of this run begins streaming.
        """
        with self._guard("recover replies cut off last time"):
            rows = self._conn.execute("SELECT id, meta FROM messages WHERE status = ?",
                                      (MessageStatus.STREAMING.value,)).fetchall()
            own = self._writer.id if self._writer is not None else None
            writers = {ident: str(_meta_from_json(meta, ident).get(_WRITER, ""))
                       for ident, meta in rows}
            # This process's own streaming replies, if any, are from before the call (see below).
            cut_off = [(MessageStatus.INTERRUPTED.value, ident) for ident, writer in writers.items()
                       if writer == own or not writer_alive(self.path, writer)]
            self._conn.executemany("UPDATE messages SET status = ? WHERE id = ?", cut_off)
        return len(cut_off)

    # -- search --------------------------------------------------------------------------------

    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Messages containing every term of `query` (taken literally), newest first
        (only among the newest SHORT_TERM_WINDOW unless `searches_everything(query)`)."""
        terms = search_terms(query)
        if not terms:
            return []
        sql, params = search_sql(terms, self._trigram_index, limit)
        with self._guard("search the history"):
            rows = self._conn.execute(sql, params).fetchall()
        return [SearchHit(conversation_id=conversation_id, message_id=message_id,
                          conversation_title=title, role=Role(role),
                          snippet=snippet(text, terms), created_at=created_at)
                for conversation_id, message_id, title, role, text, created_at in rows]

    def searches_everything(self, query: str) -> bool:
        """Whether search(query) looks at every message (see SHORT_TERM_WINDOW)."""
        with self._guard("search the history"):
            (newest,) = self._conn.execute("SELECT coalesce(max(id), 0) FROM messages").fetchone()
        return searches_everything(search_terms(query), self._trigram_index, newest)

    # -- failures ------------------------------------------------------------------------------

    def _guard(self, doing: str) -> AbstractContextManager[None]:
        return _translating(self.path, doing)


@contextmanager
def _translating(path: Path, doing: str) -> Iterator[None]:
    """Turn sqlite3 failures while `doing` something into HistoryErrors that say what to do."""
    try:
        yield
    except sqlite3.ProgrammingError:
        raise  # misuse (say, a closed History) is a bug in aichat-tui, not a problem with the file
    except sqlite3.DatabaseError as exc:
        raise history_error(path, doing, exc) from exc


def _conversation(row: tuple[Any, ...]) -> Conversation:
    ident, title, provider, session_id, created_at, updated_at, count, model = row
    return Conversation(title=title, created_at=created_at, updated_at=updated_at,
                        provider=provider, session_id=session_id, id=ident, message_count=count,
                        model=model)


def _message(row: tuple[Any, ...]) -> Message:
    ident, conversation_id, role, text, status, created_at, meta, provider, model = row
    return Message(role=Role(role), text=text, created_at=created_at,
                   status=MessageStatus(status), id=ident, conversation_id=conversation_id,
                   meta=_meta_from_json(meta, ident), provider=provider, model=model)


def _meta_json(meta: dict[str, Any]) -> str:
    # ensure_ascii=False keeps Chinese readable (and shorter) in the file.
    return json.dumps(meta, ensure_ascii=False, separators=(",", ":"))


def _meta_from_json(raw: str, message_id: int) -> dict[str, Any]:
    try:
        meta = json.loads(raw)
    except ValueError:
        meta = None
    if isinstance(meta, dict):
        return meta
    # Only a hand-edited file gets here; the message itself is still worth showing.
    log.warning("history: message %s has unreadable extra data; ignoring it", message_id)
    return {}


def _connect(path: Path, *, check: bool) -> tuple[sqlite3.Connection, bool]:
    """A connection to the history at `path`, upgraded; and whether its index is trigram."""
    memory = str(path) == ":memory:"
    try:
        if not memory:
            private_dir(path.parent)
    except OSError as exc:
        raise HistoryError(
            f"Could not create the folder {path.parent} for the history file: {exc.strerror}.",
            "Check that you may write there, or point AICHAT_TUI_DATA_DIR elsewhere.",
            code="cannot-open") from exc
    if not memory:
        # SQLite gives its -wal and -shm files the mode of the database file. Whatever
        # stops this (a folder in its place) SQLite reports better just below.
        with suppress(OSError):
            create_private(path)
    with _translating(path, "open the history"):
        conn = sqlite3.connect(path, isolation_level=None, timeout=_BUSY_TIMEOUT)
        try:
            # Before anything writes to it: a newer aichat-tui's history is left untouched.
            refuse_newer(conn, path)
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = NORMAL")
            conn.execute("PRAGMA foreign_keys = ON")
            migrate(conn, path)
            # Reading the schema now reports a damaged file at start-up rather than at the
            # first question.
            (index_sql,) = conn.execute(
                "SELECT sql FROM sqlite_master WHERE name = 'messages_fts'").fetchone()
            if check and conn.execute("PRAGMA quick_check(1)").fetchone()[0] != "ok":
                raise corrupt_error(path)
        except BaseException:
            conn.close()
            raise
    return conn, "trigram" in index_sql


def _move_aside(path: Path, clock: Callable[[], float]) -> Path:
    """Rename the history file and its sidecars to `<name>.damaged-<time>`; return that."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(clock()))
    aside = path.with_name(f"{path.name}.damaged-{stamp}")
    for suffix in ("", "-wal", "-shm"):
        sidecar = path.with_name(path.name + suffix)
        if sidecar.exists():
            sidecar.rename(aside.with_name(aside.name + suffix))
    log.warning("history: %s is damaged; kept as %s, starting a fresh one", path, aside)
    return aside
