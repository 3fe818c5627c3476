"""Shared fixtures: an isolated config/data dir for every test, and the emulator on loopback."""

from __future__ import annotations

import pytest

from tui.emulator import Emulator, EmulatorConfig


@pytest.fixture(autouse=True)
def isolated_env(tmp_path, monkeypatch):
    """No test reads the developer's real settings, keys or history."""
    for name in list(__import__("os").environ):
        if name.startswith(("ALIBABA_CLOUD_", "AICHAT_", "OPENAI_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AICHAT_TUI_CONFIG", str(tmp_path / "config" / "config.toml"))
    monkeypatch.setenv("AICHAT_TUI_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


@pytest.fixture
def emulator_config() -> EmulatorConfig:
    return EmulatorConfig(event_delay=0.0, tts_start_latency=0.0, tts_latency_per_char=0.0)


@pytest.fixture
async def emulator(emulator_config):
    """The emulator serving on a free loopback port in the test's own event loop."""
    emu = Emulator(emulator_config)
    await emu.start()
    try:
        yield emu
    finally:
        await emu.stop()


@pytest.fixture
def emulator_env(emulator, monkeypatch):
    """The environment variables that point the client at the running emulator."""
    for name, value in emulator.client_env().items():
        monkeypatch.setenv(name, value)
    return emulator.client_env()


@pytest.fixture
def file_server(tmp_path):
    """A plain HTTP server for the files in a folder (audio "on a public URL")."""
    import functools
    import http.server
    import threading
    from types import SimpleNamespace

    root = tmp_path / "public"
    root.mkdir()

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep test output clean
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield SimpleNamespace(root=root, url=f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()
        server.server_close()
