from __future__ import annotations

from tui.domain.context import fit_history
from tui.domain.providers import Turn


def turns(*texts):
    return tuple(Turn("user" if i % 2 == 0 else "assistant", t) for i, t in enumerate(texts))


def test_everything_fits():
    history = turns("ab", "cd")
    assert fit_history(history, 4) == (history, 0)


def test_newest_kept_first_and_starting_with_a_question():
    history = turns("aaaa", "bbbb", "cccc", "dddd")
    # "bbbb" would fit with the newest two, but an answer without its question is dropped.
    assert fit_history(history, 12) == (history[2:], 2)


def test_a_newest_turn_larger_than_the_budget_leaves_nothing():
    assert fit_history(turns("a", "b" * 50), 10) == ((), 2)


def test_no_history():
    assert fit_history((), 10) == ((), 0)
