"""The app's chat providers: who answers a conversation, made through the registry.

Each provider is made on first use (start-up imports no HTTP client) and kept for the app's
life, one per name, so switching back and forth between models costs no new connections.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import NamedTuple

from tui.backends import registry
from tui.backends.registry import ModelEntry
from tui.domain.errors import AichatError, SettingsError
from tui.domain.inert_text import make_inert
from tui.domain.providers import ChatProvider
from tui.settings import Settings
from tui.ui.settings_saver import Change


def speaker(provider: str, model: str | None) -> str:
    """Who a reply is signed with: "Tongyi", "Qiniu · deepseek-r1". Inert: a model id is the
    server's text (`/models`); shown as markup nowhere (Content, `plain`)."""
    name = registry.label(provider)
    return make_inert(f"{name} · {model}" if model else name)


class ModelList(NamedTuple):
    """The models of every configured provider, and why some could not be listed."""

    entries: tuple[ModelEntry, ...]
    failures: tuple[tuple[str, AichatError], ...]  # (provider label, why) for each that failed


class ChatProviders:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._made: dict[str, ChatProvider] = {}
        self.default = registry.default_entry(settings, settings.chat.provider)

    @property
    def config_path(self) -> Path:
        """The settings file a new default is saved in."""
        return self._settings.config_path

    def problem(self, name: str) -> SettingsError | None:
        """Why provider `name` cannot answer with these settings, or None."""
        return registry.problem(self._settings, name)

    def get(self, name: str) -> ChatProvider:
        """The provider `name`, made on first use; raises SettingsError if it is not set up."""
        if name not in self._made:
            self._made[name] = registry.build(self._settings, name)
        return self._made[name]

    def entry(self, provider: str, model: str | None) -> ModelEntry:
        """A conversation's recorded provider and model (no model: the provider's default)."""
        if model is None:
            return registry.default_entry(self._settings, provider)
        return ModelEntry(provider, model, model)

    def make_default(self, entry: ModelEntry) -> list[Change]:
        """Make `entry` what new conversations use; returns the settings that say so, for the
        caller to save (`settings_saver`)."""
        changes: list[Change] = [("chat", "provider", entry.provider)]
        setting = registry.model_setting(entry.provider)
        if setting is not None and entry.model is not None:
            changes.append((*setting, entry.model))
        self.default = entry
        return changes

    def list_models(self, *, refresh: bool = False) -> ModelList:
        """Every configured provider's models (day-long cache unless `refresh`). Blocking: it
        reads the cache file and asks the servers, so the picker runs it in a thread."""
        return asyncio.run(self._list(refresh))

    async def _list(self, refresh: bool) -> ModelList:
        names = registry.configured(self._settings)
        results = await asyncio.gather(
            *(registry.list_models(self._settings, name, refresh=refresh) for name in names),
            return_exceptions=True)
        entries: list[ModelEntry] = []
        failures: list[tuple[str, AichatError]] = []
        for name, result in zip(names, results, strict=True):
            if isinstance(result, AichatError):
                failures.append((registry.label(name), result))
            elif isinstance(result, BaseException):
                raise result
            else:
                entries += result
        return ModelList(tuple(entries), tuple(failures))

    async def aclose(self) -> None:
        for provider in self._made.values():
            await provider.aclose()
        self._made.clear()
