"""The Textual app around the chat screen: themes, keymap, history and providers wiring.

`make_app()` is the one way to build it, for the launcher and the tests alike.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events
from textual.app import App
from textual.binding import Binding

from tui.domain.errors import AichatError
from tui.domain.inert_text import make_inert
from tui.settings import Settings
from tui.store import History
from tui.store.errors import HistoryCorrupt
from tui.ui.bindings import APP, bindings, help_sections, keys_for, unknown_ids
from tui.ui.chat_providers import ChatProviders
from tui.ui.chat_voice import Listening
from tui.ui.notices import TIMEOUT as TOAST_TIMEOUT
from tui.ui.notices import TOAST_CSS, shown_path, unquoted
from tui.ui.safe_text import pasted
from tui.ui.screens.chat import ChatScreen, ChatServices
from tui.ui.settings_saver import save_and_tell
from tui.ui.speech import SpeechController
from tui.ui.textual_leaks import mend_textual_leaks

log = logging.getLogger(__name__)

if TYPE_CHECKING:
    from textual.command import Provider
    from textual.notifications import SeverityLevel

    from tui.audio.sources import AudioSource
    from tui.domain.transcript import SpeechRecognizer

FALLBACK_THEME = "aichat-dark"


def chat_commands() -> type[Provider]:
    # The palette's machinery is imported when the palette first opens, not at start-up.
    from tui.ui.palette import ChatCommands

    return ChatCommands


class AichatApp(App[None], inherit_bindings=False):
    TITLE = "aichat-tui"
    BINDINGS = [*bindings(APP), Binding("ctrl+c", "help_quit", show=False, system=True)]
    COMMANDS = {chat_commands}
    CSS = TOAST_CSS
    NOTIFICATION_TIMEOUT = TOAST_TIMEOUT

    def __init__(self, settings: Settings, *, providers: ChatProviders | None,
                 history: History | None, speech: SpeechController | None,
                 problem: AichatError | None, clock: Callable[[], float],
                 export_dir: Path, audio_input: Callable[[], Awaitable[AudioSource]] | None
                 ) -> None:
        super().__init__()
        mend_textual_leaks()
        self.settings = settings
        # Makes nothing until first used: start-up opens no sound device and no HTTP client.
        self.speech = speech if speech is not None else SpeechController(settings)
        self._own_speech = speech is None
        self.keymap = dict(settings.ui.keymap)
        # The footer finds the palette key under this name; follow a remapped one.
        # Textual declares it a ClassVar but reads it from the instance: one app, one keymap.
        palette_key = keys_for("app.palette", self.keymap).split(",")[0].strip()
        self.COMMAND_PALETTE_BINDING = palette_key  # type: ignore[misc]
        self.providers = providers if providers is not None else ChatProviders(settings)
        self._recognizer: SpeechRecognizer | None = None
        self._history = history
        self._own_history = history is None
        self._problem = problem
        self._clock = clock
        self._export_dir = export_dir
        self._audio_input = audio_input
        self._clashes_told: set[frozenset[str]] = set()
        if settings.demo:
            self.sub_title = "demo"

    @property
    def history(self) -> History:
        assert self._history is not None, "the history opens when the app mounts"
        return self._history

    def on_load(self) -> None:
        # Before the first screen is composed: it draws in the right theme at once.
        self._load_themes()
        self._open_history()

    def get_default_screen(self) -> ChatScreen:
        return ChatScreen(ChatServices(
            history=self.history,
            providers=self.providers,
            speech=self.speech,
            keymap=self.keymap,
            secrets=tuple(s for s in self.settings.secrets() if s),
            export_dir=self._export_dir,
            log_path=self.settings.log_path,
            clock=self._clock,
            listening=Listening(self.recognizer, self._audio_input or self.audio_source,
                                self.settings.voice.silence_timeout,
                                self.settings.voice.conversation),
            demo=self.settings.demo,
        ), self._problem)

    def on_mount(self) -> None:
        self.set_keymap(self.keymap)
        self.call_after_refresh(self._start_checking_history)
        # One notice for settings that disable a feature or fell back to defaults; a problem
        # of the default provider is already shown in the conversation.
        shown = (self._problem, self.providers.problem(self.providers.default.provider))
        notice = self.settings.notice(skip=tuple(
            section for section, error in self.settings.problems.items()
            if any(error is problem for problem in shown)))
        if notice:
            self.notify(notice, title="Settings", severity="warning", timeout=20, markup=False)
        for binding_id in unknown_ids(self.keymap):
            self.notify(f"[keymap] in {self.settings.config_path} names {binding_id!r}, which is "
                        "no binding id; F1 lists them all.", severity="warning")

    async def on_unmount(self) -> None:
        if self._own_speech:
            await self.speech.aclose()
        await self.providers.aclose()
        if self._recognizer is not None:
            await self._recognizer.aclose()
        if self._own_history and self._history is not None:
            self._history.close()

    def recognizer(self) -> SpeechRecognizer:
        """The speech recogniser, made when speech input is first used."""
        if self._recognizer is None:
            from tui.backends.recognizers import open_recognizer

            self._recognizer = open_recognizer(self.settings)
        return self._recognizer

    async def audio_source(self) -> AudioSource:
        """What speech input listens to: the source `[audio] input` names."""
        from tui.audio.sources import open_source

        return await open_source(self.settings.audio.input)

    def _open_history(self) -> None:
        if self._history is None:
            try:
                # Checking every page would make start-up wait on the disk in proportion to
                # the history: that is done in a thread after the first frame.
                self._history, aside = History.open_or_start_fresh(self.settings.history_path,
                                                                   check=False)
                if aside is not None:
                    self._say_kept_aside(aside)
            except AichatError as error:
                # Chatting still works; say loudly that nothing is kept.
                self.notify(f"{error} Until then, this session's history is not saved.",
                            title="History unavailable", severity="error", timeout=30)
                self._history = History.open(Path(":memory:"))
        try:
            recovered = self._history.recover_interrupted()
        except HistoryCorrupt:
            self._start_fresh_history()
            return
        except AichatError as error:
            self.notify(str(error), severity="error")
            return
        if recovered:
            self.notify(f"{recovered} repl{'ies were' if recovered > 1 else 'y was'} cut off when "
                        "aichat-tui last closed; marked as interrupted in the history.")

    def _start_checking_history(self) -> None:
        self.run_worker(self._check_history(), group="history-check", exit_on_error=False)

    async def _check_history(self) -> None:
        if not self._own_history or str(self.history.path) == ":memory:":
            return
        try:
            await asyncio.to_thread(_check_pages, self.history.path)
        except HistoryCorrupt:
            self._start_fresh_history()
        except AichatError as error:
            log.warning("history: the check could not run: %s", error)

    def _start_fresh_history(self) -> None:
        try:
            aside = self.history.start_fresh()
        except (AichatError, OSError) as error:
            self.notify(f"The history file {self.history.path} is damaged, and could not be "
                        f"kept aside ({error}). Move it away and start aichat-tui again.",
                        title="History", severity="error", timeout=30)
            return
        self._say_kept_aside(aside)
        for screen in self.screen_stack:
            if isinstance(screen, ChatScreen):
                # What it offers from the history (recent questions and conversations) may
                # have been read from the damaged file.
                screen.read_recent_history()

    def _say_kept_aside(self, aside: Path) -> None:
        self.notify(f"The history file was damaged; it is kept as {aside} and a fresh history "
                    "was started.", title="History", severity="warning", timeout=30)

    def _load_themes(self) -> None:
        from tui.ui.themes import builtin_themes_dir, load_themes

        themes, warnings = load_themes(builtin_themes_dir(), self.settings.user_themes_dir)
        for theme in themes:
            self.register_theme(theme)
        for warning in warnings:
            self.notify(warning, title="Theme", severity="warning")
        wanted = self.settings.ui.theme
        if wanted in self.available_themes:
            self.theme = wanted
            return
        fallback = FALLBACK_THEME if FALLBACK_THEME in self.available_themes else "textual-dark"
        self.notify(f"There is no theme named {wanted!r} (the [ui] theme setting); using "
                    f"{fallback}. Pick another with {keys_for('app.theme', self.keymap)}.",
                    severity="warning")
        self.theme = fallback

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """Every notification of the app, whoever sends it (screens and widgets call this).

        They quote titles, file names and servers' messages, so their text is never markup
        (`markup` is ignored) and control characters are made visible; names quoted with
        backticks for the CLI read plainly.
        """
        super().notify(make_inert(unquoted(message)), title=make_inert(unquoted(title)),
                       severity=severity, timeout=timeout, markup=False)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Paste) and not event.is_forwarded:
            # The one door of a terminal's paste into any field (the prompt, a title, a
            # search): inert before the field holds it, since a field writes it to the
            # terminal as it is (a log pasted with its colour codes, an OSC 52).
            event.text = pasted(event.text)
        await super().on_event(event)

    async def action_quit(self) -> None:
        """Quitting stops a reply like Esc does: what arrived is saved and marked cancelled."""
        for screen in self.screen_stack:
            if isinstance(screen, ChatScreen):
                await screen.stop_reply()
        self.exit()

    def action_help(self) -> None:
        from tui.ui.screens.help import HelpScreen

        self.push_screen(HelpScreen(help_sections(self.keymap),
                                    config_path=self.settings.config_path))

    def action_theme(self) -> None:
        from tui.ui.screens.theme_picker import ThemePicker

        def chosen(name: str | None) -> None:
            if name is None:
                return
            save_and_tell(self, self.settings.config_path, [("ui", "theme", name)],
                          saved=f"Theme {name!r} saved in {self.settings.config_path}.",
                          not_saved="Theme not saved")

        ours = sorted(n for n in self.available_themes if n.startswith("aichat-"))
        others = sorted(n for n in self.available_themes if n not in ours)
        self.push_screen(ThemePicker(ours + others, self.theme), chosen)

    def action_voices(self) -> None:
        from tui.ui.screens.voices import VoiceBrowser

        if not isinstance(self.screen, VoiceBrowser):
            self.push_screen(VoiceBrowser(self.speech, self.keymap))

    def action_toggle_read_aloud(self) -> None:
        on = self.speech.toggle_read_aloud()
        self._show_read_aloud()
        state = "on" if on else "off"
        # Saved: say so, since the next start reads aloud too. Not saved: on or off for this
        # session all the same.
        save_and_tell(self, self.settings.config_path, [("audio", "read_aloud", on)],
                      saved=f"{state.capitalize()} from now on, saved in "
                            f"{shown_path(self.settings.config_path, self.settings.data_dir)}.",
                      title=f"Reading replies aloud: {state}",
                      not_saved=f"Reading replies aloud: {state}, but not saved")

    def _show_read_aloud(self) -> None:
        for screen in self.screen_stack:
            if isinstance(screen, ChatScreen):
                screen.status.read_aloud = self.speech.read_aloud

    def handle_bindings_clash(self, clashed_bindings: set[Binding], node) -> None:
        ids = frozenset(b.id or b.action for b in clashed_bindings)
        if ids in self._clashes_told:
            return
        self._clashes_told.add(ids)
        self.notify(f"[keymap] gives one key to several bindings: {', '.join(sorted(ids))}. "
                    "Only one of them will work; change the others.", severity="warning")


def make_app(settings: Settings, *, providers: ChatProviders | None = None,
             history: History | None = None, speech: SpeechController | None = None,
             problem: AichatError | None = None, clock: Callable[[], float] = time.time,
             export_dir: Path | None = None,
             audio_input: Callable[[], Awaitable[AudioSource]] | None = None) -> AichatApp:
    """The app for `settings`.

    providers: who answers (default: the registry's providers for `settings`, each made on
        first use; new conversations start with [chat] provider).
    history: an open History (default: settings.history_path, opened and closed by the app).
    speech: the speech controller (default: one for `settings`, closed by the app; tests pass
        one whose player records instead of playing).
    problem: why chatting cannot work (missing or malformed settings), shown on screen.
    clock: wall-clock time for message times (tests fix it).
    export_dir: where exports go (default: <data dir>/exports).
    audio_input: opens what speech input listens to (default: the source `[audio] input`
        names; tests pass a scripted one that speaks when they say).
    """
    return AichatApp(settings, providers=providers, history=history, speech=speech,
                     problem=problem, clock=clock,
                     export_dir=export_dir or settings.data_dir / "exports",
                     audio_input=audio_input)


def _check_pages(path: Path) -> None:
    with History.open_reader(path) as history:
        history.check()
