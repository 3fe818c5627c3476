"""Target: 10 consecutive `aichat-tui ask` processes apply for one Tongyi token, not 10.

    ./run python bench/token_sharing.py [--asks 10]

Runs the asks against the emulator twice: once sharing one data folder (the token is shared
through its private token file) and, as the baseline, each in a fresh data folder (what every
`ask` paid before). Prints the token applications the emulator counted, the ratio, and the
median wall time per ask of each run (one signed HTTPS round trip less per question against
the real service; on loopback the difference is small). Asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tui.emulator import Emulator, EmulatorConfig


def run_asks(env: dict[str, str], count: int, shared: bool, root: Path) -> list[float]:
    times = []
    for index in range(count):
        data = root / ("shared" if shared else f"fresh-{index}")
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "tui", "ask", "你好"], check=True,
                       env={**env, "AICHAT_TUI_DATA_DIR": str(data)}, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--asks", type=int, default=10)
    args = parser.parse_args()
    with Emulator.in_thread(EmulatorConfig(event_delay=0.0)) as emu, \
            tempfile.TemporaryDirectory() as tmp:
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("AICHAT_")},
               **emu.client_env(), "AICHAT_TUI_CONFIG": str(Path(tmp) / "none.toml")}
        before = emu.aliyun.token_requests
        fresh = run_asks(env, args.asks, shared=False, root=Path(tmp))
        unshared = emu.aliyun.token_requests - before
        before = emu.aliyun.token_requests
        kept = run_asks(env, args.asks, shared=True, root=Path(tmp))
        shared = emu.aliyun.token_requests - before
    print(f"token applications for {args.asks} asks: shared {shared}, "
          f"each alone {unshared} (ratio {shared / unshared:.2f})")
    print(f"median wall per ask: shared {statistics.median(kept) * 1000:.0f} ms, "
          f"each alone {statistics.median(fresh) * 1000:.0f} ms "
          f"(ratio {statistics.median(kept) / statistics.median(fresh):.2f}; shared machine)")


if __name__ == "__main__":
    main()
