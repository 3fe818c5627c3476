"""Choose who answers: every model of every configured provider, filtered as you type.

Tongyi is one entry; each OpenAI-compatible server lists its `/models` (kept a day, a key
fetches them again). The lists load in a thread: the filter works at once, and a slow server
never holds the screen up. The filter keeps the focus; the keys move the highlighted row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Input, OptionList, Static
from textual.widgets.option_list import Option
from textual.worker import Worker, WorkerState

from tui.backends import registry
from tui.backends.registry import ModelEntry
from tui.domain.errors import AichatError
from tui.ui.bindings import MODEL_PICKER, bindings, keys_for
from tui.ui.chat_providers import ChatProviders, ModelList, speaker
from tui.ui.safe_text import plain
from tui.ui.shown_errors import shown


@dataclass(frozen=True)
class Picked:
    entry: ModelEntry
    save: bool  # also make it the default for new conversations


def matches(entry: ModelEntry, query: str) -> bool:
    """Every word of `query` is in the provider's name or the model id (any case)."""
    haystack = f"{entry.provider} {registry.label(entry.provider)} {entry.id}".casefold()
    return all(word in haystack for word in query.casefold().split())


class ModelPicker(Screen[Picked | None]):
    """Dismisses with what was picked, or None (Esc)."""

    DEFAULT_CSS = """
    ModelPicker #status {
        height: 1;
        padding: 0 1;
        background: $panel;
    }
    ModelPicker OptionList {
        height: 1fr;
        scrollbar-size-vertical: 1;
    }
    ModelPicker #message {
        height: auto;
        max-height: 6;
        padding: 0 1;
        color: $text-warning;
    }
    """

    BINDINGS = bindings(MODEL_PICKER)
    AUTO_FOCUS = "#filter"

    def __init__(self, providers: ChatProviders, current: ModelEntry,
                 keymap: Mapping[str, str], secrets: Sequence[str]) -> None:
        super().__init__()
        self._providers = providers
        self._current = current
        self._keymap = keymap
        self._secrets = tuple(secrets)
        self._entries: list[ModelEntry] = []
        self._shown: list[ModelEntry] = []

    def compose(self) -> ComposeResult:
        yield Static(id="status", markup=False)
        yield Input(placeholder="Filter: provider or model", id="filter")
        yield OptionList(id="models")
        yield Static(id="message", markup=False)
        yield Footer()

    @property
    def _list(self) -> OptionList:
        return self.query_one("#models", OptionList)

    def on_mount(self) -> None:
        self._list.can_focus = False  # see the module docstring
        self._load(refresh=False)

    # -- loading ---------------------------------------------------------------------------------

    def _load(self, *, refresh: bool) -> None:
        self._say("Fetching the model lists…" if refresh else "Loading the models…")
        self.run_worker(lambda: self._providers.list_models(refresh=refresh), thread=True,
                        exclusive=True, group="models", exit_on_error=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group != "models":
            return
        if event.state == WorkerState.SUCCESS:
            assert isinstance(event.worker.result, ModelList)
            self._loaded(event.worker.result)
        elif event.state == WorkerState.ERROR:
            error = event.worker.error
            text = (shown(error, self._secrets) if isinstance(error, AichatError)
                    else f"Listing the models failed: {error!r}")
            self.query_one("#message", Static).update(plain(text))
            self._say("The models could not be listed.")

    def _loaded(self, models: ModelList) -> None:
        self._entries = list(models.entries)
        failures = [f"{label}: {shown(error, self._secrets)}" for label, error in models.failures]
        refresh = keys_for("model_picker.refresh", self._keymap)
        if failures:
            failures.append(f"({refresh} tries again.)")
        self.query_one("#message", Static).update(plain("\n".join(failures)))
        self._fill()

    # -- showing ---------------------------------------------------------------------------------

    def _say(self, text: str) -> None:
        self.query_one("#status", Static).update(plain(text))

    def _fill(self) -> None:
        query = self.query_one("#filter", Input).value
        self._shown = [e for e in self._entries if matches(e, query)]
        options = self._list
        options.clear_options()
        options.add_options([Option(self._line(e)) for e in self._shown])
        here = next((i for i, e in enumerate(self._shown) if self._is_current(e)), 0)
        if self._shown:
            options.highlighted = here
        providers = len({e.provider for e in self._entries})
        self._say(f"{len(self._shown)} of {len(self._entries)} models from {providers} "
                  f"provider{'s' if providers != 1 else ''} · now: "
                  f"{speaker(self._current.provider, self._current.model)}")

    def _is_current(self, entry: ModelEntry) -> bool:
        return (entry.provider, entry.model) == (self._current.provider, self._current.model)

    def _line(self, entry: ModelEntry) -> Content:
        mark = "● " if self._is_current(entry) else "  "
        return Content.assemble(mark, (f"{registry.label(entry.provider):<18}", "$text-muted"),
                                plain(entry.id))

    def on_input_changed(self, event: Input.Changed) -> None:
        self._fill()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_choose()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._pick(event.option_index, save=False)

    # -- actions ---------------------------------------------------------------------------------

    def _pick(self, index: int | None, *, save: bool) -> None:
        if index is None or not 0 <= index < len(self._shown):
            self.notify("No model is highlighted.", severity="warning")
            return
        self.dismiss(Picked(self._shown[index], save))

    def action_choose(self) -> None:
        self._pick(self._list.highlighted, save=False)

    def action_make_default(self) -> None:
        self._pick(self._list.highlighted, save=True)

    def action_refresh(self) -> None:
        self._load(refresh=True)

    def action_cursor(self, delta: int) -> None:
        options = self._list
        if delta < 0:
            options.action_cursor_up()
        else:
            options.action_cursor_down()

    def action_page(self, direction: int) -> None:
        options = self._list
        if direction < 0:
            options.action_page_up()
        else:
            options.action_page_down()

    def action_close(self) -> None:
        self.dismiss(None)
