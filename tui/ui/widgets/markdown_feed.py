"""Streaming a reply into a Markdown widget without re-rendering it per token.

Appends are gathered and handed to a MarkdownStream at most once per FRAME: the first one at
once (no added latency after a pause), the ones arriving during the frame together at its
end. Nothing is ever dropped, and `finish()` always ends with one full render of the final
text, so a glitch during streaming cannot outlive the reply.
"""

from __future__ import annotations

import asyncio
import contextlib

from textual.widgets import Markdown

from tui.domain.reply import Edit
from tui.ui.widgets.reply_markdown import GrowingFence, ReplyMarkdown

# A streaming reply is redrawn at most 20 times a second: smooth to read, while each redraw
# of a long reply lays out and repaints the whole view (about 15 ms at 20 KB on a modest CPU).
# bench/app_stream.py measures the trade: CPU and event-to-screen latency.
FRAME = 1 / 20


class MarkdownFeed:
    def __init__(self, markdown: ReplyMarkdown, frame: float = FRAME) -> None:
        self._markdown = markdown
        self._frame = frame
        self._pending: list[str] = []
        self._rewrite: str | None = None
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

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
        """Stop streaming and render `text` (the final reply) in full."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._markdown.growing_fence = None
        await self._markdown.update(text)

    async def _run(self) -> None:
        stream = Markdown.get_stream(self._markdown)
        try:
            while True:
                await self._wake.wait()
                self._wake.clear()
                if self._rewrite is not None:
                    text, self._rewrite = self._rewrite, None
                    await stream.stop()
                    await self._markdown.update(text)
                    stream = Markdown.get_stream(self._markdown)
                if self._pending:
                    chunk = "".join(self._pending)
                    self._pending.clear()
                    await stream.write(chunk)
                await asyncio.sleep(self._frame)
        finally:
            await stream.stop()
