"""The ``simfutures`` command: a thin shell over the commands in ``simfutures.commands``.

Each command module provides ``add_arguments(parser)`` and ``main(args) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from simfutures.errors import SimfuturesError

#: Exit code for input the tool cannot use (``simfutures.program.EXIT_USAGE``; not
#: imported from there, which would load the simulator for ``--version``).
EXIT_USAGE = 2

COMMANDS = {
    "run": "run one schedule of a script or scenario and show what it did",
    "explore": "run many schedules and group them by outcome (hunt races)",
    "check": "verify scenario claims (or that no schedule of a script fails)",
    "compare": "run real and simulated, check reality only does what the sim allows",
}

#: Commands that run a script: everything after ``--`` is the script's own argv.
SCRIPT_COMMANDS = ("run", "explore", "compare")


def version() -> str:
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("simfutures")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


class _VersionAction(argparse.Action):
    """``--version``, looked up only when asked for (importlib.metadata is slow to
    import, and every other command would pay for it)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS,
                 default: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest, nargs=0, default=default,
                         help=help or "show program's version number and exit")

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: object, option_string: str | None = None) -> None:
        print(f"simfutures {version()}")  # on stdout, as argparse's own action does
        parser.exit()


def build_parser(command: str | None = None
                 ) -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    """The top-level parser and each subcommand's own (for its usage on errors).

    Only ``command``'s module is imported and its options added (none for
    ``--version`` or ``--help``): the others get their help line alone, which
    is all the top-level ``--help`` lists, so ``simfutures run`` does not load
    exploration, scenarios or Hypothesis.
    """
    parser = argparse.ArgumentParser(
        prog="simfutures",
        description="Test and debug concurrent.futures code on a deterministic simulator.")
    parser.add_argument("--version", action=_VersionAction)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    commands = {}
    for name, help_text in COMMANDS.items():
        command_parser = sub.add_parser(name, help=help_text, description=help_text)
        if name == command:
            module = importlib.import_module(f"simfutures.commands.{name}")
            module.add_arguments(command_parser)
            command_parser.set_defaults(handler=module.main)
        commands[name] = command_parser
    return parser, commands


def _command_of(argv: list[str]) -> str | None:
    """The command word: the first argument that is not an option (the top level
    has no option that takes a value)."""
    for word in argv:
        if not word.startswith("-"):
            return word if word in COMMANDS else None
        if word == "--":
            return None
    return None


def split_script_args(argv: list[str]) -> tuple[list[str], list[str]]:
    """``(options, script arguments)``: for a command that runs a script, whatever
    follows the first ``--`` belongs to the script, wherever the options stand.

    argparse alone cannot do this: once it has matched the script's positional
    arguments (empty) it rejects words after ``--`` as unrecognised.
    """
    if not argv or argv[0] not in SCRIPT_COMMANDS or "--" not in argv:
        return argv, []
    cut = argv.index("--")
    return argv[:cut], argv[cut + 1:]


def parse(argv: list[str]) -> argparse.Namespace:
    parser, commands = build_parser(_command_of(argv))
    head, tail = split_script_args(argv)
    args, unknown = parser.parse_known_args(head)
    if unknown:
        # The subcommand's usage, not the top level's: that is where the option goes.
        commands[args.command].error(f"unrecognized arguments: {' '.join(unknown)}")
    if tail:
        if getattr(args, "program", None) is None:
            # `simfutures run -- x.py a b`: the program came after the `--` too.
            args.program, tail = tail[0], tail[1:]
        args.args = [*args.args, *tail]
    if args.command in ("run", "compare") and args.program is None:
        commands[args.command].error("the following arguments are required: program")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse(sys.argv[1:] if argv is None else list(argv))
    try:
        return args.handler(args)
    except SimfuturesError as exc:
        # Our own errors are about the user's input: one screen, no traceback.
        print(f"simfutures {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except OSError as exc:
        # A file the user named (a trace, a schedule to write) that cannot be
        # written or read: the OS says why, the file name says which.
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"simfutures {args.command}: error: {where}{exc.strerror or exc}",
              file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("simfutures: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
