"""Full-text search over messages: a user's query turned into SQL, and highlighted snippets.

Whatever the user types is searched for literally: every whitespace-separated term must occur
in the message (in any order, ignoring case). Terms are quoted as FTS5 strings, so `AND`, `*`,
`"` or `c++` are just text, never query syntax. The trigram index only finds terms of three or
more characters; shorter ones (common in Chinese: 你好) are matched with LIKE instead.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tui.domain.conversation import Role

MARK_START = "\x02"
MARK_END = "\x03"
TRIGRAM_LENGTH = 3
SNIPPET_WIDTH = 80


@dataclass(frozen=True, slots=True)
class SearchHit:
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


def search_sql(terms: Sequence[str], trigram_index: bool, limit: int) -> tuple[str, list[object]]:
    """The SELECT (and its parameters) for messages containing every term, newest first."""
    indexed = [t for t in terms if trigram_index and len(t) >= TRIGRAM_LENGTH]
    conditions: list[str] = []
    params: list[object] = []
    if indexed:
        conditions.append("m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)")
        params.append(" ".join(_fts_string(t) for t in indexed))  # juxtaposed strings mean AND
    for term in terms:
        if term not in indexed:
            conditions.append("m.text LIKE ? ESCAPE '\\'")
            params.append(_like_pattern(term))
    sql = ("SELECT m.conversation_id, m.id, c.title, m.role, m.text, m.created_at"
           " FROM messages AS m JOIN conversations AS c ON c.id = m.conversation_id"
           f" WHERE {' AND '.join(conditions)}"
           " ORDER BY m.created_at DESC, m.id DESC LIMIT ?")
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
