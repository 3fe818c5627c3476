"""A reply's life as the chat screen shows it: the events of a `ReplySession` on the reply's
message, the status line, reading aloud, voice mode, and the error and keys once it ends."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.domain.conversation import MessageStatus
from tui.domain.errors import InvalidInput
from tui.domain.reply import Edit
from tui.ui.reply_session import ReplyOutcome, ReplyView
from tui.ui.widgets.messages import ReplyMessage

if TYPE_CHECKING:
    from tui.audio.speaker import Reading
    from tui.ui.screens.chat import ChatScreen

_STATE_OF = {
    MessageStatus.COMPLETE: "done",
    MessageStatus.CANCELLED: "cancelled",
    MessageStatus.INTERRUPTED: "interrupted",
    MessageStatus.FAILED: "error",
}


class ReplyOnScreen(ReplyView):
    """A reply session's events on the chat screen: the reply's message (with the thinking of a
    reasoning model, never read aloud), the status line, reading aloud, and the error message
    and keys once it ends."""

    def __init__(self, screen: ChatScreen, view: ReplyMessage, reading: Reading | None,
                 voice: bool) -> None:
        self._screen = screen
        self._view = view
        self._reading = reading
        self._voice = voice  # voice conversation mode reads it aloud

    def streaming(self, first_text_after: float) -> None:
        status = self._screen.status
        status.state, status.first_token = "streaming", first_text_after

    def text_changed(self, edit: Edit, text: str) -> None:
        self._view.apply(edit, text)
        if self._reading is not None:
            # The text as shown: what F5 reads too, so the speech cache serves both.
            self._reading.feed(text)
        if self._voice:
            self._screen.voice.reply_changed(text)

    def reasoning_changed(self, edit: Edit, text: str) -> None:
        self._view.think(text)

    def context_trimmed(self, sent: int, omitted: int) -> None:
        if omitted:
            self._view.left_out(omitted)

    def progress_not_saved(self, message: str) -> None:
        self._screen.notify(f"{message} The reply stays on screen; saving is retried.",
                            title="Not saved", severity="warning")

    async def ended(self, outcome: ReplyOutcome) -> None:
        screen = self._screen
        if outcome.status == MessageStatus.COMPLETE:
            if self._reading is not None:
                self._reading.finish(outcome.shown)
        else:
            screen.chat_speech.silence(self._reading)
        if self._voice:
            screen.voice.reply_ended(outcome.shown,
                                     complete=outcome.status == MessageStatus.COMPLETE)
        await self._view.finish(outcome.shown, outcome.status, outcome.extras,
                                outcome.finish_reason)
        if outcome.not_saved:
            screen.notify(outcome.not_saved, title="Not saved", severity="error")
        if outcome.error_text is not None:
            retry = not isinstance(outcome.error, InvalidInput)
            await screen.show_error(outcome.error_text, retry=retry)
        screen.status.state = _STATE_OF[outcome.status]
        screen.prompt.option_count = len(self._view.options)
