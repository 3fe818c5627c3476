"""The one function deciding how service text reaches a terminal or a file."""

from __future__ import annotations

import json

from tui.domain.inert_text import inert_json, inert_value, make_inert, shorten


def test_controls_bidi_and_undecodable_bytes_become_visible():
    assert make_inert("a\x1b[2Jb") == "a␛[2Jb"
    assert make_inert("\x07\x7f\x9b") == "␇␡\\x9b"
    assert make_inert("file\u202etxt.exe") == "file\\u202etxt.exe"
    assert make_inert("\u2066x\u2069\u200e\u200f") == "\\u2066x\\u2069\\u200e\\u200f"
    assert make_inert("caf\udce9") == "caf\\udce9"


def test_ordinary_text_newlines_and_tabs_are_untouched():
    text = "第一行\n\tindented — “quoted” 🙂"
    assert make_inert(text) is text


def test_a_value_in_a_message_is_one_short_inert_line():
    value = inert_value("line one\nline two\x1b" + "x" * 5000)
    assert value.startswith("line one line two␛") and "\n" not in value
    assert value.endswith("(4818 more characters)") and len(value) < 260
    assert shorten("short") == "short"


def test_json_output_escapes_what_a_terminal_would_obey_and_parses_back_the_same():
    value = {"text": "a\x1b[2J\x7f\x9b\u202eb\udce9 第一行\n", "n": 1}
    out = inert_json(value)
    assert all(char not in out for char in "\x1b\x7f\x9b\u202e\udce9\n")
    assert "第一行" in out and "\\u202e" in out
    assert json.loads(out) == value
