"""`aichat-tui` (no subcommand): the terminal app; with --demo, against the embedded emulator."""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from typing import TYPE_CHECKING

from tui.commands.session import command_settings
from tui.domain.errors import SettingsError
from tui.settings import Settings, default_config_path, default_data_dir

if TYPE_CHECKING:
    from tui.ui.app import AichatApp


def run(args: argparse.Namespace) -> int:
    with ExitStack() as stack:
        app = build_app(args.demo, stack)
        app.run()
    return app.return_code or 0


def build_app(demo: bool, stack: ExitStack) -> AichatApp:
    """The app as `aichat-tui [--demo]` starts it; `stack` holds what must outlive start-up
    (the demo emulator) until the app has quit."""
    from tui.ui.app import make_app

    try:
        # The app shows the settings notice itself, on screen.
        settings = stack.enter_context(command_settings(demo, warn=False))
    except SettingsError as error:
        # Open anyway, to show on screen what is wrong and where; the history stays usable.
        data_dir = default_data_dir()
        settings = Settings(config_path=default_config_path(),
                            data_dir=data_dir / "demo" if demo else data_dir, demo=demo)
        return make_app(settings, problem=error)
    return make_app(settings)
