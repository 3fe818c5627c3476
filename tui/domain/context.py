"""Choosing which earlier turns go with a question to a provider that keeps no conversation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from tui.domain.providers import Turn


def fit_history(history: Sequence[Turn], budget: int) -> tuple[tuple[Turn, ...], int]:
    """The newest turns whose texts fit in `budget` characters, oldest first, and how many
    older turns were left out. The kept turns start with a user turn: an answer without its
    question confuses models (and some servers refuse it)."""
    used, start = 0, len(history)
    while start > 0 and used + len(history[start - 1].text) <= budget:
        start -= 1
        used += len(history[start].text)
    while start < len(history) and history[start].role != "user":
        start += 1
    return tuple(history[start:]), start


def turns_of(messages: Iterable[tuple[str, str]]) -> tuple[Turn, ...]:
    """The earlier turns of a saved conversation, from its messages' (role, text) in order: the
    questions and the replies' text (a cut-off reply's partial text included; errors, notices
    and empty replies are not turns)."""
    return tuple(Turn("user" if role == "user" else "assistant", text)
                 for role, text in messages
                 if role == "user" or (role == "assistant" and text.strip()))
