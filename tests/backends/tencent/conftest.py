from __future__ import annotations

import pytest

from tui.backends.tencent.client import TencentClient
from tui.emulator import EmulatorConfig
from tui.settings import load_settings


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(tts_start_latency=0.0, tts_latency_per_char=0.0, tencent_qps=100,
                          tencent_callback_delay=0.05, tencent_callback_retry_delay=0.05,
                          tencent_segment_gap=0.01)


@pytest.fixture
async def tencent(emulator_env):
    client = TencentClient.from_settings(load_settings())
    client._retry_delays = (0.05, 0.05, 0.05)
    try:
        yield client
    finally:
        await client.aclose()
