"""The vocabulary of aichat-tui: plain Python, no I/O, no Textual, no httpx."""
