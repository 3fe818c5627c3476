"""Saving a streaming reply: the cost of one progress save (~1 per second) as the reply grows.

    ./run python bench/progress_save.py [--kb 100 400]

A reply is saved through `History.update_message` every SAVE_EVERY characters until it reaches
each size, first in a file whose schema stops at version 2 (its triggers re-index the whole
text at every save), then in a current file (a reply enters the full-text index when it stops
streaming). Printed per size: median and last save in ms, and the final save (the one that
sets the status and indexes the text) for each; the ratio current/v2 is measured in one run.
CPU time of the calling thread, so a busy machine affects it little. Asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from history_open import answer  # noqa: E402

from tui.domain.conversation import Message, MessageStatus, Role  # noqa: E402
from tui.store import History  # noqa: E402
from tui.store.schema import MIGRATIONS, migrate  # noqa: E402

SAVE_EVERY = 5_000  # ~1 s of a 100 events/s stream of ordinary markdown


def reply_text(size: int) -> str:
    rng = random.Random(9)
    parts: list[str] = []
    length = 0
    while length < size:
        parts.append(answer(rng))
        length += len(parts[-1])
    return "\n\n".join(parts)[:size]


def saves(path: Path, text: str) -> tuple[list[float], float]:
    """CPU ms of each progress save, and of the final one."""
    with History.open(path) as history:
        conversation = history.create_conversation("long reply")
        message = history.add_message(conversation.id, Message(
            Role.ASSISTANT, "", time.time(), MessageStatus.STREAMING))
        times: list[float] = []
        for end in range(SAVE_EVERY, len(text) + 1, SAVE_EVERY):
            start = time.thread_time()
            history.update_message(message.id, text=text[:end])
            times.append((time.thread_time() - start) * 1000)
        start = time.thread_time()
        history.update_message(message.id, text=text, status=MessageStatus.COMPLETE)
        return times, (time.thread_time() - start) * 1000


def saves_at_v2(path: Path, text: str) -> tuple[list[float], float]:
    """The same saves as `saves`, as plain SQL on a file left at schema version 2."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("INSERT INTO conversations (title, provider, created_at, updated_at)"
                 " VALUES ('long reply', 'tongyi', 0, 0)")
    ident = conn.execute("INSERT INTO messages (conversation_id, role, text, status, created_at)"
                         " VALUES (1, 'assistant', '', 'streaming', 0)").lastrowid
    times: list[float] = []
    for end in range(SAVE_EVERY, len(text) + 1, SAVE_EVERY):
        start = time.thread_time()
        conn.execute("UPDATE messages SET text = ? WHERE id = ?", (text[:end], ident))
        times.append((time.thread_time() - start) * 1000)
    start = time.thread_time()
    conn.execute("UPDATE messages SET text = ?, status = 'complete' WHERE id = ?", (text, ident))
    final = (time.thread_time() - start) * 1000
    conn.close()
    return times, final


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kb", type=int, nargs="+", default=[100, 400])
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        for kb in args.kb:
            text = reply_text(kb * 1000)
            old_path = Path(tmp) / f"v2-{kb}.sqlite3"
            conn = sqlite3.connect(old_path, isolation_level=None)
            migrate(conn, old_path, MIGRATIONS[:2])
            conn.close()
            old, old_final = saves_at_v2(old_path, text)
            new, new_final = saves(Path(tmp) / f"current-{kb}.sqlite3", text)
            print(f"{kb:>4} KB, {len(new)} saves: v2 median {statistics.median(old):.2f} ms,"
                  f" last {old[-1]:.2f} ms, final {old_final:.2f} ms | current median"
                  f" {statistics.median(new):.2f} ms, last {new[-1]:.2f} ms, final"
                  f" {new_final:.2f} ms | last save current/v2"
                  f" {new[-1] / old[-1]:.3f}×")


if __name__ == "__main__":
    main()
