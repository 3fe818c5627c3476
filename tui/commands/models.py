"""`aichat-tui models`: the models of every configured chat provider (cached for a day)."""

from __future__ import annotations

import argparse
import asyncio
import sys

from tui.commands.session import EXIT_OK, EXIT_SERVICE, command_settings, exit_code, report
from tui.domain.errors import AichatError
from tui.domain.inert_text import inert_json, make_inert
from tui.settings import CHAT_PROVIDERS


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "models", help="list the models of the configured chat providers",
        description="List the models each configured chat provider offers (cached for a day). "
                    "The default model of each provider is marked with *.")
    parser.add_argument("--provider", choices=CHAT_PROVIDERS, help="only this provider")
    parser.add_argument("--json", action="store_true",
                        help="print a JSON list of {provider, id, default}")
    parser.add_argument("--refresh", action="store_true", help="ask the servers again")


def run(args: argparse.Namespace) -> int:
    from tui.backends import registry

    settings = None
    try:
        with command_settings(args.demo) as settings:
            if args.provider:
                error = registry.problem(settings, args.provider)
                if error is not None:
                    raise error
                names = [args.provider]
            else:
                names = registry.configured(settings)
                if not names:  # then the default provider is not set up either: say what it needs
                    error = registry.problem(settings, settings.chat.provider)
                    assert error is not None
                    raise error
            return asyncio.run(_list(settings, names, args))
    except AichatError as error:
        report(error, settings)
        return exit_code(error)


async def _list(settings, names: list[str], args: argparse.Namespace) -> int:
    from tui.backends import registry

    rows, failed = [], False
    for name in names:
        try:
            entries = await registry.list_models(settings, name, refresh=args.refresh)
        except AichatError as error:
            report(error, settings)
            failed = True
            continue
        default = registry.default_model(settings, name)
        rows += [(entry, entry.model == default or (default is None and index == 0))
                 for index, entry in enumerate(entries)]
    if args.json:
        print(inert_json([{"provider": entry.provider, "id": entry.id, "default": is_default}
                          for entry, is_default in rows]))
    else:
        width = max((len(entry.provider) for entry, _ in rows), default=0)
        for entry, is_default in rows:
            sys.stdout.write(f"{'*' if is_default else ' '} {entry.provider:<{width}}  "
                             f"{make_inert(entry.id)}\n")
    return EXIT_SERVICE if failed else EXIT_OK
