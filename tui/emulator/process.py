"""The emulator in a process of its own, as `--demo` runs it (and bench/, to time the client
alone).

Its start-up (aiohttp and the emulators: about 170 ms) then runs beside the app's own instead
of before it. The listening socket is made here, before the process starts, so the address is
known at once and a request made before the server is up waits in the socket's queue rather
than being refused. The process stops when its standard input closes: when the app ends, but
also when it is killed.
"""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

# Time for the server to stop cleanly once its input closed, before it is killed.
STOP_TIMEOUT = 5.0
# The server's process imports the same `tui` as ours, whatever folder the app started in.
_START = "import sys; sys.path[0] = {!r}; from tui.emulator.process import main; main()"
_ROOT = str(Path(__file__).resolve().parents[2])


@contextmanager
def emulator_process(state_dir: Path, errors: IO[Any] | int,
                     event_delay: float | None = None) -> Iterator[str]:
    """Serve the emulator (its state kept in `state_dir`, its own errors written to `errors`,
    its streams' pause between events `event_delay` if given) while the context lasts; gives
    its base URL."""
    delay = "" if event_delay is None else str(max(0.0, event_delay))
    with socket.create_server(("127.0.0.1", 0), backlog=128) as listening:
        server = subprocess.Popen(
            [sys.executable, "-c", _START.format(_ROOT), str(listening.fileno()), str(state_dir),
             delay],
            pass_fds=(listening.fileno(),), stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
            stderr=errors, start_new_session=True)  # ctrl+c at the terminal is the app's
        host, port = listening.getsockname()[:2]
    try:
        yield f"http://{host}:{port}"
    finally:
        assert server.stdin is not None
        server.stdin.close()
        try:
            server.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


async def _serve(listening: socket.socket, state_dir: Path, delay: str) -> None:
    from tui.emulator.server import Emulator, EmulatorConfig

    config = EmulatorConfig(state_dir=state_dir)
    if delay:
        config.event_delay = float(delay)
    emulator = Emulator(config)
    await emulator.start(sock=listening)
    try:
        # Reads until the app's end of the pipe closes.
        await asyncio.to_thread(sys.stdin.buffer.read)
    finally:
        await emulator.stop()


def main() -> None:
    """The server's side: `sys.argv` holds the listening socket's descriptor, the state
    folder and the pause between events ("": the emulator's own)."""
    fd, state, delay = sys.argv[1:4]
    asyncio.run(_serve(socket.socket(fileno=int(fd)), Path(state), delay))
