"""Pick a colour theme, previewing each one live on the screen behind the list."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from tui.ui.bindings import THEME_PICKER, bindings
from tui.ui.safe_text import plain
from tui.ui.widgets.footer import Footer


class ThemePicker(ModalScreen[str | None]):
    """Dismisses with the chosen theme name, or None after putting the original theme back."""

    DEFAULT_CSS = """
    ThemePicker {
        /* No dimming: the screen behind is the preview. */
        background: transparent;
        align: right middle;
    }
    ThemePicker > Vertical {
        width: 34;
        max-width: 100%;
        height: auto;
        max-height: 80%;
        border: thick $primary;
        background: $surface;
    }
    ThemePicker OptionList {
        height: auto;
        max-height: 100%;
        border: none;
    }
    """

    BINDINGS = bindings(THEME_PICKER)

    def __init__(self, names: list[str], current: str) -> None:
        super().__init__()
        self._names = list(names)
        self._current = current
        self._original_theme = ""

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "Theme"
            # Plain: a name is whatever a theme was registered under, never markup.
            yield OptionList(*(Option(plain(name), id=name) for name in self._names))
        yield Footer()

    def on_mount(self) -> None:
        self._original_theme = self.app.theme
        options = self.query_one(OptionList)
        if self._current in self._names:
            options.highlighted = self._names.index(self._current)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self.app.theme = self._names[event.option_index]

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self._names[event.option_index])

    def action_choose(self) -> None:
        highlighted = self.query_one(OptionList).highlighted
        if highlighted is not None:
            self.dismiss(self._names[highlighted])

    def action_cancel(self) -> None:
        self.app.theme = self._original_theme
        self.dismiss(None)
