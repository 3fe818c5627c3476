from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from tui.domain.events import TextChanged
from tui.domain.reply import GrowingText, ReplyText


def test_extension_is_an_append():
    reply = ReplyText()
    assert reply.update("") is None
    edit = reply.update("我是个大模型")
    assert edit.is_append and edit.insert == "我是个大模型"
    edit = reply.update("我是个大模型,能够")
    assert edit.is_append and edit.keep == 6 and edit.insert == ",能够"
    assert reply.update("我是个大模型,能够") is None


def test_rewrite_replaces_from_the_first_changed_character():
    reply = ReplyText("The answer is 41, surely.")
    edit = reply.update("The answer is 42.")
    assert not edit.is_append
    assert edit.keep == len("The answer is 4")
    assert edit.insert == "2."
    assert edit.apply("The answer is 41, surely.") == "The answer is 42."


def test_shrinking_text():
    reply = ReplyText("one. two. three.")
    edit = reply.update("one.")
    assert edit.keep == 4 and edit.insert == ""


@given(st.lists(st.text(alphabet="ab你好\n `", max_size=30), max_size=20))
def test_edits_always_rebuild_the_snapshot(snapshots):
    reply = ReplyText()
    shown = ""
    for snapshot in snapshots:
        edit = reply.update(snapshot)
        if edit is not None:
            assert shown[: edit.keep] == snapshot[: edit.keep]
            shown = edit.apply(shown)
        assert shown == snapshot == reply.text


@given(st.lists(st.text(alphabet="ab你好\n`", min_size=1, max_size=10), max_size=20),
       st.randoms())
def test_a_growing_text_event_reads_as_it_was_when_made_in_any_order(pieces, random):
    text = GrowingText()
    events = [TextChanged(text.append(piece), text) for piece in pieces]
    order = list(range(len(events)))
    random.shuffle(order)
    for n in order:  # read late and out of order, as a consumer that skips ahead does
        assert events[n].text == "".join(pieces[: n + 1])
        assert events[n].edit.apply(events[n - 1].text if n else "") == events[n].text
    assert str(text) == "".join(pieces)
