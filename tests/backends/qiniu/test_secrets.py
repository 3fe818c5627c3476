"""The API key never reaches the log file, even at DEBUG, where websockets logs its handshake."""

from __future__ import annotations

import logging

import pytest

from tui.emulator import DEMO
from tui.logs import setup_logging

LOGGERS = ("tui", "httpx", "httpcore")


@pytest.fixture
def debug_log(tmp_path):
    saved = {name: (logging.getLogger(name).handlers[:], logging.getLogger(name).level,
                    logging.getLogger(name).propagate) for name in LOGGERS}
    path = tmp_path / "aichat-tui.log"
    setup_logging(path, [DEMO.qiniu_api_key], level=logging.DEBUG)
    yield path
    for name, (handlers, level, propagate) in saved.items():
        logger = logging.getLogger(name)
        for handler in logger.handlers:
            handler.close()
        logger.handlers[:], logger.level, logger.propagate = handlers, level, propagate


async def test_the_key_is_redacted_from_a_debug_log(speech, debug_log):
    await speech.list_voices(refresh=True)
    await speech.synthesize("你好。", voice="qiniu_zh_female_wwxkjx", speed=1.0)
    assert [c async for c in speech.stream("你好。", voice="qiniu_zh_female_wwxkjx", speed=1.0)]
    log = debug_log.read_text(encoding="utf-8")
    assert "Authorization: Bearer ***" in log, "the handshake is logged, with the key redacted"
    assert DEMO.qiniu_api_key not in log
