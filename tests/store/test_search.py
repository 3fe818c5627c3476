"""Searching the history: literal terms, highlights, Chinese, and queries that must never break."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tui.domain.conversation import Message, MessageStatus, Role
from tui.store import MARK_END, MARK_START, History

from .conftest import START

TEXTS = [
    (Role.USER, "How do I install Python packages with pip?"),
    (Role.ASSISTANT, "Use `pip install <name>`. In C++ you would use a package manager such as vcpkg."),
    (Role.USER, "杭州明天的天气怎么样？"),
    (Role.ASSISTANT, "杭州明天多云转晴，气温 18 到 26 度。"),
    (Role.USER, 'He said "AND" is an operator, and * is a wildcard; 100% of foo_bar NEAR(x)'),
    (Role.ASSISTANT, "Nothing to see here."),
]


@pytest.fixture
def filled(history):
    conversation = history.create_conversation("Mixed bag")
    for offset, (role, text) in enumerate(TEXTS):
        history.add_message(conversation.id, Message(role, text, START + offset))
    return history


def marked(hit) -> list[str]:
    """The highlighted pieces of a snippet."""
    return [piece.split(MARK_END)[0] for piece in hit.snippet.split(MARK_START)[1:]]


def test_a_hit_names_its_conversation_and_marks_the_match(filled):
    [hit] = filled.search("vcpkg")

    assert hit.conversation_title == "Mixed bag"
    assert hit.role is Role.ASSISTANT
    assert hit.created_at == START + 1
    assert marked(hit) == ["vcpkg"]
    assert hit.snippet.endswith(f"such as {MARK_START}vcpkg{MARK_END}.")
    assert [m.text for m in filled.messages(hit.conversation_id) if m.id == hit.message_id] == [TEXTS[1][1]]


def test_every_term_must_match_in_any_order_ignoring_case(filled):
    assert [h.snippet for h in filled.search("PACKAGES python")] == [
        f"How do I install {MARK_START}Python{MARK_END} {MARK_START}packages{MARK_END} with pip?"]
    assert filled.search("python vcpkg") == []


def test_results_are_newest_first_and_limited(filled):
    hits = filled.search("pip")
    assert [h.created_at for h in hits] == [START + 1, START]
    assert len(filled.search("pip", limit=1)) == 1


@pytest.mark.parametrize(("query", "expected"), [
    ("c++", ["C++"]),
    ('"AND"', ['"AND"']),
    ("AND", ["AND", "and"]),
    ("*", ["*"]),
    ("100%", ["100%"]),
    ("foo_bar", ["foo_bar"]),
    ("NEAR(x)", ["NEAR(x)"]),
    ('"', ['"', '"']),
])
def test_query_syntax_is_searched_for_literally(filled, query, expected):
    [hit] = filled.search(query)
    assert marked(hit) == expected


@pytest.mark.parametrize("query", ['foo"bar', "xyz OR", "NOT xyz", "-xyz", "^xyz", "(xyz", "xyz)",
                                   "a:b", "NEAR(xyz", "'xyz", "xyz*", "\x00", "x\x00y"])
def test_odd_queries_that_match_nothing_return_nothing(filled, query):
    assert filled.search(query) == []


@pytest.mark.parametrize("query", ["p_", "o%", "pi_", "10%f"])  # short ones use LIKE, long the index
def test_wildcards_are_just_characters(filled, query):
    assert filled.search(query) == []
    assert filled.search(query[-1]) != []


@pytest.mark.parametrize(("query", "expected"), [
    ("天气", "天气"),          # two characters: shorter than a trigram
    ("晴", "晴"),              # one character
    ("多云转晴", "多云转晴"),  # long enough for the trigram index
    ("杭州 气温", "杭州"),     # mixed lengths, both terms required
])
def test_chinese_text_is_found_whatever_the_length_of_the_query(filled, query, expected):
    hits = filled.search(query)
    assert hits, query
    assert all(expected in marked(hit) for hit in hits)


def test_blank_queries_find_nothing(filled):
    assert filled.search("") == [] and filled.search("  \t\n") == []


def test_edited_text_is_searched_as_it_is_now(filled):
    conversation = filled.create_conversation("Streaming")
    message = filled.add_message(conversation.id, Message(Role.ASSISTANT, "draft wording", START,
                                                          MessageStatus.STREAMING))
    filled.update_message(message.id, text="final phrasing", status=MessageStatus.COMPLETE)
    assert filled.search("draft") == []
    assert [h.message_id for h in filled.search("phrasing")] == [message.id]

    filled.update_message(message.id, text="reworded answer")
    assert filled.search("phrasing") == []
    assert [h.message_id for h in filled.search("reworded")] == [message.id]


def test_a_long_message_gives_a_short_one_line_snippet_around_the_match(history):
    conversation = history.create_conversation("Long")
    text = "intro line\n\n" + "filler words " * 200 + "the needle is here\n" + "more filler " * 200
    history.add_message(conversation.id, Message(Role.ASSISTANT, text, START))

    [hit] = history.search("needle")

    assert "\n" not in hit.snippet and len(hit.snippet) <= 90
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert f"the {MARK_START}needle{MARK_END} is here" in hit.snippet


def test_marker_characters_in_a_message_cannot_fake_a_highlight(history):
    conversation = history.create_conversation("Odd")
    history.add_message(conversation.id, Message(Role.USER, f"{MARK_START}fake{MARK_END} real", START))

    [hit] = history.search("real")

    assert marked(hit) == ["real"]


def test_any_query_is_taken_literally_and_never_raises(tmp_path):
    with History.open(tmp_path / "history.sqlite3") as history:
        conversation = history.create_conversation("Fuzz")
        for offset, (role, text) in enumerate(TEXTS):
            history.add_message(conversation.id, Message(role, text, START + offset))

        words = [word for _, text in TEXTS for word in text.split()]

        @settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
        @given(st.text(max_size=12) | st.sampled_from(words))
        def check(query: str) -> None:
            hits = history.search(query)
            if query in words:
                assert hits, query
            for hit in hits:
                text = next(m.text for m in history.messages(conversation.id) if m.id == hit.message_id)
                # The index and LIKE fold case a little differently from Python, so compare
                # case-insensitively only for what both agree on: ASCII.
                terms = query.replace("\x00", " ").split()
                assert all(term.lower() in text.lower() for term in terms if term.isascii())
                assert MARK_START in hit.snippet

        check()


def test_short_terms_look_at_the_newest_messages_and_say_so(history, monkeypatch):
    # One- and two-character terms are matched by reading texts, so only the newest
    # SHORT_TERM_WINDOW messages; a term of three or more comes from the index, from all.
    monkeypatch.setattr("tui.store.search.SHORT_TERM_WINDOW", 3)
    conversation = history.create_conversation("Many")
    for n in range(5):
        history.add_message(conversation.id, Message(Role.USER, f"ab {n} abc", START + n))

    assert [h.snippet.split()[1] for h in history.search("ab")] == ["4", "3", "2"]
    assert not history.searches_everything("ab")
    assert len(history.search("abc")) == 5
    assert history.searches_everything("abc")


def test_a_small_history_is_searched_whole_for_short_terms(filled):
    assert filled.searches_everything("天")
    assert len(filled.search("天")) == 2
