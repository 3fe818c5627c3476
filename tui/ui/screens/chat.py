"""The chat screen: the conversation, the status line and the prompt; its keys and wiring.

The jobs live in modules named for them: a reply's life in `tui.ui.reply_session` (shown
shown here by `tui.ui.reply_on_screen`), renaming, deleting and exporting in
`tui.ui.conversation_actions`, speech in `tui.ui.chat_speech`, copying in `tui.ui.copying`.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, NamedTuple

from textual.app import ComposeResult
from textual.content import Content
from textual.reactive import reactive
from textual.screen import Screen
from textual.widgets import Header
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from tui.backends.registry import ModelEntry
from tui.domain.conversation import Conversation, Message, MessageStatus, Role
from tui.domain.errors import AichatError, InvalidInput
from tui.domain.inert_text import make_inert
from tui.store import History, reply_error, reply_extras
from tui.store.meta import reply_finish_reason, reply_reasoning
from tui.ui.bindings import CHAT, bindings, keys_for
from tui.ui.chat_providers import ChatProviders, speaker
from tui.ui.chat_speech import ChatSpeech
from tui.ui.chat_voice import ChatVoice, Listening
from tui.ui.conversation_actions import ConversationActions
from tui.ui.copying import copy_last_code_block, copy_text
from tui.ui.recent import read_recent
from tui.ui.reply_on_screen import ReplyOnScreen
from tui.ui.reply_session import ReplySession
from tui.ui.safe_text import plain
from tui.ui.settings_saver import save_and_tell
from tui.ui.shown_errors import shown
from tui.ui.speech import SpeechController
from tui.ui.widgets.conversation import ConversationView, SavedMessages
from tui.ui.widgets.footer import Footer
from tui.ui.widgets.messages import (
    ErrorMessage,
    MessageView,
    NoticeMessage,
    ReplyMessage,
    UserMessage,
)
from tui.ui.widgets.prompt import Prompt
from tui.ui.widgets.status_line import StatusLine
from tui.ui.widgets.welcome import Welcome

if TYPE_CHECKING:
    pass

NEW_TITLE = "New conversation"
_TITLE_LENGTH = 60


def title_for(question: str) -> str:
    """A conversation's first title: its first question, on one line, shortened."""
    line = " ".join(question.split())
    return line if len(line) <= _TITLE_LENGTH else line[: _TITLE_LENGTH - 1].rstrip() + "…"


class ChatServices(NamedTuple):
    """What the chat screen works with, provided by the app."""

    history: History
    providers: ChatProviders  # each made on first use: start-up does not pay for them
    speech: SpeechController
    keymap: dict[str, str]
    secrets: tuple[str, ...]
    export_dir: Path
    log_path: Path
    clock: Callable[[], float] = time.time
    listening: Listening | None = None  # speech input; None: not offered
    demo: bool = False  # the welcome offers the emulator's scenarios


class ChatScreen(Screen[None]):
    DEFAULT_CSS = """
    ChatScreen {
        layout: vertical;
    }
    """

    BINDINGS = bindings(CHAT)
    # The prompt, not the welcome's lists above it: keys typed at start-up are a question.
    AUTO_FOCUS = "#prompt"

    # What the keys depend on: changing any of them refreshes the footer and the palette.
    conversation: reactive[Conversation | None] = reactive(None, bindings=True)
    last_question: reactive[Message | None] = reactive(None, bindings=True)
    replying: reactive[bool] = reactive(False, bindings=True)
    speaking: reactive[bool] = reactive(False, bindings=True)
    # Qiniu's models search the web before answering (the `?search` model suffix).
    search: reactive[bool] = reactive(False)

    def __init__(self, services: ChatServices, problem: AichatError | None = None) -> None:
        super().__init__()
        self.services = services
        self.problem = problem
        self.session_id: str | None = None
        # Who answers the next question: the open conversation's provider and model, or for
        # a new one [chat] provider's; the model picker changes it.
        self.choice: ModelEntry = services.providers.default
        self._reply: Worker[None] | None = None
        self.conversations = ConversationActions(self, services.history, services.export_dir)
        self.chat_speech = ChatSpeech(
            self, services.speech, speaking=self._set_speaking, keymap=services.keymap,
            secrets=services.secrets, export_dir=services.export_dir,
            log_path=services.log_path)
        self.voice = ChatVoice(self, services.listening,
                               services.speech, services.secrets)
        self._setup_view: ErrorMessage | None = None

    # -- layout --------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield Header()
        yield Welcome(speaker(self.choice.provider, self.choice.model), self.services.keymap,
                      demo=self.services.demo, id="welcome")
        yield ConversationView(id="conversation")
        yield StatusLine(id="status").data_bind(speaking=ChatScreen.speaking)
        yield Prompt(self._placeholder(), keymap=self.services.keymap, id="prompt")
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
    def welcome(self) -> Welcome:
        return self.query_one(Welcome)

    def _placeholder(self) -> Content:
        # Content: a str placeholder is parsed as markup, and the model id is the server's.
        return plain(f"Ask {speaker(self.choice.provider, self.choice.model)}…  (Enter sends, "
                     "ctrl+j: new line, F1: help)")

    def _show_choice(self) -> None:
        """The header, the status line and the prompt say who answers the next question."""
        who = speaker(self.choice.provider, self.choice.model)
        self.sub_title = " · ".join(part for part in (who, self.app.sub_title) if part)
        self.status.provider = who
        self.prompt.placeholder = self._placeholder()
        if not self.replying:
            self.status.state = self._idle_state()

    def watch_search(self, on: bool) -> None:
        self.status.search = on

    async def on_mount(self) -> None:
        self.status.read_aloud = self.services.speech.read_aloud
        self._show_choice()
        self.conversation_view.anchor()
        await self._show_setup_needed()
        self.prompt.focus()
        if self.services.listening is not None and self.services.listening.conversation:
            self.voice.toggle_conversation()
        # Shown from the start; a conversation being opened already (tests) has hidden it.
        self._welcome(self.welcome.display)
        # After the first frame: the reading thread would contend with drawing it.
        self.call_after_refresh(self.read_recent_history)

    # -- setup ---------------------------------------------------------------------------------

    def _problem(self) -> AichatError | None:
        """Why the next question cannot be asked: the settings, or the chosen provider's."""
        return self.problem or self.services.providers.problem(self.choice.provider)

    def _idle_state(self) -> str:
        return "setup needed" if self._problem() is not None else "ready"

    async def _show_setup_needed(self) -> None:
        """Say what setup is missing, once while it is on screen; the status line says it too."""
        problem = self._problem()
        if problem is None:
            return
        text = self._shown(problem)
        if (self._setup_view is not None and self._setup_view.is_attached
                and self._setup_view.message.text == text):
            self._setup_view.scroll_visible()
            return
        self._setup_view = ErrorMessage(self._message(Role.ERROR, text), "Setup needed",
                                        self._now())
        await self._show(self._setup_view)

    # -- the welcome ---------------------------------------------------------------------------

    def _welcome(self, shown: bool) -> None:
        self.welcome.display = shown
        if shown and self.welcome.tries:
            self.prompt.option_count = len(self.welcome.tries)

    def read_recent_history(self) -> None:
        """Read again, in a thread, the questions and conversations offered from the history."""
        self.run_worker(self._read_recent(), group="recent", exit_on_error=False)

    async def _read_recent(self) -> None:
        recent = await read_recent(self.services.history.path)
        if not self.prompt.questions_loaded:
            self.prompt.questions.load(recent.questions)
            self.prompt.questions_loaded = True
        self.welcome.show_conversations(recent.conversations, self._now())

    async def on_welcome_try_chosen(self, event: Welcome.TryChosen) -> None:
        await self.ask(event.question)

    async def on_welcome_conversation_chosen(self, event: Welcome.ConversationChosen) -> None:
        await self.open_conversation(event.conversation_id)
        self.prompt.focus()

    # -- asking --------------------------------------------------------------------------------

    async def on_prompt_submitted(self, event: Prompt.Submitted) -> None:
        if self.voice.dictating:  # Enter ends the recording; the words stay to edit
            self.prompt.restore(event.text)  # the prompt emptied itself at Enter
            self.voice.finish_dictation()
            return
        if await self.ask(event.text):
            self.prompt.questions.add(event.text)
        else:
            self.prompt.restore(event.text)

    async def on_prompt_option_chosen(self, event: Prompt.OptionChosen) -> None:
        if self.welcome.display and self.welcome.tries:
            await self.ask(self.welcome.tries[event.number - 1].question)
            return
        options = self._last_reply_options()
        if 1 <= event.number <= len(options):
            await self.ask(options[event.number - 1])

    async def on_reply_message_option_chosen(self, event: ReplyMessage.OptionChosen) -> None:
        await self.ask(event.option)

    async def ask(self, text: str, *, again: bool = False) -> bool:
        """Save the question, show it and start streaming its reply; False if it was not sent.

        `again` re-asks the last question, which is already saved and shown.
        """
        question_text = text.strip()
        if not question_text:
            return False
        if self.replying:
            # Said where it stays true: the status line's hint goes when the reply ends.
            self.status.hint = (f"not sent, a reply is arriving "
                                f"({keys_for('chat.cancel', self.services.keymap)} stops it)")
            return False
        if self._problem() is not None:
            await self._show_setup_needed()
            return False
        history = self.services.history
        choice = self.choice
        try:
            if self.conversation is None:
                self.conversation = history.create_conversation(
                    title_for(question_text), choice.provider, model=choice.model)
                self.status.title = self.conversation.title
            conversation = self.conversation
            assert conversation.id is not None
            if (conversation.provider, conversation.model) != (choice.provider, choice.model):
                # From this question on; the earlier turns go along as context.
                history.set_provider(conversation.id, choice.provider, choice.model)
                conversation.provider, conversation.model = choice.provider, choice.model
            if again and self.last_question is not None:
                question = self.last_question
            else:
                question = history.add_message(conversation.id,
                                               self._message(Role.USER, question_text))
            reply = history.add_message(conversation.id, replace(self._message(
                Role.ASSISTANT, "", MessageStatus.STREAMING), provider=choice.provider,
                model=choice.model))
        except AichatError as error:
            # Nothing goes out unsaved; the question stays in the prompt to send again.
            await self.show_error(self._shown(error), retry=False)
            return False
        self.last_question = question
        self._welcome(False)
        self.prompt.option_count = 0
        now = self._now()
        view = ReplyMessage(reply, speaker(choice.provider, choice.model), now)
        await self._show(*([] if again else [UserMessage(question, "You", now)]), view)
        # Asking is a sign of wanting to read the answer: follow it again.
        self.conversation_view.anchor()
        self.replying = True
        self._reply = self.run_worker(self._stream_reply(question, reply, view, choice),
                                      name="reply", group="reply", exit_on_error=False)
        return True

    async def _stream_reply(self, question: Message, reply: Message, view: ReplyMessage,
                            choice: ModelEntry) -> None:
        self.status.state, self.status.first_token = "connecting", None
        voice = self.voice.conversation is not None
        reading = None if voice else self.chat_speech.start_reading()
        try:
            session = ReplySession(
                self.services.history, self.services.providers.get(choice.provider),
                question=question, reply=reply, session_id=self.session_id,
                secrets=self.services.secrets, log_path=self.services.log_path,
                model=choice.model, search=self.search)
            outcome = await session.run(ReplyOnScreen(self, view, reading, voice))
            self.session_id = session.session_id
            if isinstance(outcome.error, InvalidInput) and not self.prompt.text:
                self.prompt.text = question.text
        finally:
            self.replying = False

    async def stop_reply(self) -> None:
        """Cancel the reply still arriving, if any, and wait until what arrived is saved."""
        if self._reply is not None and not self._reply.is_finished:
            self._reply.cancel()
            with contextlib.suppress(WorkerCancelled, WorkerFailed, asyncio.CancelledError):
                await self._reply.wait()
        self.replying = False  # also when it was cancelled before it began

    # -- showing -------------------------------------------------------------------------------

    async def _show(self, *views: MessageView) -> None:
        await self.conversation_view.add(*views)

    async def show_error(self, text: str, *, retry: bool) -> None:
        if retry:
            text += f" {keys_for('chat.retry', self.services.keymap)} asks again."
        await self._show(ErrorMessage(self._message(Role.ERROR, text), "Error", self._now()))

    def _shown(self, error: AichatError) -> str:
        return shown(error, self.services.secrets)

    def _message(self, role: Role, text: str,
                 status: MessageStatus = MessageStatus.COMPLETE) -> Message:
        return Message(role=role, text=text, created_at=self._now(), status=status)

    def _now(self) -> float:
        return self.services.clock()

    def _replies(self) -> list[ReplyMessage]:
        """The replies shown (a long conversation is shown a window at a time)."""
        return self.conversation_view.replies

    def _last_reply(self) -> Message | None:
        """The conversation's last reply, its text as shown, whether or not the window of
        mounted messages reaches it."""
        replies = self._replies()
        conversation_id = self.conversation.id if self.conversation is not None else None
        if self.conversation_view.shows_last or conversation_id is None:
            return replies[-1].shown_message if replies else None
        try:
            reply = self.services.history.latest_message(conversation_id, Role.ASSISTANT)
        except AichatError as error:
            self.notify(self._shown(error), severity="error")
            return None
        return replace(reply, text=make_inert(reply.text)) if reply is not None else None

    def _spoken(self) -> Message | None:
        """What speaking and saving audio act on: the focused message, else the last reply."""
        if isinstance(self.focused, MessageView):
            return self.focused.shown_message
        return self._last_reply()

    def _last_reply_options(self) -> tuple[str, ...]:
        replies = self._replies()
        return replies[-1].options if replies else ()

    def _set_speaking(self, on: bool) -> None:
        self.speaking = on

    # -- conversations -------------------------------------------------------------------------

    async def open_conversation(self, conversation_id: int, at: int | None = None) -> None:
        """Show a saved conversation (at its end, or at message `at`, focused); the next
        question continues it (same SessionId)."""
        history = self.services.history
        try:
            conversation = history.get_conversation(conversation_id)
            ids = history.message_ids(conversation_id) if conversation else []
            question = history.latest_message(conversation_id, Role.USER) if conversation else None
        except AichatError as error:
            self.notify(self._shown(error), severity="error")
            return
        if conversation is None:
            self.notify("That conversation is no longer in the history.", severity="warning")
            return
        # Hidden first: the conversation is laid out at its full height from its first page.
        self._welcome(False)
        await self.stop_reply()
        await self._clear()
        self.conversation, self.session_id = conversation, conversation.session_id
        self.status.title = conversation.title
        # It continues with whoever answered it last.
        self.choice = self.services.providers.entry(conversation.provider, conversation.model)
        self._show_choice()
        now = self._now()
        self.last_question = question
        await self.conversation_view.show_conversation(SavedMessages(
            ids, lambda first, last: history.messages(conversation_id, first, last),
            lambda message: self._views_of(message, now)), at=at)
        self.prompt.option_count = len(self._last_reply_options())
        if at is None:
            self.conversation_view.anchor()

    def _views_of(self, message: Message, now: float) -> list[MessageView]:
        if message.role == Role.USER:
            return [UserMessage(message, "You", now)]
        if message.role == Role.ERROR:
            return [ErrorMessage(message, "Error", now)]
        if message.role == Role.NOTICE:
            return [NoticeMessage(message, "Notice", now)]
        # Replies saved before providers were recorded are Tongyi's.
        signed = speaker(message.provider or "tongyi", message.model)
        views: list[MessageView] = [ReplyMessage(
            message, signed, now, reply_extras(message.meta),
            thinking=reply_reasoning(message.meta),
            finish_reason=reply_finish_reason(message.meta))]
        error = reply_error(message.meta)
        if error:
            views.append(ErrorMessage(Message(Role.ERROR, error, message.created_at), "Error", now))
        return views

    async def _clear(self) -> None:
        self.chat_speech.stop()  # what is being read belongs to the conversation going away
        await self.conversation_view.clear()
        self.conversation = None
        self.session_id = None
        self.choice = self.services.providers.default
        self._show_choice()
        self.last_question = None
        self.prompt.option_count = 0
        self.status.title = NEW_TITLE
        self.status.state, self.status.first_token = self._idle_state(), None

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

    # -- actions -------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            # With nothing to stop, Esc on a message is message.prompt (shown as such).
            return self.replying or self.speaking or self.voice.dictating
        if action in ("dictate", "toggle_voice"):
            return self.services.listening is not None
        if action == "retry":
            return self.last_question is not None and not self.replying
        if action in ("rename", "export"):
            return self.conversation is not None
        if action == "delete":
            return self.conversation is not None and not self.replying
        # Without reading the history (this runs at every refresh of the bindings): a window
        # away from the end stands for a saved conversation, with replies beyond it.
        may_have_reply = bool(self._replies()) or not self.conversation_view.shows_last
        if action in ("copy_reply", "copy_code"):
            return may_have_reply
        if action in ("speak", "save_audio"):
            return isinstance(self.focused, MessageView) or may_have_reply
        if action == "stop_speaking":
            return self.speaking
        return True

    async def action_cancel(self) -> None:
        if self.voice.dictating:
            self.voice.discard_dictation()
            return
        self.chat_speech.stop()
        if self.replying:
            await self.stop_reply()
        else:
            self.prompt.focus()

    async def action_retry(self) -> None:
        if self.last_question is not None:
            await self.ask(self.last_question.text, again=True)

    async def action_new_chat(self) -> None:
        await self.stop_reply()
        await self._clear()
        self._welcome(True)
        self.read_recent_history()
        self.prompt.focus()

    def action_history(self) -> None:
        from tui.ui.screens.history import HistoryScreen, Opened

        async def chosen(choice: Opened | None) -> None:
            if choice is not None:
                await self.open_conversation(choice.conversation_id, at=choice.message_id)
            else:
                await self._refresh_after_history()

        self.app.push_screen(HistoryScreen(self.services.history, self.services.export_dir),
                             chosen)

    def _open_id(self) -> int | None:
        return self.conversation.id if self.conversation is not None else None

    def action_rename(self) -> None:
        conversation_id = self._open_id()
        if conversation_id is None:
            return

        def renamed(title: str) -> None:
            if self.conversation is not None and self.conversation.id == conversation_id:
                self.conversation.title = title
                self.status.title = title

        self.conversations.rename(conversation_id, renamed)

    def action_delete(self) -> None:
        conversation_id = self._open_id()
        if conversation_id is not None:
            self.conversations.delete(conversation_id, self.action_new_chat)

    def action_export(self) -> None:
        conversation_id = self._open_id()
        if conversation_id is not None:
            self.conversations.export(conversation_id)

    def action_copy_reply(self) -> None:
        reply = self._last_reply()
        if reply is not None:
            copy_text(self, reply.text, "the last reply")

    def action_copy_code(self) -> None:
        reply = self._last_reply()
        copy_last_code_block(self, reply.text if reply is not None else "")

    def action_speak(self) -> None:
        spoken = self._spoken()
        if spoken is not None:
            self.chat_speech.speak(spoken.text)

    def action_stop_speaking(self) -> None:
        self.chat_speech.stop()

    def action_save_audio(self) -> None:
        spoken = self._spoken()
        if spoken is not None:
            self.chat_speech.save_audio(spoken, spoken.text)

    def action_models(self) -> None:
        from tui.ui.screens.model_picker import ModelPicker, Picked

        def picked(result: Picked | None) -> None:
            if result is None:
                return
            self.choice = result.entry
            self._show_choice()
            if result.save:
                changes = self.services.providers.make_default(result.entry)
                path = self.services.providers.config_path
                said = " and ".join(f"[{section}] {key} = {value}"
                                    for section, key, value in changes)
                save_and_tell(self.app, path, changes, not_saved="Default not saved",
                              saved=f"New conversations start with {speaker(*self._chosen())}: "
                                    f"{said} saved in {path}.")
            elif self.conversation is not None:
                self.notify(f"{speaker(*self._chosen())} answers from the next question on; "
                            "the earlier turns go along.")

        self.app.push_screen(ModelPicker(self.services.providers, self.choice,
                                         self.services.keymap, self.services.secrets), picked)

    def _chosen(self) -> tuple[str, str | None]:
        return self.choice.provider, self.choice.model

    def action_toggle_search(self) -> None:
        self.search = not self.search
        if not self.search:
            self.notify("Web search: off.")
        elif self.choice.provider == "qiniu":
            self.notify("Web search: on. The model searches the web before answering.")
        else:
            self.notify(f"Web search: on, for Qiniu's models; "
                        f"{speaker(*self._chosen())} answers without it.")

    def action_toggle_thinking(self) -> None:
        """Open or fold the thinking of the focused reply, else of the last one that has any."""
        focused = self.focused
        replies = [focused] if isinstance(focused, ReplyMessage) else reversed(self._replies())
        for reply in replies:
            block = reply.thinking_block
            if block is not None:
                block.toggle()
                return
        self.notify("No reply here has any thinking to show.", severity="warning")

    def action_dictate(self) -> None:
        self.voice.toggle_dictation()

    def action_toggle_voice(self) -> None:
        self.voice.toggle_conversation()

    def action_walk(self, delta: int) -> None:
        self.conversation_view.walk(delta)

    def action_page(self, direction: int) -> None:
        self.conversation_view.page(direction)

    def on_prompt_walk_up(self) -> None:
        if not (self.welcome.display and self.welcome.focus_last_list()):
            self.conversation_view.walk(-1)

    def on_conversation_view_walked_off(self) -> None:
        self.prompt.focus()
