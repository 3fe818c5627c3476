"""Explicit transactions on an autocommit connection."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def immediate_transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception.

    IMMEDIATE takes the write lock up front: a transaction that reads and then writes cannot be
    overtaken by another aichat-tui window between the two (and fails fast with "locked" instead
    of deadlocking). `conn` must have isolation_level=None so sqlite3 adds no BEGINs of its own.
    """
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
        conn.execute("COMMIT")
    except BaseException:
        # A failed COMMIT may already have rolled back (SQLITE_FULL does).
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
