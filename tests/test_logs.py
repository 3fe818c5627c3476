"""The log file: what reaches it is redacted and inert, a traceback included."""

from __future__ import annotations

import logging

import pytest

from tests.log_support import logging_to


@pytest.fixture
def log_file(tmp_path):
    with logging_to(tmp_path / "aichat-tui.log", ["sk-secret-key"]) as path:
        yield path


def test_service_text_in_a_logged_bug_is_inert_and_redacted(log_file):
    # A bug's message may quote what a service sent: `cat` or `tail -f` of the log must show
    # its escapes, not obey them.
    said = "\x1b]52;c;eA==\x07\x1b[2J report\u202etxt.exe sk-secret-key"
    try:
        raise ValueError(f"could not read {said}")
    except ValueError as bug:
        logging.getLogger("tui.ui").error("the reply failed unexpectedly: %s", said, exc_info=bug)
    text = log_file.read_text(encoding="utf-8")
    assert not {"\x1b", "\x07", "\u202e"} & set(text)
    assert text.count("␛]52;c;eA==␇␛[2J report\\u202etxt.exe ***") == 2
    assert "sk-secret-key" not in text and "Traceback (most recent call last):\n" in text
