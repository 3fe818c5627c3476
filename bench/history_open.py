"""How long opening the history and loading a long conversation takes, and how much memory.

    ./run python bench/history_open.py [--messages 500]

Builds a throwaway history with one conversation of realistic chat messages (short questions,
markdown answers of a few hundred to a few thousand characters, English and Chinese), then
times `History.open()` + `messages()` against the floor: a bare sqlite3 connection reading the
same rows. Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

from tui.domain.conversation import Message, MessageStatus, Role
from tui.store import History

QUESTIONS = [
    "How do I read a CSV file in Python and skip the header?",
    "杭州明天会下雨吗？需要带伞吗？",
    "Explain the difference between a process and a thread.",
    "帮我写一个快速排序的例子。",
    "What is a good name for a cat?",
]
PARAGRAPHS = [
    "The short answer is **yes**, but it depends on what you mean by *fast*. "
    "For most workloads the default settings are fine, and tuning only matters at scale.",
    "根据天气预报，明天杭州多云转小雨，气温 18 到 24 度，东风 3 级。建议出门带一把折叠伞。",
    "- First, open the file with `open(path, newline='')`.\n"
    "- Then wrap it in `csv.reader` and call `next()` once to skip the header.\n"
    "- Finally, iterate over the remaining rows.",
    "```python\ndef quicksort(items):\n    if len(items) <= 1:\n        return items\n"
    "    pivot, *rest = items\n    return (quicksort([x for x in rest if x < pivot]) + [pivot]\n"
    "            + quicksort([x for x in rest if x >= pivot]))\n```",
    "| Kind | Memory | Switch cost |\n|---|---|---|\n| Process | separate | high |\n"
    "| Thread | shared | low |",
    "快速排序的平均时间复杂度是 O(n log n)，最坏情况是 O(n²)，通常通过随机选择基准来避免。",
]


def answer(rng: random.Random) -> str:
    """A markdown reply of roughly 300-4000 characters."""
    return "\n\n".join(rng.choice(PARAGRAPHS) for _ in range(rng.randint(2, 16)))


def build(path: Path, count: int) -> int:
    rng = random.Random(42)
    with History.open(path) as history:
        conversation_id = history.create_conversation("A long conversation").id
        assert conversation_id is not None  # set by the history, typed optional for drafts
        start = time.time() - count * 30
        for i in range(count):
            at = start + i * 30
            if i % 2 == 0:
                history.add_message(conversation_id, Message(Role.USER, rng.choice(QUESTIONS), at))
            else:
                history.add_message(conversation_id, Message(Role.ASSISTANT, answer(rng), at,
                                                             MessageStatus.COMPLETE))
        return conversation_id


def load(path: Path, conversation_id: int) -> list[Message]:
    with History.open(path) as history:
        return history.messages(conversation_id)


def load_bare(path: Path, conversation_id: int) -> list[tuple]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT id, role, text, status, created_at, meta FROM messages"
                            " WHERE conversation_id = ? ORDER BY id", (conversation_id,)).fetchall()
    finally:
        conn.close()


def best_of(runs: int, work: Callable[[], object]) -> tuple[float, float]:
    """The best and the median of `runs` timings of `work()`."""
    times = []
    for _ in range(runs):
        began = time.perf_counter()
        work()
        times.append(time.perf_counter() - began)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "history.sqlite3"
        conversation_id = build(path, args.messages)
        messages = load(path, conversation_id)
        text_bytes = sum(len(m.text.encode("utf-8")) for m in messages)
        file_bytes = sum(p.stat().st_size for p in Path(folder).iterdir())

        ours_best, ours_median = best_of(args.runs, lambda: load(path, conversation_id))
        bare_best, bare_median = best_of(args.runs, lambda: load_bare(path, conversation_id))

        tracemalloc.start()
        kept = load(path, conversation_id)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()

    print(f"conversation: {len(kept)} messages, {text_bytes / 1024:.0f} KiB of UTF-8 text; "
          f"history file (with index and WAL) {file_bytes / 1024:.0f} KiB")
    print(f"History.open + messages(): best {ours_best * 1000:.2f} ms, "
          f"median {ours_median * 1000:.2f} ms "
          f"(sqlite {sqlite3.sqlite_version}, {args.runs} runs)")
    print(f"bare sqlite3 connect + SELECT: best {bare_best * 1000:.2f} ms, "
          f"median {bare_median * 1000:.2f} ms")
    print(f"ratio to the bare read (best): {ours_best / bare_best:.2f}x")
    print(f"tracemalloc peak while loading: {peak / 1024:.0f} KiB "
          f"= {peak / max(text_bytes, 1):.2f}x the text it holds")


if __name__ == "__main__":
    main()
