"""Argument types and options shared by several commands."""

from __future__ import annotations

import argparse

from simfutures.commands.numbers import non_negative_int, positive_float, positive_int
from simfutures.sim.scheduler import Limits

__all__ = ["add_limit_options", "limits_from", "non_negative_int", "positive_float",
           "positive_int"]


def add_preempt_option(parser: argparse.ArgumentParser) -> None:
    from simfutures.explore.races import DEFAULT_PREEMPT, PREEMPT_MODES

    parser.add_argument("--preempt", choices=PREEMPT_MODES, default=DEFAULT_PREEMPT,
                        help="where a thread may be switched out besides synchronisation: "
                        "'races' (default) also before accesses found racy, 'sync' only at "
                        "synchronisation, 'every-access' before every shared access (a "
                        "model of free-threaded CPython)")


def add_limit_options(parser: argparse.ArgumentParser) -> None:
    defaults = Limits()
    parser.add_argument("--max-steps", type=positive_int, default=defaults.max_steps,
                        help="stop a run after this many scheduling points "
                        "(default %(default)s)")
    parser.add_argument("--max-time", type=positive_float, default=defaults.max_virtual_time,
                        help="stop a run past this many seconds of virtual time "
                        "(default %(default)s)")
    parser.add_argument("--watchdog", type=positive_float, default=defaults.watchdog_seconds,
                        help="real seconds a thread may run without reaching a scheduling "
                        "point before it is stopped and named (default %(default)s)")
    parser.add_argument("--max-lines", type=positive_int, default=None,
                        help="stop a thread that runs this many lines of the program "
                        "without a scheduling point, naming the line: a busy loop caught "
                        "deterministically (counting costs 2-3x per run; default: off, "
                        "the watchdog catches busy loops)")


def limits_from(args: argparse.Namespace) -> Limits:
    return Limits(max_steps=args.max_steps, max_virtual_time=args.max_time,
                  watchdog_seconds=args.watchdog, max_lines=args.max_lines)
