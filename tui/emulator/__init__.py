"""Faithful emulators of the vendor services on a real loopback server.

Shares no code with the client side of aichat-tui (its own signature checks, its own framing):
a bug on one side must not be mirrored on the other.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tui.emulator.demo import DEMO

if TYPE_CHECKING:
    from tui.emulator.server import Emulator, EmulatorConfig

__all__ = ["DEMO", "Emulator", "EmulatorConfig"]


def __getattr__(name: str) -> Any:
    # The server (aiohttp) is imported when asked for: `--demo` runs it in a process of its
    # own, and the app's process never needs it.
    if name in ("Emulator", "EmulatorConfig"):
        from tui.emulator import server

        return getattr(server, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
