"""A one-line text prompt in a dialog: rename a conversation (or anything else with a name)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label

from tui.ui.bindings import RENAME, bindings
from tui.ui.widgets.footer import Footer


class RenameScreen(ModalScreen[str | None]):
    """Dismisses with the new name (stripped, never empty), or None on Esc."""

    DEFAULT_CSS = """
    RenameScreen {
        align: center middle;
    }
    RenameScreen > Vertical {
        width: 72;
        max-width: 100%;
        height: auto;
        padding: 1 2;
        border: thick $primary;
        background: $surface;
    }
    RenameScreen #problem {
        color: $text-error;
        display: none;
    }
    RenameScreen #problem.-shown {
        display: block;
    }
    """

    BINDINGS = bindings(RENAME)

    def __init__(self, name: str, *, title: str = "Rename conversation") -> None:
        super().__init__()
        self._initial = name
        self._heading = title

    def compose(self) -> ComposeResult:
        with Vertical() as dialog:
            dialog.border_title = self._heading
            yield Input(self._initial, placeholder="New name", select_on_focus=True)
            yield Label("The name cannot be empty.", id="problem")
        yield Footer()

    def action_save(self) -> None:
        name = " ".join(self.query_one(Input).value.split())
        if not name:
            self.query_one("#problem").add_class("-shown")
            return
        self.dismiss(name)

    def action_cancel(self) -> None:
        self.dismiss(None)
