"""``simfutures compare``: does reality only do what the simulator says is possible?

Runs the program N times for real (``python SCRIPT`` in a child process, with
a time limit) and under M simulated schedules (seeds 0..M-1), normalises the
outcomes and reports each distinct real outcome with a seed that reproduces
it.  Exit status 1 when some real outcome was produced by no schedule.
"""

from __future__ import annotations

import argparse

from simfutures.commands.options import add_limit_options, limits_from, non_negative_int
from simfutures.trace.compare import CompareError


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
    add_limit_options(parser)


def main(args: argparse.Namespace) -> int:
    from simfutures.program import load_program
    from simfutures.trace.compare_run import compare_program

    if args.real_runs < 1:
        raise CompareError(f"--real-runs must be at least 1, got {args.real_runs}: with no "
                           "real run there is nothing to compare")
    if args.sim_runs < 1:
        raise CompareError(f"--sim-runs must be at least 1, got {args.sim_runs}")
    if not args.timeout > 0:
        raise CompareError(f"--timeout must be a number of seconds > 0, got {args.timeout}")
    if args.trace:
        from simfutures.trace.perfetto import check_writable

        check_writable(args.trace)
    report = compare_program(args.program, args.args, real_runs=args.real_runs,
                             sim_runs=args.sim_runs, timeout=args.timeout,
                             limits=limits_from(args), trace_path=args.trace,
                             line_breaks=not args.ignore_line_breaks)
    program = load_program(args.program, args.args)
    replay = getattr(program, "replay_command", None)
    # compare runs random-walk seeds; `run --seed` alone means explore's default strategy
    print(report.render(replay=(lambda seed: replay(f"--strategy random --seed {seed}"))
                        if replay else None), end="")
    return report.exit_code
