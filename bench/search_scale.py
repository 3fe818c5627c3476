"""History search at 100,000 messages: per-query median and p95, against 1,000 messages.

    ./run python bench/search_scale.py [--messages 100000] [--keep DIR]

Builds two histories through the store's own API (10 messages per conversation, realistic
English and Chinese text from bench/history_open.py): a baseline of 1,000 messages and the
large one. Every query of QUERIES runs RUNS times on each; printed: per-query and overall
median/p95, and the ratio of the large history's to the baseline's in this run (a ratio near
1 means search cost does not grow with the history). `--keep DIR` reuses histories built by
an earlier run. Asserts nothing. The figures are wall time of `History.search` (one SQLite
query on one connection): on a busy machine, compare the ratios rather than the milliseconds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from history_open import QUESTIONS, answer  # noqa: E402

from tui.domain.conversation import Message, MessageStatus, Role  # noqa: E402
from tui.store import History  # noqa: E402

PER_CONVERSATION = 10
RUNS = 15
# One character, two (Chinese), a common word, two words, a rare word, no match at all, and a
# two-character term found nowhere (the worst case of a LIKE scan).
QUERIES = ["a", "雨", "杭州", "python", "header skip", "vcpkg", "zzqqxx", "zq"]


def build(path: Path, count: int) -> None:
    if path.exists():
        return
    rng = random.Random(7)
    start = time.time() - count * 60
    with History.open(path) as history:
        for c in range(count // PER_CONVERSATION):
            conversation_id = history.create_conversation(rng.choice(QUESTIONS)).id
            assert conversation_id is not None
            for i in range(PER_CONVERSATION):
                at = start + (c * PER_CONVERSATION + i) * 60
                if i % 2 == 0:
                    message = Message(Role.USER, rng.choice(QUESTIONS), at)
                elif rng.random() < 0.001:
                    message = Message(Role.ASSISTANT, "Try vcpkg for C++ packages.", at,
                                      MessageStatus.COMPLETE)
                else:
                    message = Message(Role.ASSISTANT, answer(rng), at, MessageStatus.COMPLETE)
                history.add_message(conversation_id, message)


def timings(path: Path) -> dict[str, list[float]]:
    result: dict[str, list[float]] = {}
    with History.open(path) as history:
        for query in QUERIES:
            history.search(query)  # warm the page cache
            times = []
            for _ in range(RUNS):
                began = time.perf_counter()
                history.search(query)
                times.append(time.perf_counter() - began)
            result[query] = times
    return result


def summary(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered) * 1000, ordered[int(0.95 * (len(ordered) - 1))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = args.keep or Path(scratch)
        folder.mkdir(parents=True, exist_ok=True)
        small, large = folder / "search-1000.sqlite3", folder / f"search-{args.messages}.sqlite3"
        began = time.perf_counter()
        build(small, 1000)
        build(large, args.messages)
        print(f"histories built in {time.perf_counter() - began:.0f} s")
        base, big = timings(small), timings(large)
    print(f"{'query':>12}  {'1,000 msgs median/p95':>22}  {args.messages:,} msgs median/p95")
    for query in QUERIES:
        (bm, bp), (lm, lp) = summary(base[query]), summary(big[query])
        print(f"{query!r:>12}  {bm:9.2f} / {bp:7.2f} ms  {lm:9.2f} / {lp:7.2f} ms")
    (bm, bp) = summary([t for q in QUERIES for t in base[q]])
    (lm, lp) = summary([t for q in QUERIES for t in big[q]])
    print(f"all queries: {args.messages:,} messages median {lm:.2f} ms, p95 {lp:.2f} ms "
          f"(target <= 30 ms); 1,000 messages median {bm:.2f} ms, p95 {bp:.2f} ms; "
          f"ratio p95 {lp / bp:.1f}x")


if __name__ == "__main__":
    main()
