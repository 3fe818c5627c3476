"""Long replies stay real-time: the app streaming 5, 100 and 400 KB replies at 100 events/s.

    ./run python bench/reply_length.py [--sizes 5000,100000,400000] [--events 2000] [--rate 100]

Each size runs in a fresh headless app (80x24, its own process) against the emulator in
another process (`#bench chars=N events=M rate=R`: prose, lists and a long fence). Printed per
size: the app's CPU from the question to the final render, the wall time against the nominal
stream time (M / R: 1.00x keeps up), and the time from the reply's last event to its final
render. Ratios are against the 100 KB case of this run (the target: 400 KB costs at most 4x
the CPU of 100 KB, keeps up within 1.1x, and finishes in under 200 ms). Asserts nothing. On a
shared machine, read the CPU ratios rather than absolute seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from emulator_process import emulator_process  # noqa: E402


def child(question: str) -> dict:
    import asyncio

    from tui.backends import registry
    from tui.domain.events import ReplyFinished
    from tui.domain.providers import ChatProvider
    from tui.settings import load_settings
    from tui.ui.app import make_app
    from tui.ui.chat_providers import ChatProviders
    from tui.ui.widgets.prompt import Prompt

    settings = load_settings(env={**os.environ, "AICHAT_CHAT_PROVIDER": "tongyi"})
    provider = registry.build(settings, "tongyi")
    marks: dict[str, float] = {}

    class TimedProvider:
        name = provider.name

        async def stream_reply(self, request):
            async for event in provider.stream_reply(request):
                if isinstance(event, ReplyFinished):
                    marks["last_event"] = time.monotonic()
                yield event

        async def aclose(self) -> None:
            await provider.aclose()

    timed = TimedProvider()

    class TimedProviders(ChatProviders):
        def get(self, name: str) -> ChatProvider:
            return timed

        async def aclose(self) -> None:
            await timed.aclose()

    app = make_app(settings, providers=TimedProviders(settings))
    result: dict = {}

    async def drive(pilot) -> None:
        await pilot.pause()
        app.screen.query_one(Prompt).text = question
        cpu, wall = time.process_time(), time.monotonic()
        await pilot.press("enter")
        while app.screen.replying:
            await asyncio.sleep(0.02)
        ended = time.monotonic()
        await pilot.pause()
        result["cpu"] = time.process_time() - cpu
        result["wall"] = ended - wall
        result["finish"] = ended - marks.get("last_event", ended)
        result["chars"] = len(app.screen.query("ReplyMessage").last().copy_text)
        app.exit()

    app.run(headless=True, size=(80, 24), auto_pilot=drive)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="5000,100000,400000")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--child")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    sizes = [int(size) for size in args.sizes.split(",")]
    nominal = args.events / args.rate
    print(f"{args.events} events at {args.rate:g}/s: {nominal:.0f} s nominal per reply")
    results: dict[int, dict] = {}
    with emulator_process() as emulator_env, tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, **emulator_env, "AICHAT_TUI_DATA_DIR": scratch,
               "AICHAT_TUI_CONFIG": str(Path(scratch) / "config.toml")}
        for size in sizes:
            question = f"#bench chars={size} events={args.events} rate={args.rate:g}"
            try:
                done = subprocess.run([sys.executable, __file__, "--child", question], env=env,
                                      capture_output=True, text=True, timeout=args.timeout)
            except subprocess.TimeoutExpired:
                print(f"{size / 1000:6.0f} KB: did not finish within {args.timeout:.0f} s "
                      f"({args.timeout / nominal:.0f}x nominal)", flush=True)
                continue
            if done.returncode != 0:
                raise SystemExit(f"the {size} run failed:\n{done.stderr}")
            r = results[size] = json.loads(done.stdout.strip().splitlines()[-1])
            shown = "all" if r["chars"] == size else f"{r['chars']} characters"
            print(f"{size / 1000:6.0f} KB: CPU {r['cpu']:7.2f} s  wall {r['wall'] / nominal:5.2f}x "
                  f"nominal  final render {r['finish'] * 1000:7.1f} ms  shown: {shown}",
                  flush=True)
    base = results.get(100_000)
    if base is not None:
        print("CPU against the 100 KB case: " + "  ".join(
            f"{size / 1000:.0f} KB {r['cpu'] / base['cpu']:.2f}x" for size, r in results.items()))

if __name__ == "__main__":
    main()
