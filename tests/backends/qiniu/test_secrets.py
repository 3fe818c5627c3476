"""The API key never reaches the log file, even at DEBUG, where websockets logs its handshake."""

from __future__ import annotations

import logging

import pytest

from tests.log_support import logging_to
from tui.emulator import DEMO


@pytest.fixture
def debug_log(tmp_path):
    with logging_to(tmp_path / "aichat-tui.log", [DEMO.qiniu_api_key],
                    level=logging.DEBUG) as path:
        yield path


async def test_the_key_is_redacted_from_a_debug_log(speech, debug_log):
    await speech.list_voices(refresh=True)
    await speech.synthesize("你好。", voice="qiniu_zh_female_wwxkjx", speed=1.0)
    assert [c async for c in speech.stream("你好。", voice="qiniu_zh_female_wwxkjx", speed=1.0)]
    log = debug_log.read_text(encoding="utf-8")
    assert "Authorization: Bearer ***" in log, "the handshake is logged, with the key redacted"
    assert DEMO.qiniu_api_key not in log
