"""Sentence splitting and the 1024-byte request limit, including property tests."""

from __future__ import annotations

import string

from hypothesis import given, settings
from hypothesis import strategies as st

from tui.audio.sentences import (
    MAX_TEXT_BYTES,
    SentenceFeed,
    fit,
    pack,
    speech_units,
    split_sentences,
)
from tui.audio.speakable import speakable


def test_sentences_end_at_terminal_punctuation_and_line_breaks():
    text = ("Hello Dr. Smith. It costs 3.14 dollars, e.g. a lot! Really?  Yes.\nA line\n"
            "你好，世界！我是小源。“好。”然后")
    assert split_sentences(text) == [
        "Hello Dr. Smith. ", "It costs 3.14 dollars, e.g. a lot! ", "Really?  ", "Yes.\n",
        "A line\n", "你好，世界！", "我是小源。", "“好。”", "然后"]


def test_list_numbers_and_initials_stay_with_their_sentence():
    assert split_sentences("1. Install it.\nJ. R. R. Tolkien wrote it in the U.S. today.") == [
        "1. Install it.\n", "J. R. R. Tolkien wrote it in the U.S. today."]


def test_whitespace_stays_attached_and_blank_text_has_no_sentences():
    assert split_sentences("\n\n  Hi.  \n\n") == ["\n\n  Hi.  \n\n"]
    assert split_sentences(" \n ") == []


def test_a_long_sentence_is_cut_at_clauses_then_spaces_never_inside_words():
    clause = "a clause of several words, "
    pieces = fit(clause * 60, 100)
    assert all(p.endswith(", ") for p in pieces[:-1])
    words = "antidisestablishmentarianism " * 40
    assert all(p.endswith(" ") for p in fit(words, 100)[:-1])
    assert fit("3.14159 " * 30, 50)[0] == "3.14159 " * 6


def test_cjk_without_punctuation_is_cut_between_characters_within_the_byte_limit():
    pieces = fit("中" * 1000, MAX_TEXT_BYTES)
    assert [len(p.encode()) for p in pieces] == [1023, 1023, 954]


def test_pack_fills_requests_without_splitting_units():
    units = ["a" * 400, "b" * 400, "c" * 400, "d" * 100]
    assert pack(units, 1000) == ["a" * 400 + "b" * 400, "c" * 400 + "d" * 100]


# Text made of the things replies contain: words, numbers with separators, CJK runs,
# contractions, and the punctuation that ends clauses and sentences.
_word = st.one_of(
    st.text(string.ascii_letters + string.digits, min_size=1, max_size=12),
    st.sampled_from(["3.14", "1,000", "2.5e3", "don't", "well-known", "U.S.", "Dr.", "e.g."]),
    st.text("你好世界中文语音合成测试日本語カタカナ", min_size=1, max_size=60),
    st.text("àéîõüßçñ", min_size=1, max_size=8),
)
_gap = st.sampled_from([" ", " ", " ", ", ", ". ", "! ", "? ", "。", "，", "、", "\n", "; ", ": ", ""])
_text = st.lists(st.tuples(_word, _gap), max_size=300).map(
    lambda pairs: "".join(w + g for w, g in pairs))


def _cuts_inside_a_word(text: str, pieces: list[str], limit: int) -> list[int]:
    """Cuts that split a word, except inside a word too long for one request on its own."""
    def latin(c: str) -> bool:
        return c.isalnum() and ord(c) < 0x2E80

    def word_around(at: int) -> str:
        start, end = at, at
        while start > 0 and (latin(text[start - 1]) or text[start - 1] in ".,'-"):
            start -= 1
        while end < len(text) and (latin(text[end]) or text[end] in ".,'-"):
            end += 1
        return text[start:end]

    bad, at = [], 0
    for piece in pieces[:-1]:
        at += len(piece)
        if len(word_around(at).encode("utf-8")) > limit:
            continue
        left, right = text[at - 1], text[at]
        if latin(left) and latin(right) or left in ".,'-" and at >= 2 and latin(text[at - 2]) and latin(right) or right in ".,'-" and at + 1 < len(text) and latin(left) and latin(text[at + 1]):
            bad.append(at)
    return bad


@settings(max_examples=300, deadline=None)
@given(_text, st.integers(min_value=24, max_value=MAX_TEXT_BYTES))
def test_units_fit_rejoin_and_never_split_a_word(text, limit):
    units = speech_units(text, limit)
    if text.strip():
        assert "".join(units) == text
    assert all(len(u.encode("utf-8")) <= limit for u in units)
    assert all(u.strip() for u in units)
    assert _cuts_inside_a_word(text, units, limit) == []
    packed = pack(units, limit)
    assert "".join(packed) == "".join(units) and all(len(p.encode()) <= limit for p in packed)


_markdown_block = st.one_of(
    _text,
    _text.map(lambda t: "**" + t.strip() + "**" if t.strip() else t),
    _text.map(lambda t: "- " + t.replace("\n", " ")),
    _text.map(lambda t: "## " + t.replace("\n", " ")),
    st.just("```python\nprint('hello. world')\n```"),
    st.just("See [the docs](https://example.com/a.b) and `x.y()`."),
)
_markdown = st.lists(_markdown_block, max_size=8).map("\n".join)


@settings(max_examples=150, deadline=None)
@given(_markdown)
def test_markdown_units_rejoin_to_the_speakable_text(markdown):
    spoken = speakable(markdown)
    units = speech_units(spoken)
    assert "".join(units) == (spoken if spoken.strip() else "")
    assert all(len(u.encode("utf-8")) <= MAX_TEXT_BYTES for u in units)


@settings(max_examples=150, deadline=None)
@given(_markdown, st.lists(st.integers(min_value=1, max_value=40), min_size=1, max_size=200))
def test_a_streamed_reply_is_spoken_once_sentence_by_sentence(markdown, steps):
    """Feeding growing prefixes, then the end, hands out exactly the final text's units."""
    feed, handed_out, end = SentenceFeed(), [], 0
    for step in steps:
        end = min(len(markdown), end + step)
        handed_out += feed.update(markdown[:end])
    handed_out += feed.finish(markdown)
    assert handed_out == speech_units(speakable(markdown))


def test_a_streamed_sentence_is_handed_out_when_the_next_one_begins():
    feed = SentenceFeed()
    assert feed.update("First sentence.") == []
    assert feed.update("First sentence. Sec") == ["First sentence. "]
    assert feed.update("First sentence. Second one") == []
    assert feed.update("First sentence. Second one!\n") == []
    assert feed.update("First sentence. Second one!\n- item") == ["Second one!\n"]
    assert feed.finish("First sentence. Second one!\n- item") == ["item"]


def test_a_rewrite_of_earlier_text_reads_the_changed_lines_again():
    feed = SentenceFeed()
    assert feed.update("Line one.\nLine two.\nLi") == ["Line one.\n", "Line two.\n"]
    # The service rewrote the second line (and cut the third).
    assert feed.update("Line one.\nLine 2, rewritten.\nMore") == ["Line 2, rewritten.\n"]
    assert feed.finish("Line one.\nLine 2, rewritten.\nMore") == ["More"]
