"""Streaming a reply into a Markdown widget without re-rendering it per token.

Appends are gathered and handed to the Markdown widget at most once per FRAME: the first one
at once (no added latency after a pause), the ones arriving during the frame together at its
end. Nothing is ever dropped.

`finish()` renders again only the last block, the one that was growing: finished blocks
never change once a later one has begun, and rendering a whole long reply again costs
seconds (4.5 s for 100 KB of markdown). A reply whose earlier text was rewritten is the
exception: it gets one full render.
"""

from __future__ import annotations

import asyncio
import contextlib

from tui.domain.reply import Edit
from tui.ui.widgets.reply_markdown import GrowingFence, ReplyMarkdown

# A streaming reply is redrawn at most 20 times a second: smooth to read, while each redraw
# of a long reply lays out and repaints the whole view (about 15 ms at 20 KB on a modest CPU).
# bench/app_stream.py measures the trade: CPU and event-to-screen latency.
FRAME = 1 / 20
# When the app is behind (a frame's wait ends late: drawing and reading the stream take all
# the CPU there is), the next wait is longer by as much, up to this: fewer, bigger redraws
# leave the stream the time to keep up (bench/reply_length.py, on a busy machine).
SLOWEST_FRAME = 1 / 4
# A code fence longer than this (characters) that was growing when the reply ended keeps the
# pieces it was streamed in rather than being highlighted again whole.
WHOLE_FENCE_LIMIT = 20_000


class MarkdownFeed:
    def __init__(self, markdown: ReplyMarkdown, frame: float = FRAME) -> None:
        self._markdown = markdown
        self._frame = frame
        self._pending: list[str] = []
        self._rewrite: str | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        # What the widget is being given (an update or an append): it is never cut short.
        self._showing: asyncio.Future[None] | None = None

    def apply(self, edit: Edit, text: str) -> None:
        """Show `edit`; `text` is the whole reply after it (used when earlier text changed)."""
        if edit.is_append:
            self._pending.append(edit.insert)
        else:
            self._pending.clear()
            self._rewrite = text
        self._wake.set()
        if self._task is None:
            self._markdown.growing_fence = GrowingFence()
            self._task = asyncio.create_task(self._run())

    async def finish(self, text: str) -> None:
        """Stop streaming and show `text` (the final reply) with its last block finished."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if self._showing is not None:
            await self._showing
        growing, self._markdown.growing_fence = self._markdown.growing_fence, None
        shown = self._markdown.source
        if self._rewrite is not None or not text.startswith(shown):
            await self._markdown.update(text)
            return
        if growing is not None and growing.size > WHOLE_FENCE_LIMIT:
            # Highlighting a huge fence in one piece would hold the app up for seconds: its
            # pieces stay (only a string spanning a cut could be coloured differently).
            self._markdown.growing_fence = growing
        try:
            # Appending the rest re-parses the last block and renders it without pieces.
            await self._markdown.append(text[len(shown):])
        finally:
            self._markdown.growing_fence = None

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        late = 0.0
        while True:
            await self._wake.wait()
            self._wake.clear()
            self._showing = asyncio.ensure_future(self._show())
            await asyncio.shield(self._showing)
            wait = min(self._frame + late, SLOWEST_FRAME) if self._frame else 0.0
            started = loop.time()
            await asyncio.sleep(wait)
            late = loop.time() - started - wait

    async def _show(self) -> None:
        if self._rewrite is not None:
            text, self._rewrite = self._rewrite, None
            await self._markdown.update(text)
        if self._pending:
            chunk = "".join(self._pending)
            self._pending.clear()
            await self._markdown.append(chunk)
