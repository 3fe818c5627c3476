"""Opening a 500-message conversation in the app: time until it is on screen, and memory.

    ./run python bench/open_conversation.py [--messages 500]

The same realistic history as bench/history_open.py, opened in the real app (headless,
120x40) with ChatScreen.open_conversation: the store read, the message widgets, markdown
rendering of what is visible, and the first frame. Printed beside the same for a 10-message
conversation, measured in this run, so the figure shows how it scales. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from history_open import build  # noqa: E402

from tui.settings import load_settings  # noqa: E402
from tui.store import History  # noqa: E402
from tui.ui.app import make_app  # noqa: E402


async def open_in_app(path: Path, conversation_id: int, *, trace: bool) -> tuple[float, int]:
    """Seconds from the request to the painted screen, or (tracing, which slows Python
    severalfold, so in runs of its own) the peak Python memory it took."""
    history = History.open(path)
    app = make_app(load_settings(), history=history)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()
        if trace:
            tracemalloc.start()
        start = time.perf_counter()
        await app.screen.open_conversation(conversation_id)
        await pilot.pause()
        elapsed = time.perf_counter() - start
        peak = tracemalloc.get_traced_memory()[1] if trace else 0
        tracemalloc.stop()
    history.close()
    return elapsed, peak


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=500)
    count = parser.parse_args().messages
    with tempfile.TemporaryDirectory() as tmp:
        results = {}
        for n in (10, count):
            path = Path(tmp) / f"h{n}.sqlite3"
            conversation_id = build(path, n)
            times = [(await open_in_app(path, conversation_id, trace=False))[0] for _ in range(3)]
            _, peak = await open_in_app(path, conversation_id, trace=True)
            results[n] = (min(times), peak)
    for n, (seconds, peak) in results.items():
        print(f"{n:4d} messages: on screen in {seconds * 1000:7.1f} ms, "
              f"peak Python memory {peak / 2**20:6.1f} MiB")
    small, large = results[10][0], results[count][0]
    print(f"ratio {count} vs 10 messages: {large / small:.1f}x the time for "
          f"{count / 10:.0f}x the messages")


if __name__ == "__main__":
    asyncio.run(main())
