"""The ``simfutures`` command: a thin shell over the commands in ``simfutures.commands``.

Each command module provides ``add_arguments(parser)`` and ``main(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from simfutures.errors import SimfuturesError
from simfutures.program import EXIT_USAGE

COMMANDS = {
    "run": "run one schedule of a script or scenario and show what it did",
    "explore": "run many schedules and group them by outcome (hunt races)",
    "check": "verify scenario claims (or that no schedule of a script fails)",
    "compare": "run real and simulated, check reality only does what the sim allows",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="simfutures",
        description="Test and debug concurrent.futures code on a deterministic simulator.")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, help_text in COMMANDS.items():
        module = importlib.import_module(f"simfutures.commands.{name}")
        command = sub.add_parser(name, help=help_text, description=help_text)
        module.add_arguments(command)
        command.set_defaults(handler=module.main)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except SimfuturesError as exc:
        # Our own errors are about the user's input: one screen, no traceback.
        print(f"simfutures {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("simfutures: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
