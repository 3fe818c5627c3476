"""The cost of what the user does now must not depend on how much came before it.

    ./run python bench/conversation_scale.py [stream|home|memory|all] [--messages 500] [--runs 1]

Three scenarios, each a headless app (80x24) in a process of its own against the emulator in
another, each printed with the ratio to its own baseline measured in the same run:

* stream: the same reply (`#bench chars=20000 events=1000 rate=100`, 10 s) streamed into an
  empty chat and into a saved conversation of 500 messages: the app's CPU, peak RSS, and the
  input lag (a message posted to the app every 50 ms: the time until it is handled, p50/p99).
  Target: 500 messages cost at most 1.1x the CPU of the empty chat, lag p99 <= 50 ms.
  On a shared machine one pair's ratio varies by about 10%: `--runs N` measures N pairs (in
  turn one case first, then the other) and gives the median ratio.
* home: a saved conversation of 5,000 messages (baseline 50) opened at its end, then Home
  pressed until the first message is focused: the time and the RSS after. Target: < 1 s.
* memory: 6 then 60 short questions in one session, then ctrl+n: the Python heap allocated
  since the app started (tracemalloc, after a collection) and RSS (which Python seldom gives
  back to the system, so the heap is the measure of what is kept). Targets: 60 questions at
  most 1.5x the memory of 6; after ctrl+n within 10% of the empty chat.

Histories are built through the store's own API (the realistic messages of
bench/history_open.py). The machine running this may be shared: compare the CPU ratios
rather than absolute seconds. Asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from emulator_process import emulator_process  # noqa: E402
from history_open import build  # noqa: E402

STREAM_QUESTION = "#bench chars=20000 events=1000 rate=100"
SHORT_QUESTION = "#bench chars=1500 events=15 rate=0"
HOME_TIMEOUT = 120.0


def rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make() -> object:
    from tui.settings import load_settings
    from tui.store import History
    from tui.ui.app import make_app

    settings = load_settings()
    history = History.open(settings.data_dir / "history.sqlite3")
    return make_app(settings, history=history)


def only_conversation(app) -> int | None:
    listed = app.screen.services.history.list_conversations()
    return listed[0].id if listed else None


async def wait_reply(app) -> None:
    await asyncio.sleep(0.05)
    while app.screen.replying:
        await asyncio.sleep(0.05)


# -- children ------------------------------------------------------------------------------

def child_stream() -> dict:
    from tui.ui.widgets.prompt import Prompt

    app = make()
    result: dict = {}
    lags: list[float] = []

    async def probe() -> None:
        while True:
            posted = time.monotonic()
            app.call_next(lambda posted=posted: lags.append(time.monotonic() - posted))
            await asyncio.sleep(0.05)

    async def drive(pilot) -> None:
        await pilot.pause()
        conversation_id = only_conversation(app)
        if conversation_id is not None:
            await app.screen.open_conversation(conversation_id)
            await pilot.pause()
        app.screen.query_one(Prompt).focus()
        app.screen.query_one(Prompt).text = STREAM_QUESTION
        prober = asyncio.create_task(probe())
        cpu = time.process_time()
        await pilot.press("enter")
        await wait_reply(app)
        await pilot.pause()
        result["cpu"] = time.process_time() - cpu
        prober.cancel()
        app.exit()

    app.run(headless=True, size=(80, 24), auto_pilot=drive)
    result["lag"] = lags
    result["peak_rss"] = peak_rss_mib()
    return result


def child_home() -> dict:
    from tui.ui.widgets.conversation import ConversationView
    from tui.ui.widgets.messages import MessageView

    app = make()
    result: dict = {}

    async def drive(pilot) -> None:
        await pilot.pause()
        conversation_id = only_conversation(app)
        history = app.screen.services.history
        first = history.messages(conversation_id)[0].id
        await app.screen.open_conversation(conversation_id)
        await pilot.pause()
        view = app.screen.query_one(ConversationView)
        view.query(MessageView).last().focus()
        await pilot.pause()
        began, presses = time.monotonic(), 0
        while time.monotonic() - began < HOME_TIMEOUT:
            focused = app.focused
            if isinstance(focused, MessageView) and focused.message.id == first:
                break
            await pilot.press("home")
            presses += 1
            await app.workers.wait_for_complete()
            await pilot.pause()
        else:
            result["timed_out"] = True
        result["seconds"] = time.monotonic() - began
        result["presses"] = presses
        result["rss"] = rss_mib()
        result["peak_rss"] = peak_rss_mib()
        app.exit()

    app.run(headless=True, size=(80, 24), auto_pilot=drive)
    return result


def child_memory() -> dict:
    import tracemalloc

    from tui.ui.widgets.prompt import Prompt

    app = make()
    result: dict = {}

    def measure(name: str) -> None:
        gc.collect()
        result[name] = {"heap": tracemalloc.get_traced_memory()[0] / 2**20, "rss": rss_mib()}

    async def ask(pilot, count: int) -> None:
        for _ in range(count):
            app.screen.query_one(Prompt).text = SHORT_QUESTION
            await pilot.press("enter")
            await wait_reply(app)
        await pilot.pause()

    async def drive(pilot) -> None:
        await pilot.pause()
        tracemalloc.start()
        # A first exchange loads what any chat needs (markdown, the backend): the baseline is
        # the empty chat right after it.
        await ask(pilot, 1)
        await pilot.press("ctrl+n")
        await pilot.pause()
        measure("empty")
        await ask(pilot, 6)
        measure("6 questions")
        await ask(pilot, 54)
        measure("60 questions")
        await pilot.press("ctrl+n")
        await pilot.pause()
        await pilot.pause()
        measure("after ctrl+n")
        tracemalloc.stop()
        app.exit()

    app.run(headless=True, size=(80, 24), auto_pilot=drive)
    return result


CHILDREN = {"stream": child_stream, "home": child_home, "memory": child_memory}


# -- the run ---------------------------------------------------------------------------------

def run_child(kind: str, env: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", kind], env=env,
                          capture_output=True, text=True, timeout=1800)
    if done.returncode != 0:
        raise SystemExit(f"the {kind} run failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def with_history(kind: str, base_env: dict[str, str], scratch: Path, messages: int) -> dict:
    data = scratch / f"{kind}-{messages}"
    data.mkdir(parents=True)
    if messages:
        build(data / "history.sqlite3", messages)
    env = {**base_env, "AICHAT_TUI_DATA_DIR": str(data),
           "AICHAT_TUI_CONFIG": str(data / "config.toml")}
    return run_child(kind, env)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[int(share * (len(ordered) - 1))] * 1000 if ordered else float("nan")


def stream(env: dict[str, str], scratch: Path, messages: int, runs: int) -> None:
    print(f"stream {STREAM_QUESTION!r}:")
    ratios: list[float] = []
    for run in range(runs):
        # Every other pair the other way round: what the machine does meanwhile (another
        # process, the CPU's clock) weighs on both cases alike.
        if run % 2:
            long = with_history("stream", env, scratch / f"run{run}", messages)
            empty = with_history("stream", env, scratch / f"run{run}", 0)
        else:
            empty = with_history("stream", env, scratch / f"run{run}", 0)
            long = with_history("stream", env, scratch / f"run{run}", messages)
        for name, r in (("empty chat", empty), (f"{messages} messages", long)):
            print(f"  {name:>13}: CPU {r['cpu']:6.2f} s  lag p50 "
                  f"{percentile(r['lag'], 0.5):6.1f} ms  p99 {percentile(r['lag'], 0.99):6.1f} ms"
                  f"  peak RSS {r['peak_rss']:6.1f} MiB")
        ratios.append(long["cpu"] / empty["cpu"])
        print(f"  ratio {messages} messages / empty: CPU {ratios[-1]:.2f}x (target <= 1.1x), "
              f"peak RSS {long['peak_rss'] / empty['peak_rss']:.2f}x")
    if runs > 1:
        print(f"  median of {runs} CPU ratios: {statistics.median(ratios):.2f}x "
              f"({' '.join(f'{ratio:.2f}' for ratio in ratios)})")


def home(env: dict[str, str], scratch: Path) -> None:
    small = with_history("home", env, scratch, 50)
    large = with_history("home", env, scratch, 5000)
    print("Home to the first message:")
    for name, r in (("50 messages", small), ("5,000 messages", large)):
        state = " (gave up)" if r.get("timed_out") else ""
        print(f"  {name:>14}: {r['seconds']:7.2f} s{state} in {r['presses']} presses, "
              f"RSS {r['rss']:6.1f} MiB (peak {r['peak_rss']:6.1f})")
    print(f"  ratio 5,000 / 50 messages: time {large['seconds'] / small['seconds']:.1f}x "
          f"(target < 1 s), RSS {large['rss'] / small['rss']:.2f}x")


def memory(env: dict[str, str], scratch: Path) -> None:
    r = with_history("memory", env, scratch, 0)
    print("memory in one session (Python heap after a collection; RSS):")
    for name, m in r.items():
        print(f"  {name:>13}: heap {m['heap']:7.1f} MiB  RSS {m['rss']:6.1f} MiB")
    empty, six, sixty, after = (r[k] for k in ("empty", "6 questions", "60 questions",
                                               "after ctrl+n"))
    print(f"  60 / 6 questions: heap {sixty['heap'] / six['heap']:.2f}x, RSS "
          f"{sixty['rss'] / six['rss']:.2f}x (target <= 1.5x)")
    print(f"  after ctrl+n / empty: heap {after['heap'] / empty['heap']:.2f}x, RSS "
          f"{after['rss'] / empty['rss']:.2f}x (target <= 1.1x)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("scenario", nargs="?", default="all",
                        choices=("stream", "home", "memory", "all"))
    parser.add_argument("--messages", type=int, default=500)
    parser.add_argument("--runs", type=int, default=1, help="stream: pairs measured")
    parser.add_argument("--child", choices=tuple(CHILDREN))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child]()))
        return
    with emulator_process() as emulator_env, tempfile.TemporaryDirectory() as folder:
        env = {**os.environ, **emulator_env}
        scratch = Path(folder)
        if args.scenario in ("stream", "all"):
            stream(env, scratch, args.messages, max(1, args.runs))
        if args.scenario in ("home", "all"):
            home(env, scratch)
        if args.scenario in ("memory", "all"):
            memory(env, scratch)


if __name__ == "__main__":
    main()
