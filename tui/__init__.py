"""aichat-tui: a keyboard-driven terminal chat client."""

__version__ = "0.1.0"
