"""Browse the voices (Qiniu's catalogue, then Tencent's four): filter as you type, narrow by
category, hear a sample, choose the default voice and the reading speed.

The filter keeps the focus the whole time (as in a fuzzy finder), so every letter goes into it:
the list moves with the arrow and page keys, and the other keys are ones typing never needs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import DataTable, Input, Static

from tui.domain.errors import AichatError, SettingsError
from tui.domain.inert_text import make_inert
from tui.domain.voice import CATEGORY_NAMES, Voice
from tui.ui.bindings import VOICES, keys_for
from tui.ui.settings_saver import save_and_tell
from tui.ui.speech import SpeechController
from tui.ui.widgets.footer import Footer

MARK = "●"

# The footer shows "^←^→ Speed" as one entry: 80 columns have no room for two.
_SPEED = Binding.Group("Speed", compact=True)
_FOOTER_GROUPS = {"voices.slower": _SPEED, "voices.faster": _SPEED}


def matches(voice: Voice, query: str) -> bool:
    """Whether every word of `query` is in the voice's name or category (as written, so
    Chinese matches anywhere), or begins a word of its voice type or labels: "male" must not
    find every "female" voice, nor "en" every "Multilingual" one."""
    words = [*voice.voice_type.casefold().split("_"), voice.voice_type.casefold(),
             *voice.category_label.casefold().split(), voice.language,
             voice.language_label.casefold(), voice.gender_label.casefold()]
    anywhere = (voice.name.casefold(), voice.category.casefold())
    return all(any(term in text for text in anywhere) or any(w.startswith(term) for w in words)
               for term in query.casefold().split())


def speed_label(speed: float) -> str:
    return f"{speed:.1f}×" if round(speed, 1) == speed else f"{speed:.2f}×"


class VoiceBrowser(Screen[None]):
    """Every voice of the catalogue; dismisses with None."""

    DEFAULT_CSS = """
    VoiceBrowser #status {
        height: 1;
        padding: 0 1;
        background: $panel;
    }
    VoiceBrowser #categories {
        height: 1;
        padding: 0 1;
    }
    VoiceBrowser DataTable {
        height: 1fr;
        scrollbar-size-vertical: 1;
    }
    /* The filter has the focus, but the highlighted row is what the keys act on. */
    VoiceBrowser DataTable > .datatable--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
        text-style: $block-cursor-text-style;
    }
    VoiceBrowser #message {
        height: 1fr;
        padding: 1 2;
        color: $text-muted;
    }
    VoiceBrowser #message.-error {
        color: $text-error;
    }
    """

    BINDINGS = [replace(c.binding(), group=_FOOTER_GROUPS.get(c.id)) for c in VOICES]
    AUTO_FOCUS = "#filter"

    def __init__(self, controller: SpeechController,
                 keymap: Mapping[str, str] | None = None) -> None:
        super().__init__()
        self._controller = controller
        self._keymap = keymap or {}
        self._voices: list[Voice] = []
        self._category: str | None = None  # None: all of them
        self._playing: Voice | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="status", markup=False)
        yield Input(placeholder="Filter: name, voice type, category, language, gender",
                    id="filter")
        yield Static(id="categories", markup=False)
        yield DataTable(cursor_type="row", zebra_stripes=True)
        yield Static("Loading voices…", id="message", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.can_focus = False  # see the module docstring
        table.display = False
        table.add_column(Text("Name"), key="name")
        table.add_column(Text("Category"), key="category")
        table.add_column(Text("Language"), key="language")
        table.add_column(Text("Gender"), key="gender")
        table.add_column(Text("Voice type"), key="voice_type")
        self._show_status()
        self._load(refresh=False)

    # -- what is shown ---------------------------------------------------------------------

    @property
    def categories(self) -> list[str]:
        """The catalogue's categories in the order it lists them (they come from the data)."""
        return list(dict.fromkeys(v.category for v in self._voices if v.category))

    @property
    def highlighted(self) -> Voice | None:
        table = self.query_one(DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return next((v for v in self._voices if v.voice_type == key), None)

    def _filtered(self) -> list[Voice]:
        query = self.query_one("#filter", Input).value
        return [v for v in self._voices if matches(v, query)]

    def _show_status(self) -> None:
        current = self._controller.voice
        name = next((v.name for v in self._voices if v.voice_type == current), current)
        parts: list[str | tuple[str, str]] = [
            ("Voices", "bold"), "   Default ", (f"{MARK} {make_inert(name)}", "bold"),
            "   Reading speed ", (speed_label(self._controller.speed), "bold")]
        if self._playing is not None:
            parts += ["   ", (f"▶ {make_inert(self._playing.name)}", "$accent")]
        self.query_one("#status", Static).update(Content.assemble(*parts))

    def _show_voices(self) -> None:
        """Rebuild the category bar and the table for the filter and category, keeping the
        highlighted voice if it is still listed."""
        table = self.query_one(DataTable)
        kept = self.highlighted
        matching = self._filtered()
        self._show_categories(matching)
        shown = [v for v in matching if self._category is None or v.category == self._category]
        table.clear()
        current = self._controller.voice
        for voice in shown:
            mark = MARK if voice.voice_type == current else " "
            table.add_row(Text(f"{mark} {make_inert(voice.name)}"),
                          Text(make_inert(voice.category_label)), Text(voice.language_label),
                          Text(voice.gender_label), Text(make_inert(voice.voice_type)),
                          key=voice.voice_type)
        keys = [v.voice_type for v in shown]
        wanted = kept.voice_type if kept is not None else current
        table.move_cursor(row=keys.index(wanted) if wanted in keys else 0, animate=False)
        table.display = bool(shown)
        message = self.query_one("#message", Static)
        message.display = not shown
        message.remove_class("-error")
        message.update("No voice matches the filter." if self._voices else "No voices.")

    def _show_categories(self, matching: list[Voice]) -> None:
        """Each category with its count, named in Chinese and English when the bar has room,
        else as the catalogue names it."""
        bar = self.query_one("#categories", Static)
        counts = [(category, sum(1 for v in matching if category is None or v.category == category))
                  for category in [None, *self.categories]]
        for bilingual in (True, False):
            parts: list[str | tuple[str, str]] = []
            for category, count in counts:
                if category is None:
                    label = "All"
                else:
                    english = CATEGORY_NAMES.get(category, "") if bilingual else ""
                    label = f"{make_inert(category)} {english}".strip()
                style = "reverse bold" if category == self._category else ""
                parts += [(f" {label} {count} ", style), " "]
            content = Content.assemble(*parts)
            if content.cell_length <= bar.content_size.width + 1:  # the last gap may go
                break
        bar.update(content)

    def on_resize(self) -> None:
        if self._voices:
            self._show_categories(self._filtered())

    def _show_problem(self, text: str) -> None:
        self.query_one(DataTable).display = False
        message = self.query_one("#message", Static)
        message.display = True
        message.add_class("-error")
        message.update(text)

    # -- loading and previewing (workers: the screen never waits) --------------------------

    @work(exclusive=True, group="voices.load")
    async def _load(self, refresh: bool) -> None:
        try:
            voices = await self._controller.voices(refresh=refresh)
        except AichatError as error:
            if self._voices:  # keep the list we have: it is still usable
                self.notify(str(error), title="Voices not refreshed", severity="error")
            elif isinstance(error, SettingsError):  # trying again cannot help
                self._show_problem(f"Could not load the voices. {error}\n\nSettings are read "
                                   "when aichat-tui starts: restart it after changing them.")
            else:
                keys = keys_for("voices.refresh", self._keymap)
                self._show_problem(f"Could not load the voices. {error}\n\n"
                                   f"Press {keys} to try again.")
            return
        self._voices = voices
        if self._category not in self.categories:
            self._category = None
        self._show_voices()
        self._show_status()
        if refresh:
            self.notify(f"Fetched the voice list again: {len(voices)} voices.")

    @work(exclusive=True, group="voices.preview")
    async def _preview(self, voice: Voice) -> None:
        self._playing = voice
        self._show_status()
        try:
            await self._controller.preview(voice)
        except AichatError as error:
            self.notify(str(error), title=f"Cannot play {make_inert(voice.name)}",
                        severity="error")
        finally:
            if self._playing is voice:
                self._playing = None
                self._show_status()

    # -- actions ---------------------------------------------------------------------------

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        if self._voices:
            self._show_voices()

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()  # a click on the highlighted row: the mouse's Enter
        self.action_preview()

    def action_preview(self) -> None:
        voice = self.highlighted
        if voice is None:
            self.app.bell()
            return
        self._preview(voice)

    def action_make_default(self) -> None:
        voice = self.highlighted
        if voice is None:
            self.app.bell()
            return
        name = make_inert(voice.name)
        if voice.voice_type == self._controller.voice:
            self.notify(f"{name} is already the default voice.")
            return
        self._controller.set_voice(voice.voice_type)
        config_path = self._controller.settings.config_path
        save_and_tell(self.app, config_path, [("qiniu", "voice", voice.voice_type)],
                      saved=f"{name} is now the default voice (saved in {config_path}).",
                      not_saved="Default voice not saved")
        self._show_voices()  # the mark moves (for this session even if it is not saved)
        self._show_status()

    def action_speed(self, steps: int) -> None:
        before = self._controller.speed
        after = self._controller.step_speed(steps)
        if after == before:
            self.app.bell()  # at the slowest or fastest already
        else:
            save_and_tell(self.app, self._controller.settings.config_path,
                          [("qiniu", "speed", after)], not_saved="Speed not saved")
        self._show_status()

    def action_category(self, step: int) -> None:
        choices: list[str | None] = [None, *self.categories]
        self._category = choices[(choices.index(self._category) + step) % len(choices)]
        if self._voices:
            self._show_voices()

    def action_refresh(self) -> None:
        self._load(refresh=True)

    def action_cursor(self, step: int) -> None:
        table = self.query_one(DataTable)
        if step > 0:
            table.action_cursor_down()
        else:
            table.action_cursor_up()

    def action_page(self, step: int) -> None:
        table = self.query_one(DataTable)
        if step > 0:
            table.action_page_down()
        else:
            table.action_page_up()

    def action_close(self) -> None:
        if self._playing is not None:
            self._controller.stop()  # a sample still playing belongs to this screen
        self.dismiss(None)
