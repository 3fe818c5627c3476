"""The questions the prompt can walk back through, newest first, as a shell's history.

Walking starts from the draft being typed and can always come back to it. Questions are kept
inert, as the prompt shows them: one piped to `ask` may hold escapes, which the prompt would
write to the terminal as they are.
"""

from __future__ import annotations

from collections.abc import Iterable

from tui.domain.inert_text import make_inert


class PromptHistory:
    def __init__(self, questions: Iterable[str] = ()) -> None:
        self._questions = list(dict.fromkeys(map(make_inert, questions)))
        self._at = -1  # -1: the draft; n: the n-th newest question
        self._draft = ""

    @property
    def walking(self) -> bool:
        return self._at >= 0

    def load(self, older: Iterable[str]) -> None:
        """Add questions read from the history, behind those asked since the screen opened."""
        self._questions = list(dict.fromkeys([*self._questions, *map(make_inert, older)]))

    def add(self, question: str) -> None:
        """A question just sent: the newest, once; the walk starts again from a new draft."""
        question = make_inert(question)
        self._questions = [question, *(q for q in self._questions if q != question)]
        self._at, self._draft = -1, ""

    def older(self, current: str) -> str | None:
        """The question before the one shown, if any. `current` is what the prompt holds: the
        draft, or a recalled question edited since, which then becomes the draft (kept)."""
        self._edited(current)
        if self._at + 1 >= len(self._questions):
            return None
        if self._at < 0:
            self._draft = current
        self._at += 1
        return self._questions[self._at]

    def newer(self, current: str) -> str | None:
        """The question after the one shown, or the draft again; None when not walking."""
        self._edited(current)
        if self._at < 0:
            return None
        self._at -= 1
        return self._draft if self._at < 0 else self._questions[self._at]

    def _edited(self, current: str) -> None:
        if self._at >= 0 and current != self._questions[self._at]:
            self._at = -1
