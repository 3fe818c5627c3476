"""Each test module's emulator, serving in a thread while the module's commands run in their
own processes; `env` points a command at it, with the test's own settings and data."""

from __future__ import annotations

import os

import pytest

from tui.emulator import Emulator, EmulatorConfig


@pytest.fixture(scope="module")
def served_config() -> EmulatorConfig:
    """What the module's emulator is like; a module that needs other latencies overrides it."""
    return EmulatorConfig(event_delay=0.0)


@pytest.fixture(scope="module")
def served(served_config):
    with Emulator.in_thread(served_config) as emu:
        yield emu


@pytest.fixture
def env(served, isolated_env):
    return {**os.environ, **served.client_env()}
