"""``simfutures compare``: does reality only do what the simulator says is possible?

Runs the program N times for real (``python SCRIPT`` in a child process, with
a time limit) and under M simulated schedules (seeds 0..M-1), normalises the
outcomes and reports each distinct real outcome with a seed that reproduces
it; one no seed produced is searched for by its output, and a schedule found
is saved to a file that ``simfutures run --schedule`` replays.  Exit status 1
when some real outcome was produced by no schedule.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from simfutures.commands.options import (
    add_limit_options,
    add_preempt_option,
    limits_from,
    non_negative_int,
)
from simfutures.trace.compare import SEARCH_RUNS, CompareError

if TYPE_CHECKING:
    from simfutures.sim.chooser import Schedule

#: The longest --timeout (a year of real seconds): longer ones overflow the OS's clock.
MAX_TIMEOUT = 365 * 24 * 3600.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("program", nargs="?",
                        help="a Python script (scenario files cannot run for real)")
    parser.add_argument("args", nargs="*", help="arguments for the script (after --)")
    parser.add_argument("--real-runs", type=non_negative_int, default=5, metavar="N",
                        help="real runs (default %(default)s)")
    parser.add_argument("--sim-runs", type=non_negative_int, default=1000, metavar="M",
                        help="simulated schedules, seeds 0..M-1 (default %(default)s)")
    parser.add_argument("--timeout", type=float, default=60.0, metavar="SECONDS",
                        help="real seconds one real run may take before it is killed and "
                        "counted as hanging (default %(default)s)")
    parser.add_argument("--ignore-line-breaks", action="store_true",
                        help="compare the order of printed text, not where line breaks fall "
                        "(print() writes text and newline separately, so concurrent prints "
                        "can swap them)")
    parser.add_argument("--trace", metavar="OUT.json",
                        help="write a Chrome/Perfetto trace of the first real run the "
                        "simulator did not reproduce (else of run 1); real runs then use "
                        "simfutures.real instead of the stdlib, so they can be observed")
    parser.add_argument("--search-runs", type=non_negative_int, default=SEARCH_RUNS,
                        metavar="K", help="a real outcome no seed produced is searched for "
                        "by its output, at most K simulated runs (default %(default)s; "
                        "0: no search)")
    add_preempt_option(parser)
    add_limit_options(parser)


def main(args: argparse.Namespace) -> int:
    from simfutures.trace.compare_run import compare_loaded, load_for_comparison

    if args.real_runs < 1:
        raise CompareError(f"--real-runs must be at least 1, got {args.real_runs}: with no "
                           "real run there is nothing to compare")
    if args.sim_runs < 1:
        raise CompareError(f"--sim-runs must be at least 1, got {args.sim_runs}")
    if not 0 < args.timeout <= MAX_TIMEOUT:  # (nan fails too; inf overflows the OS's clock)
        raise CompareError(f"--timeout must be a number of seconds > 0 and at most "
                           f"{MAX_TIMEOUT:g}, got {args.timeout}")
    if args.trace:
        from simfutures.trace.perfetto import check_writable

        check_writable(args.trace)
    limits = limits_from(args)
    program = load_for_comparison(args.program, args.args, preempt=args.preempt,
                                  limits=limits)
    report = compare_loaded(program, args.args, real_runs=args.real_runs,
                            sim_runs=args.sim_runs, timeout=args.timeout, limits=limits,
                            trace_path=args.trace, line_breaks=not args.ignore_line_breaks,
                            search_runs=args.search_runs)
    replay = getattr(program, "replay_command", None)
    if replay is None:
        print(report.render(), end="")
        return report.exit_code
    saved = _ScheduleSaver(program.path, replay)
    # compare runs random-walk seeds; `run --seed` alone means explore's default strategy
    print(report.render(replay=lambda seed: replay(f"--strategy random --seed {seed}"),
                        replay_schedule=saved), end="")
    return report.exit_code


class _ScheduleSaver:
    """The replay command of a schedule the output search found: the schedule is saved
    to a file of its own (in a fresh temporary directory: a report should not litter
    the working directory) that ``simfutures run --schedule`` reads."""

    def __init__(self, program: Path, replay: Callable[[str], str]) -> None:
        self.program, self.replay, self.count = program, replay, 0
        self.folder: str | None = None

    def __call__(self, schedule: Schedule) -> str:
        import tempfile

        from simfutures.commands.schedule_file import save

        if self.folder is None:
            self.folder = tempfile.mkdtemp(prefix="simfutures-compare-")
        self.count += 1
        path = os.path.join(self.folder, f"{self.program.stem}-{self.count}.schedule.json")
        save(path, schedule, self.program)
        return self.replay(f"--schedule {path}")
