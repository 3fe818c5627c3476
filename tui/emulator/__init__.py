"""Faithful emulators of the vendor services on a real loopback server.

Shares no code with the client side of aichat-tui (its own signature checks, its own framing):
a bug on one side must not be mirrored on the other.
"""

from tui.emulator.server import DEMO, Emulator, EmulatorConfig

__all__ = ["DEMO", "Emulator", "EmulatorConfig"]
