"""Targets: the whole app streaming a long markdown reply costs <= 1.0x the CPU of a bare
MarkdownStream fed the same deltas (goal <= 0.5x); and how long a delta takes to reach the screen.

    ./run python bench/app_stream.py [--chars 20000] [--events 2000] [--rate 100]
                                     [--provider tongyi|qiniu|openai]

The emulator runs in its own process and sends `#bench chars=N events=M rate=R`: a reply with
prose, a list and a long ```python fence, as M events at R per second (cumulative snapshots
for Tongyi, `delta.content` chunks for the OpenAI-compatible providers). Two more
processes, each a headless Textual app at 80x24, are measured one after the other:

* app:  `make_app()` itself, asking the question through its prompt, over HTTP/SSE, saving
        the reply to its history as it streams, and ending with its full render;
* bare: one Markdown widget in an anchored scroll view, with Markdown.get_stream() fed the
        same deltas on the same schedule (the peers' fastest approach, PEERS.md #10).

CPU is the process's own (all threads) from the question to the last render. Latency is,
per event, from its arrival (the app: when the provider yields it; bare: when it is written)
to the first frame composed after the Markdown widget has taken that text in. Prints the
figures and ratios of this one run; asserts nothing.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from emulator_process import emulator_process  # noqa: E402

# -- measuring inside a child --------------------------------------------------------------

class Timeline:
    """When text arrived, when the Markdown widget had taken it in, when frames were composed."""

    def __init__(self) -> None:
        self.arrivals: list[tuple[float, int]] = []  # (time, characters so far)
        self.taken_in = 0  # characters the widget has finished appending or rendering
        self.frames: list[tuple[float, int]] = []  # (time, taken_in at that frame)

    def instrument(self, app) -> None:
        from textual.await_complete import AwaitComplete
        from textual.widgets import Markdown

        from tui.ui.widgets.reply_markdown import ReplyMarkdown

        timeline = self

        def counted(call, length_after):
            async def done() -> None:
                await call
                timeline.taken_in = max(timeline.taken_in, length_after)
            return AwaitComplete(done())

        # The app's widget takes most appends itself, straight into its open block, without
        # Markdown's own append: both classes are timed.
        for widget_class in (Markdown, ReplyMarkdown):
            append, update = widget_class.append, widget_class.update

            def append_counted(widget, markdown: str, append=append):
                return counted(append(widget, markdown), len(widget.source) + len(markdown))

            def update_counted(widget, markdown: str, update=update):
                return counted(update(widget, markdown), len(markdown))

            widget_class.append, widget_class.update = append_counted, update_counted
        display = app._display

        def display_timed(screen, renderable) -> None:
            if renderable is not None:
                timeline.frames.append((time.monotonic(), timeline.taken_in))
            display(screen, renderable)

        app._display = display_timed

    def latencies(self) -> list[float]:
        result, frame = [], 0
        for arrived, length in self.arrivals:
            while frame < len(self.frames) and (self.frames[frame][0] < arrived
                                                or self.frames[frame][1] < length):
                frame += 1
            if frame < len(self.frames):
                result.append(self.frames[frame][0] - arrived)
        return result


def child_app(question: str, provider_name: str) -> dict:
    from tui.backends import registry
    from tui.domain.events import TextChanged
    from tui.domain.providers import ChatProvider
    from tui.settings import load_settings
    from tui.ui.app import make_app
    from tui.ui.chat_providers import ChatProviders
    from tui.ui.widgets.prompt import Prompt

    timeline = Timeline()
    settings = load_settings(env={**os.environ, "AICHAT_CHAT_PROVIDER": provider_name})
    provider = registry.build(settings, provider_name)

    class TimedProvider:
        name = provider.name

        async def stream_reply(self, request):
            async for event in provider.stream_reply(request):
                if isinstance(event, TextChanged):
                    timeline.arrivals.append((time.monotonic(), len(event.text)))
                yield event

        async def aclose(self) -> None:
            await provider.aclose()

    timed = TimedProvider()

    class TimedProviders(ChatProviders):
        def get(self, name: str) -> ChatProvider:
            assert name == provider_name
            return timed

        async def aclose(self) -> None:
            await timed.aclose()

    app = make_app(settings, providers=TimedProviders(settings))
    timeline.instrument(app)
    result: dict = {}

    async def drive(pilot) -> None:
        await pilot.pause()
        app.screen.query_one(Prompt).text = question
        cpu = time.process_time()
        await pilot.press("enter")
        while app.screen.replying:
            # Not pilot.pause(): it forces a refresh and pings every widget, which would be
            # measured as the app's own work.
            await asyncio.sleep(0.1)
        await pilot.pause()
        result["cpu"] = time.process_time() - cpu
        result["chars"] = len(app.screen.query("ReplyMessage").last().copy_text)
        app.exit()

    app.run(headless=True, size=(80, 24), auto_pilot=drive)
    result["latencies"] = timeline.latencies()
    result["frames"] = len(timeline.frames)
    return result


def child_bare(deltas: list[str], rate: float) -> dict:
    from textual.app import App, ComposeResult
    from textual.containers import VerticalScroll
    from textual.widgets import Markdown

    timeline = Timeline()

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            with VerticalScroll():
                yield Markdown()

    app = Bare()
    timeline.instrument(app)
    result: dict = {}

    async def drive(pilot) -> None:
        await pilot.pause()
        app.query_one(VerticalScroll).anchor()
        markdown = app.query_one(Markdown)
        stream = Markdown.get_stream(markdown)
        cpu, start, length = time.process_time(), time.monotonic(), 0
        for k, delta in enumerate(deltas):
            await asyncio.sleep(max(0.0, start + k / rate - time.monotonic()))
            length += len(delta)
            timeline.arrivals.append((time.monotonic(), length))
            await stream.write(delta)
        await stream.stop()
        await pilot.pause()
        result["cpu"] = time.process_time() - cpu
        result["chars"] = len(markdown.source)
        app.exit()

    app.run(headless=True, size=(80, 24), auto_pilot=drive)
    result["latencies"] = timeline.latencies()
    result["frames"] = len(timeline.frames)
    return result


# -- the run ---------------------------------------------------------------------------------

async def record_deltas(question: str, provider_name: str) -> list[str]:
    """The appended text of each event of the reply, as the client's provider yields them."""
    from tui.backends import registry
    from tui.domain.events import TextChanged
    from tui.domain.providers import ChatRequest
    from tui.settings import load_settings

    provider = registry.build(load_settings(), provider_name)
    deltas: list[str] = []
    try:
        async for event in provider.stream_reply(ChatRequest(question)):
            if isinstance(event, TextChanged):
                assert event.edit.is_append, "the bench reply only grows"
                deltas.append(event.edit.insert)
    finally:
        await provider.aclose()
    return deltas


def run_child(kind: str, env: dict[str, str], argument: str, provider: str) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", kind, "--provider", provider,
                           argument], env=env,
                          capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        raise SystemExit(f"the {kind} run failed:\n{done.stderr}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def milliseconds(values: list[float]) -> str:
    ordered = sorted(values)
    median = statistics.median(ordered) * 1000
    p95 = ordered[int(0.95 * (len(ordered) - 1))] * 1000
    return f"median {median:6.1f} ms, p95 {p95:6.1f} ms"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chars", type=int, default=20000)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rate", type=float, default=100.0)
    parser.add_argument("--provider", choices=("tongyi", "qiniu", "openai"), default="tongyi")
    parser.add_argument("--child", choices=("app", "bare"))
    parser.add_argument("argument", nargs="?")
    args = parser.parse_args()
    if args.child == "app":
        print(json.dumps(child_app(args.argument, args.provider)))
        return
    if args.child == "bare":
        spec = json.loads(Path(args.argument).read_text(encoding="utf-8"))
        print(json.dumps(child_bare(spec["deltas"], spec["rate"])))
        return

    question = f"#bench chars={args.chars} events={args.events} rate={args.rate:g}"
    with emulator_process() as emulator_env, tempfile.TemporaryDirectory() as scratch:
        env = {**os.environ, **emulator_env, "AICHAT_TUI_DATA_DIR": scratch,
               "AICHAT_TUI_CONFIG": str(Path(scratch) / "config.toml")}
        os.environ.update(env)
        deltas = asyncio.run(record_deltas(f"#bench chars={args.chars} events={args.events}",
                                           args.provider))
        spec = Path(scratch) / "deltas.json"
        spec.write_text(json.dumps({"deltas": deltas, "rate": args.rate}), encoding="utf-8")
        print(f"{args.provider} {question}: {len(deltas)} deltas, "
              f"{sum(map(len, deltas))} characters, "
              f"{len(deltas) / args.rate:.0f} s of streaming per run")
        app = run_child("app", env, question, args.provider)
        bare = run_child("bare", env, str(spec), args.provider)

    assert app["chars"] == bare["chars"] == args.chars, (app["chars"], bare["chars"])
    print(f"(a) CPU   app {app['cpu']:6.2f} s   bare MarkdownStream {bare['cpu']:6.2f} s   "
          f"ratio {app['cpu'] / bare['cpu']:.2f}x (target <= 1.0x, goal <= 0.5x)")
    print(f"    frames composed: app {app['frames']}, bare {bare['frames']}")
    print(f"(b) event to screen   app:  {milliseconds(app['latencies'])}")
    print(f"                      bare: {milliseconds(bare['latencies'])}")


if __name__ == "__main__":
    main()
