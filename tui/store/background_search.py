"""History search on a thread of its own, so typing never waits on SQLite.

The thread opens its own connection to the history file (a connection belongs to the thread
that made it). Queries are run one at a time, in order; one that a newer query has made stale
before it starts is skipped, so a fast typist's keystrokes do not queue up work.
"""

from __future__ import annotations

import asyncio
import itertools
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

from tui.store import search as search_module
from tui.store.history import History
from tui.store.search import SearchHit


class SearchResult(NamedTuple):
    query: str
    hits: list[SearchHit]
    window: int | None  # how many of the newest messages were looked at; None: all


class Stale(Exception):
    """A newer query was asked for before this one started."""


class BackgroundSearch:
    def __init__(self, path: Path, limit: int = 50) -> None:
        self._path = path
        self._limit = limit
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="history-search")
        self._history: History | None = None  # opened and used on the thread only
        self._asked = itertools.count(1)
        self._latest = 0

    async def search(self, query: str) -> SearchResult:
        """The hits for `query`; raises Stale if a newer search was asked for meanwhile, and
        the history's own errors (AichatError) if it cannot be read."""
        number = self._latest = next(self._asked)
        loop = asyncio.get_running_loop()
        result = await loop.run_in_executor(self._executor, self._run, query, number)
        if number != self._latest:
            raise Stale
        return result

    def _run(self, query: str, number: int) -> SearchResult:
        if number != self._latest:
            raise Stale
        if str(self._path) == ":memory:":
            return SearchResult(query, [], None)  # only the app's own connection sees it
        if self._history is None:
            self._history = History.open_reader(self._path)
        everything = self._history.searches_everything(query)
        return SearchResult(query, self._history.search(query, self._limit),
                            None if everything else search_module.SHORT_TERM_WINDOW)

    def close(self) -> None:
        """Stop the thread (after the query it is running) and close its connection."""
        self._latest = -1  # anything still queued is stale
        self._executor.submit(self._close_history)
        self._executor.shutdown(wait=False)

    def _close_history(self) -> None:
        if self._history is not None:
            self._history.close()
            self._history = None
