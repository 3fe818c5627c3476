"""`aichat-tui emulator`: serve the vendor emulators in the foreground."""

from __future__ import annotations

import argparse
import shlex
import threading


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "emulator", help="run the Tongyi/Qiniu emulator on 127.0.0.1 in the foreground",
        description="Serve faithful emulators of Alibaba's Tongyi and Qiniu's voice APIs on "
                    "127.0.0.1, and print the settings that point aichat-tui at them.")
    parser.add_argument("--port", type=int, default=0,
                        help="port to listen on (default: a free one)")
    parser.add_argument("--event-delay", type=float, default=None, metavar="SECONDS",
                        help="pause between two stream events (default: 0.03)")


def run(args: argparse.Namespace) -> int:
    from tui.emulator import Emulator, EmulatorConfig

    config = EmulatorConfig()
    if args.event_delay is not None:
        config.event_delay = max(0.0, args.event_delay)
    try:
        with Emulator.in_thread(config, port=args.port) as emu:
            print(f"Emulator listening on {emu.base_url}  (Ctrl+C to stop)")
            print("Point aichat-tui at it with:")
            for name, value in emu.client_env().items():
                print(f"  export {name}={shlex.quote(value)}")
            print("Scenarios (keywords in the question): see docs/emulator.md", flush=True)
            threading.Event().wait()
    except KeyboardInterrupt:
        print("Emulator stopped.")  # Ctrl+C is how it is meant to stop
    except OSError as e:
        print(f"aichat-tui: cannot listen on port {args.port}: {e.strerror}.")
        return 2
    return 0
