"""What an HTTP error body says, in every shape the chat and speech services answer with."""

from __future__ import annotations

import pytest

from tui.backends.error_body import code_and_message


@pytest.mark.parametrize(("body", "expected"), [
    (b'{"error": {"code": "model_not_found", "message": "No such\\nmodel"}}',
     ("model_not_found", "No such model")),
    (b'{"error": "quota exceeded"}', ("", "quota exceeded")),
    ('{"code": 3050, "message": "voice not found"}', ("3050", "voice not found")),
    (b'{"detail": "Not Found"}', ("", "Not Found")),
    (bytearray(b"<html>Bad Gateway</html>\n"), ("", "<html>Bad Gateway</html>")),
    (b"", ("", "no details")),
    (b"\xff\xfe", ("", "\ufffd\ufffd")),
])
def test_reads_the_code_and_the_message_on_one_line(body, expected):
    assert code_and_message(body) == expected


def test_a_long_body_that_is_not_json_is_cut_at_200_characters():
    assert code_and_message("x" * 500) == ("", "x" * 200)
