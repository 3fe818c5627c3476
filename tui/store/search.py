"""Full-text search over messages: a user's query turned into SQL, and highlighted snippets.

Whatever the user types is searched for literally: every whitespace-separated term must occur
in the message (in any order, ignoring case). Terms are quoted as FTS5 strings, so `AND`, `*`,
`"` or `c++` are just text, never query syntax. The trigram index only finds terms of three or
more characters; shorter ones (common in Chinese: 你好) are matched with LIKE instead.

The cost of a query must not grow with the history (it runs as the user types): hits come
newest first straight from the index, in the order messages were saved (their ids), so the
query stops at the LIMIT instead of sorting every match. A LIKE term reads the text of every
candidate, so it only looks at the newest SHORT_TERM_WINDOW messages.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from tui.domain.conversation import Role

MARK_START = "\x02"
MARK_END = "\x03"
TRIGRAM_LENGTH = 3
SNIPPET_WIDTH = 80
# A LIKE that matches nothing reads every text: ~1.4 ms per 1,000 messages of ordinary chat.
SHORT_TERM_WINDOW = 10_000


class SearchHit(NamedTuple):
    """One matching message. `snippet` is one line, matches wrapped in MARK_START/MARK_END."""

    conversation_id: int
    message_id: int
    conversation_title: str
    role: Role
    snippet: str
    created_at: float


def search_terms(query: str) -> list[str]:
    """The distinct terms of `query`, in the order typed."""
    # A NUL would end the string early inside SQLite (and cannot be typed anyway).
    return list(dict.fromkeys(query.replace("\x00", " ").split()))


def _fts_string(term: str) -> str:
    # Inside an FTS5 string a double quote is written twice; nothing else is special.
    return '"' + term.replace('"', '""') + '"'


def _like_pattern(term: str) -> str:
    escaped = term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def indexed_terms(terms: Sequence[str], trigram_index: bool) -> list[str]:
    """The terms the full-text index can find (the others are matched with LIKE)."""
    return [t for t in terms if trigram_index and len(t) >= TRIGRAM_LENGTH]


def uses_window(terms: Sequence[str], trigram_index: bool) -> bool:
    """Whether a search for `terms` only looks at the newest SHORT_TERM_WINDOW messages (it
    does unless every term is long enough for the index)."""
    return len(indexed_terms(terms, trigram_index)) < len(terms)


def searches_everything(terms: Sequence[str], trigram_index: bool, newest_id: int) -> bool:
    """Whether a search for `terms` looks at every message; ids are never reused, so the
    newest id bounds how many messages there are."""
    return not uses_window(terms, trigram_index) or newest_id <= SHORT_TERM_WINDOW


def search_sql(terms: Sequence[str], trigram_index: bool, limit: int) -> tuple[str, list[object]]:
    """The SELECT (and its parameters) for messages containing every term, newest first."""
    indexed = indexed_terms(terms, trigram_index)
    conditions: list[str] = []
    params: list[object] = []
    # The index drives the query (rowids in descending order, stopping at the LIMIT) when it can.
    source = "messages AS m"
    order = "m.id"
    if indexed:
        source = "messages_fts AS f JOIN messages AS m ON m.id = f.rowid"
        order = "f.rowid"
        conditions.append("messages_fts MATCH ?")
        params.append(" ".join(_fts_string(t) for t in indexed))  # juxtaposed strings mean AND
    if uses_window(terms, trigram_index):
        conditions.append(f"{order} > (SELECT coalesce(max(id), 0) FROM messages) - ?")
        params.append(SHORT_TERM_WINDOW)
    for term in terms:
        if term not in indexed:
            conditions.append("m.text LIKE ? ESCAPE '\\'")
            params.append(_like_pattern(term))
    sql = ("SELECT m.conversation_id, m.id, c.title, m.role, m.text, m.created_at"
           f" FROM {source} JOIN conversations AS c ON c.id = m.conversation_id"
           f" WHERE {' AND '.join(conditions)}"
           f" ORDER BY {order} DESC LIMIT ?")
    params.append(limit)
    return sql, params


def snippet(text: str, terms: Sequence[str], width: int = SNIPPET_WIDTH) -> str:
    """A one-line excerpt of `text` around the first match, every match marked."""
    # Whitespace runs become one space (a snippet is one line); terms hold no whitespace, so
    # this cannot break a match. Stray marker characters in the text would fake highlights.
    flat = " ".join(text.replace(MARK_START, "").replace(MARK_END, "").split())
    pattern = re.compile("|".join(re.escape(t) for t in sorted(terms, key=len, reverse=True)),
                         re.IGNORECASE)
    first = pattern.search(flat)
    anchor = first.start() if first else 0
    start = max(0, anchor - width // 4)
    end = min(len(flat), start + width)
    start = max(0, end - width)
    pieces = ["…"] if start > 0 else []
    position = start
    for match in pattern.finditer(flat, start):
        if match.start() >= end:
            break
        pieces += [flat[position:match.start()], MARK_START, match.group(), MARK_END]
        position = match.end()
    end = max(end, position)  # a match straddling the edge is shown whole
    pieces.append(flat[position:end])
    if end < len(flat):
        pieces.append("…")
    return "".join(pieces)
