"""The footer every screen shows: Textual's, without the watchers it leaves behind.

Textual's Footer is composed again whenever the screen's bindings change (after every reply,
every focus change), and binds each new key's `compact` to its own. The keys it replaced stay
on the list of `compact` watchers, which is only cleaned when `compact` changes, which it never
does: after 20 questions ~300 dead keys (and what they hold) were kept alive. Mutating the
reactive after each recompose makes Textual drop the watchers of closed widgets.
"""

from __future__ import annotations

from textual.widgets import Footer as TextualFooter


class Footer(TextualFooter):
    async def recompose(self) -> None:
        await super().recompose()
        self.mutate_reactive(TextualFooter.compact)
