"""The chat screen: the conversation, the status line and the prompt.

A question is saved before it is sent; its reply is saved as it streams (ReplyRecorder) and
marked complete, cancelled, interrupted or failed at the end. Errors become messages in the
conversation that say what happened and what to do.

Speech goes through the app's SpeechController: a reply is read aloud as it streams when
reading aloud is on, and any message can be spoken or saved as audio. Speaking runs in
workers and never holds up the conversation; its failures are notifications.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from tui.domain.conversation import Conversation, Message, MessageStatus, Role
from tui.domain.errors import (
    AichatError,
    AudioError,
    InvalidInput,
    NoSoundDevice,
    StreamInterrupted,
)
from tui.domain.events import Extra, ReplyFinished, TextChanged
from tui.domain.inert_text import InertReply
from tui.domain.providers import ChatProvider, ChatRequest
from tui.domain.secret import redact, redact_stream_urls
from tui.store import History, ReplyRecorder, export_to_file, reply_error, reply_extras, reply_meta
from tui.ui.bindings import CHAT, bindings, keys_for
from tui.ui.speech import SpeechController
from tui.ui.widgets.conversation import ConversationView
from tui.ui.widgets.messages import (
    ErrorMessage,
    MessageView,
    NoticeMessage,
    ReplyMessage,
    UserMessage,
)
from tui.ui.widgets.prompt import Prompt
from tui.ui.widgets.status_line import StatusLine

if TYPE_CHECKING:
    from tui.audio.speaker import Reading

log = logging.getLogger(__name__)

NEW_TITLE = "New conversation"
_TITLE_LENGTH = 60
_STATE_OF = {
    MessageStatus.COMPLETE: "done",
    MessageStatus.CANCELLED: "cancelled",
    MessageStatus.INTERRUPTED: "interrupted",
    MessageStatus.FAILED: "error",
}

def title_for(question: str) -> str:
    """A conversation's first title: its first question, on one line, shortened."""
    line = " ".join(question.split())
    return line if len(line) <= _TITLE_LENGTH else line[: _TITLE_LENGTH - 1].rstrip() + "…"


def audio_file_name(message: Message) -> str:
    """The file a message's audio is saved in: named for when the message was written, so
    saving the same one again replaces its file rather than piling up copies."""
    kind = "reply" if message.role == Role.ASSISTANT else "message"
    return f"{kind}-{time.strftime('%Y-%m-%d-%H%M%S', time.localtime(message.created_at))}.mp3"


class ProgressSaver:
    """Saves a streaming reply through its ReplyRecorder without letting a failing history
    stall the stream: after a failure it waits RETRY_AFTER seconds before trying again (a
    locked file costs the busy timeout per try), and reports only the first failure."""

    RETRY_AFTER = 5.0

    def __init__(self, recorder: ReplyRecorder, report: Callable[[AichatError], None]) -> None:
        self._recorder = recorder
        self._report = report
        self._paused_until = 0.0
        self._reported = False

    def update(self, text: str) -> None:
        if time.monotonic() < self._paused_until:
            return
        try:
            self._recorder.update(text)
        except AichatError as error:
            self._paused_until = time.monotonic() + self.RETRY_AFTER
            if not self._reported:
                self._reported = True
                self._report(error)


@dataclass(frozen=True)
class ChatServices:
    """What the chat screen works with, provided by the app."""

    history: History
    provider: Callable[[], ChatProvider]  # made on first use: start-up does not pay for it
    speaker: str  # what replies are signed with, e.g. "Tongyi"
    speech: SpeechController
    keymap: dict[str, str]
    secrets: tuple[str, ...]
    export_dir: Path
    log_path: Path
    clock: Callable[[], float] = time.time


class ChatScreen(Screen[None]):
    DEFAULT_CSS = """
    ChatScreen {
        layout: vertical;
    }
    """

    BINDINGS = bindings(CHAT)

    def __init__(self, services: ChatServices, problem: AichatError | None = None) -> None:
        super().__init__()
        self.services = services
        self.problem = problem
        self.conversation: Conversation | None = None
        self.session_id: str | None = None
        self.last_question: str | None = None
        self._reply: Worker[None] | None = None

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield ConversationView(id="conversation")
        yield StatusLine(id="status")
        yield Prompt(f"Ask {self.services.speaker}…  (Enter sends, ctrl+j: new line, F1: help)",
                     id="prompt")
        yield Footer(compact=True)

    @property
    def conversation_view(self) -> ConversationView:
        return self.query_one(ConversationView)

    @property
    def prompt(self) -> Prompt:
        return self.query_one(Prompt)

    @property
    def status(self) -> StatusLine:
        return self.query_one(StatusLine)

    @property
    def replying(self) -> bool:
        return self._reply is not None and not self._reply.is_finished

    async def on_mount(self) -> None:
        self.status.provider = self.services.speaker.lower()
        self.conversation_view.anchor()
        if self.problem is not None:
            await self._show(ErrorMessage(self._message(Role.ERROR, self._shown(self.problem)),
                                          "Setup needed", self._now()))
        self.prompt.focus()

    # -- asking --------------------------------------------------------------------------------

    async def on_prompt_submitted(self, event: Prompt.Submitted) -> None:
        if await self.ask(event.text):
            self.prompt.clear()

    async def on_prompt_option_chosen(self, event: Prompt.OptionChosen) -> None:
        options = self._last_reply_options()
        if 1 <= event.number <= len(options):
            await self.ask(options[event.number - 1])

    async def on_reply_message_option_chosen(self, event: ReplyMessage.OptionChosen) -> None:
        await self.ask(event.option)

    async def ask(self, text: str, *, again: bool = False) -> bool:
        """Save the question, show it and start streaming its reply; False if it was not sent.

        `again` re-asks the last question, which is already saved and shown.
        """
        question = text.strip()
        if not question:
            return False
        if self.replying:
            self.notify("A reply is still arriving: wait for it, or press Esc to stop it.",
                        severity="warning")
            return False
        if self.problem is not None:
            await self._show(ErrorMessage(self._message(Role.ERROR, self._shown(self.problem)),
                                          "Setup needed", self._now()))
            return False
        history = self.services.history
        try:
            if self.conversation is None:
                self.conversation = history.create_conversation(title_for(question))
                self.status.title = self.conversation.title
            assert self.conversation.id is not None
            if not again:
                user = history.add_message(self.conversation.id,
                                           self._message(Role.USER, question))
            reply = history.add_message(self.conversation.id, self._message(
                Role.ASSISTANT, "", MessageStatus.STREAMING))
        except AichatError as error:
            # Nothing goes out unsaved; the question stays in the prompt to send again.
            await self._show_error(error, retry=False)
            return False
        self.last_question = question
        self.prompt.option_count = 0
        now = self._now()
        view = ReplyMessage(reply, self.services.speaker, now)
        await self._show(*([] if again else [UserMessage(user, "You", now)]), view)
        # Asking is a sign of wanting to read the answer: follow it again.
        self.conversation_view.anchor()
        self._reply = self.run_worker(self._stream_reply(question, reply, view), name="reply",
                                      group="reply", exit_on_error=False)
        self.refresh_bindings()
        return True

    async def _stream_reply(self, question: str, reply: Message, view: ReplyMessage) -> None:
        assert reply.id is not None
        recorder = ReplyRecorder(self.services.history, reply.id)
        saver = ProgressSaver(recorder, self._saving_failed)
        inert = InertReply()
        raw = ""
        extras: tuple[Extra, ...] = ()
        started = time.monotonic()
        self.status.state, self.status.first_token = "connecting", None
        reading = self._start_reading()
        try:
            provider = self.services.provider()
            async for event in provider.stream_reply(ChatRequest(question, self.session_id)):
                if isinstance(event, TextChanged):
                    if not raw and event.text:
                        self.status.state = "streaming"
                        self.status.first_token = time.monotonic() - started
                    raw = event.text
                    view.apply(inert.apply(event.edit, raw), inert.text)
                    saver.update(raw)
                    if reading is not None:
                        # The text as shown: what F5 reads too, so the speech cache serves both.
                        reading.feed(inert.text)
                elif isinstance(event, ReplyFinished):
                    extras = event.extras
                    await self._remember_session(event.session_id)
        except asyncio.CancelledError:
            self._silence(reading)
            await self._end_reply(view, recorder, raw, inert.text, MessageStatus.CANCELLED,
                                  extras, None)
            raise
        except AichatError as error:
            self._silence(reading)
            status = (MessageStatus.INTERRUPTED if isinstance(error, StreamInterrupted)
                      else MessageStatus.FAILED)
            await self._end_reply(view, recorder, raw, inert.text, status, extras,
                                  error)
            if isinstance(error, InvalidInput) and not self.prompt.text:
                self.prompt.text = question
        except Exception as bug:  # a bug must not take the conversation down with it
            self._silence(reading)
            await self._end_reply(view, recorder, raw, inert.text, MessageStatus.FAILED,
                                  extras, self._unexpected(bug, "reply"))
        else:
            if reading is not None:
                reading.finish(inert.text)
            await self._end_reply(view, recorder, raw, inert.text, MessageStatus.COMPLETE,
                                  extras, None)

    def _start_reading(self) -> Reading | None:
        """A reading of the reply about to stream, if replies are read aloud (and can be)."""
        if not self._speech.read_aloud:
            return None
        try:
            reading = self._speech.start_reading()
        except AichatError as error:
            # The reply matters more: it streams all the same.
            self.notify(f"{self._shown(error)} ({keys_for('app.read_aloud', self.services.keymap)} "
                        "turns reading replies aloud off.)", title="Not read aloud",
                        severity="error", markup=False)
            return None
        self._hear(reading.wait())
        return reading

    def _silence(self, reading: Reading | None) -> None:
        """Stop reading a reply that did not complete, unless something else plays by now."""
        if reading is not None and not reading.done:
            self._speech.stop()

    def _saving_failed(self, error: AichatError) -> None:
        self.notify(f"{self._shown(error)} The reply stays on screen; saving is retried.",
                    title="Not saved", severity="warning")

    async def _remember_session(self, session_id: str | None) -> None:
        if not session_id or session_id == self.session_id or self.conversation is None:
            return
        self.session_id = session_id
        assert self.conversation.id is not None
        with contextlib.suppress(AichatError):  # the next turn still continues it in memory
            self.services.history.set_session_id(self.conversation.id, session_id)

    async def _end_reply(self, view: ReplyMessage, recorder: ReplyRecorder, raw: str,
                         shown: str, status: MessageStatus, extras: tuple[Extra, ...],
                         error: AichatError | None) -> None:
        shown_error = self._shown(error) if error else None
        await view.finish(shown, status, extras)
        try:
            recorder.finish(status, raw, reply_meta(extras, error=shown_error))
        except AichatError as save_error:
            self.notify(self._shown(save_error), title="Not saved", severity="error")
        if error is not None:
            await self._show_error(error, retry=not isinstance(error, InvalidInput))
        self.status.state = _STATE_OF[status]
        self.prompt.option_count = len(view.options)
        self.refresh_bindings()

    # -- showing -------------------------------------------------------------------------------

    async def _show(self, *views: MessageView) -> None:
        await self.conversation_view.mount_all(views)

    async def _show_error(self, error: AichatError, *, retry: bool) -> None:
        text = self._shown(error)
        if retry:
            text += f" (Press {keys_for('chat.retry', self.services.keymap)} to retry.)"
        await self._show(ErrorMessage(self._message(Role.ERROR, text), "Error", self._now()))

    def _unexpected(self, bug: Exception, what: str) -> AichatError:
        log.exception("%s failed unexpectedly", what)
        return AichatError(f"Something unexpected went wrong: {type(bug).__name__}: {bug}.",
                           f"Details are in the log file {self.services.log_path}.")

    def _shown(self, error: AichatError) -> str:
        """The error as a person reads it; no secret or stream token ever reaches the screen."""
        return redact_stream_urls(redact(str(error), self.services.secrets))

    def _message(self, role: Role, text: str,
                 status: MessageStatus = MessageStatus.COMPLETE) -> Message:
        return Message(role=role, text=text, created_at=self._now(), status=status)

    def _now(self) -> float:
        return self.services.clock()

    def _replies(self) -> list[ReplyMessage]:
        return list(self.conversation_view.query_children(ReplyMessage))

    def _spoken(self) -> MessageView | None:
        """What speaking and saving audio act on: the focused message, else the last reply."""
        if isinstance(self.focused, MessageView):
            return self.focused
        replies = self._replies()
        return replies[-1] if replies else None

    def _last_reply_options(self) -> tuple[str, ...]:
        replies = self._replies()
        return replies[-1].options if replies else ()

    # -- conversations -------------------------------------------------------------------------

    async def open_conversation(self, conversation_id: int) -> None:
        """Show a saved conversation; the next question continues it (same SessionId)."""
        history = self.services.history
        try:
            conversation = history.get_conversation(conversation_id)
            messages = history.messages(conversation_id) if conversation else []
        except AichatError as error:
            self.notify(self._shown(error), severity="error")
            return
        if conversation is None:
            self.notify("That conversation is no longer in the history.", severity="warning")
            return
        await self._stop_reply()
        await self._clear()
        self.conversation, self.session_id = conversation, conversation.session_id
        self.status.title = conversation.title
        now = self._now()
        self.last_question = next(
            (m.text for m in reversed(messages) if m.role == Role.USER), None)
        await self.conversation_view.show_conversation(
            messages, lambda message: self._views_of(message, now))
        self.prompt.option_count = len(self._last_reply_options())
        self.conversation_view.anchor()
        self.refresh_bindings()

    def _views_of(self, message: Message, now: float) -> list[MessageView]:
        speaker = self.services.speaker
        if message.role == Role.USER:
            return [UserMessage(message, "You", now)]
        if message.role == Role.ERROR:
            return [ErrorMessage(message, "Error", now)]
        if message.role == Role.NOTICE:
            return [NoticeMessage(message, "Notice", now)]
        views: list[MessageView] = [ReplyMessage(message, speaker, now, reply_extras(message.meta))]
        error = reply_error(message.meta)
        if error:
            views.append(ErrorMessage(Message(Role.ERROR, error, message.created_at), "Error", now))
        return views

    async def _clear(self) -> None:
        self._speech.stop()  # what is being read belongs to the conversation going away
        await self.conversation_view.clear()
        self.conversation = None
        self.session_id = None
        self.last_question = None
        self.prompt.option_count = 0
        self.status.title = NEW_TITLE
        self.status.state, self.status.first_token = "ready", None

    async def _stop_reply(self) -> None:
        if self._reply is not None and not self._reply.is_finished:
            self._reply.cancel()
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await self._reply.wait()

    # -- actions -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return self.replying or self.focused is not self.prompt or self.status.speaking
        if action == "retry":
            return self.last_question is not None and not self.replying
        if action in ("rename", "export"):
            return self.conversation is not None
        if action == "delete":
            return self.conversation is not None and not self.replying
        if action in ("copy_reply", "copy_code"):
            return bool(self._replies())
        if action in ("speak", "save_audio"):
            return self._spoken() is not None
        if action == "stop_speaking":
            return self.status.speaking
        return True

    async def action_cancel(self) -> None:
        self._speech.stop()
        if self.replying:
            await self._stop_reply()
        else:
            self.prompt.focus()

    async def action_retry(self) -> None:
        if self.last_question is not None:
            await self.ask(self.last_question, again=True)

    async def action_new_chat(self) -> None:
        await self._stop_reply()
        await self._clear()
        self.prompt.focus()
        self.refresh_bindings()

    def action_history(self) -> None:
        from tui.ui.screens.history import HistoryScreen

        async def chosen(conversation_id: int | None) -> None:
            if conversation_id is not None:
                await self.open_conversation(conversation_id)
            else:
                await self._refresh_after_history()

        self.app.push_screen(HistoryScreen(self.services.history, self.services.export_dir),
                             chosen)

    async def _refresh_after_history(self) -> None:
        """The history screen may have renamed or deleted the open conversation."""
        if self.conversation is None or self.conversation.id is None:
            return
        try:
            current = self.services.history.get_conversation(self.conversation.id)
        except AichatError:
            return
        if current is None:
            await self.action_new_chat()
        else:
            self.conversation = current
            self.status.title = current.title

    def action_rename(self) -> None:
        from tui.ui.screens.rename import RenameScreen

        conversation = self.conversation
        if conversation is None or conversation.id is None:
            return

        def renamed(title: str | None) -> None:
            if not title or conversation.id is None:
                return
            try:
                self.services.history.rename(conversation.id, title)
            except AichatError as error:
                self.notify(self._shown(error), severity="error")
                return
            conversation.title = title
            self.status.title = title

        self.app.push_screen(RenameScreen(conversation.title), renamed)

    def action_delete(self) -> None:
        from tui.ui.screens.confirm import ConfirmScreen

        conversation = self.conversation
        if conversation is None or conversation.id is None:
            return

        async def answered(yes: bool | None) -> None:
            if not yes or conversation.id is None:
                return
            try:
                self.services.history.delete(conversation.id)
            except AichatError as error:
                self.notify(self._shown(error), severity="error")
                return
            await self.action_new_chat()
            self.notify(f"Deleted “{conversation.title}”.")

        self.app.push_screen(ConfirmScreen(
            f"Delete “{conversation.title}” and all its messages? This cannot be undone.",
            title="Delete conversation", yes="Delete", no="Keep"), answered)

    def action_export(self) -> None:
        if self.conversation is None or self.conversation.id is None:
            return
        try:
            path = export_to_file(self.services.history, self.conversation.id,
                                  self.services.export_dir)
        except AichatError as error:
            self.notify(self._shown(error), title="Export failed", severity="error")
            return
        self.notify(str(path), title="Exported")

    def action_copy_reply(self) -> None:
        replies = self._replies()
        if not replies:
            return
        text = replies[-1].copy_text
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied the last reply ({len(text)} characters).")

    def action_copy_code(self) -> None:
        from textual.widgets._markdown import MarkdownFence

        replies = self._replies()
        fences = list(replies[-1].query(MarkdownFence)) if replies else []
        if not fences:
            self.notify("The last reply has no code block.", severity="warning")
            return
        self.app.copy_to_clipboard(fences[-1].code)
        lines = fences[-1].code.count("\n") + 1
        self.notify(f"Copied the last code block ({lines} line{'s' * (lines != 1)}).")

    # -- speech --------------------------------------------------------------------------------

    @property
    def _speech(self) -> SpeechController:
        return self.services.speech

    def action_speak(self) -> None:
        view = self._spoken()
        if view is not None:
            self._hear(self._speech.speak(view.copy_text))

    def action_stop_speaking(self) -> None:
        self._speech.stop()

    def action_save_audio(self) -> None:
        view = self._spoken()
        if view is None:
            return
        path = self.services.export_dir / audio_file_name(view.message)
        self.notify("Saving the audio…", timeout=3)  # it takes a few seconds for a long reply
        self.run_worker(self._save_audio(view.copy_text, path), group="save_audio",
                        exit_on_error=False)

    def _hear(self, reading: Awaitable[bool]) -> None:
        """Await a reading in a worker, so that its errors are told; the status line and the
        footer say "speaking" meanwhile."""
        self.status.speaking = True
        self.refresh_bindings()
        self.run_worker(self._heard(reading), group="speech", exit_on_error=False)

    async def _heard(self, reading: Awaitable[bool]) -> None:
        try:
            await reading
        except AichatError as error:
            self._speech_failed(error, "Could not read aloud")
        except Exception as bug:
            self._speech_failed(self._unexpected(bug, "speech"), "Could not read aloud")
        finally:
            # Another reading may have taken over from this one.
            self.status.speaking = self._speech.speaking
            self.refresh_bindings()

    async def _save_audio(self, markdown: str, path: Path) -> None:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            saved = await self._speech.save(markdown, path)
        except OSError as exc:
            self._speech_failed(AudioError(
                f"Could not create the folder {path.parent} ({exc.strerror or exc}).",
                "Check that you may write there."), "Audio not saved")
        except AichatError as error:
            self._speech_failed(error, "Audio not saved")
        else:
            self.notify(str(saved), title="Audio saved", markup=False)

    def _speech_failed(self, error: AichatError, title: str) -> None:
        text = self._shown(error)
        if isinstance(error, NoSoundDevice):  # its hint names the command: say where it is
            keys = keys_for("chat.save_audio", self.services.keymap)
            palette = keys_for("app.palette", self.services.keymap)
            text += (f" In this window: {keys}, or “Save audio” in the command palette "
                     f"({palette}).")
        self.notify(text, title=title, severity="error", markup=False)

    def action_walk(self, delta: int) -> None:
        self.conversation_view.walk(delta)

    def action_page(self, direction: int) -> None:
        view = self.conversation_view
        # No animation: a page key held down must not queue up a long glide.
        if direction < 0:
            view.scroll_page_up(animate=False)
        else:
            view.scroll_page_down(animate=False)

    def on_prompt_walk_up(self) -> None:
        self.conversation_view.walk(-1)

    def on_conversation_view_walked_off(self) -> None:
        self.prompt.focus()
