"""The command palette (ctrl+p): the app's actions and those of the screen under it, with their
current keys, found by title or by binding id."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from tui.ui.bindings import Command, keys_for, palette_commands

if TYPE_CHECKING:
    from tui.ui.app import AichatApp


class ChatCommands(Provider):
    def _available(self) -> list[Command]:
        # A screen's actions only while that screen is under the palette (not a dialog).
        bound = {getattr(b, "id", None) for b in self.screen.BINDINGS}
        return [c for c in palette_commands()
                if c.id in bound or not (c.palette_action or "").startswith("screen.")]

    def _help(self, command: Command) -> str:
        keymap = cast("AichatApp", self.app).keymap
        return f"{keys_for(command.id, keymap)}  ·  {command.id}"

    async def _run(self, command: Command) -> None:
        assert command.palette_action is not None
        if not await self.app.run_action(command.palette_action):
            self.app.notify(f"“{command.title}” is not possible right now.", severity="warning")

    async def discover(self) -> Hits:
        for command in self._available():
            yield DiscoveryHit(Content(command.title), partial(self._run, command),
                               help=self._help(command))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._available():
            # By its title or by the id the help and the hits show ("speak": chat.speak).
            score = max(matcher.match(command.title), matcher.match(command.id))
            if score > 0:
                yield Hit(score, matcher.highlight(command.title), partial(self._run, command),
                          help=self._help(command))
