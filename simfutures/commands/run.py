"""``simfutures run``: one schedule of a script or scenario, exactly reproducible."""

from __future__ import annotations

import argparse
import sys

from simfutures.commands import schedule_file
from simfutures.commands.options import (
    add_limit_options,
    add_preempt_option,
    limits_from,
    non_negative_int,
)
from simfutures.commands.stuck import exit_when_stuck
from simfutures.explore.handles import add_run_options, seeded_chooser
from simfutures.explore.races import prepare
from simfutures.explore.replay import GuardedReplay
from simfutures.program import EXIT_STOPPED, ProgramError, load_program
from simfutures.sim.chooser import NaturalChooser, ReplayChooser, ScheduleError
from simfutures.sim.watchdog import WATCHDOG
from simfutures.trace.timeline import TimelineRecorder


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("program", nargs="?", help="a Python script or a scenario .yaml file")
    parser.add_argument("args", nargs="*", help="arguments for the script (after --)")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--seed", type=non_negative_int, default=None,
                       help="run N of the exploration strategy (--strategy), exactly as "
                       "simfutures explore runs it (default 0: the natural order)")
    which.add_argument("--schedule", metavar="FILE",
                       help="replay a schedule saved with --save-schedule or by explore")
    add_preempt_option(parser)
    add_run_options(parser, which)
    parser.add_argument("--save-schedule", metavar="FILE",
                        help="write this run's schedule (JSON) for exact replay")
    parser.add_argument("--timeline", action="store_true",
                        help="print a per-thread timeline of the run to stderr")
    parser.add_argument("--trace", metavar="OUT.json",
                        help="write a Chrome/Perfetto trace of the run")
    add_limit_options(parser)


def main(args: argparse.Namespace) -> int:
    loaded = load_program(args.program, args.args)
    if args.args and getattr(loaded, "scenario", None) is not None:
        raise ProgramError(f"{args.program}: a scenario file takes no arguments "
                           f"(got {' '.join(args.args)})")
    if args.save_schedule:
        schedule_file.check_writable(args.save_schedule)
    # Before the first simulated run (discovery's): a thread stuck in a blocking call
    # the watchdog cannot interrupt ends the command with a report, never a hang.
    WATCHDOG.on_stuck = exit_when_stuck()
    # The same race policy explore's runs had, learnt the same way: a seed or a
    # schedule replays exactly.
    limits = limits_from(args)
    program = prepare(loaded, args.preempt, limits)
    replay = None
    if args.schedule:
        schedule, note = schedule_file.load_for(args.schedule, program.path)
        if note:
            print(note, file=sys.stderr)
        chooser = replay = GuardedReplay(schedule)
    elif args.choices is not None:
        chooser = ReplayChooser(args.choices)
    elif not args.seed:
        chooser = NaturalChooser()
    else:
        chooser = seeded_chooser(args.strategy, args.seed, args.depth, program, limits)
    observers = []
    timeline = None
    if args.timeline or program_wants_timeline(program):
        timeline = getattr(program, "timeline_recorder", TimelineRecorder)()
        observers.append(timeline)
    trace = None
    if args.trace:
        from simfutures.trace.perfetto import TraceRecorder, check_writable

        check_writable(args.trace)
        trace = TraceRecorder()
        observers.append(trace)
    outcome = program.run(chooser, limits=limits, observers=observers,
                          capture=False)
    sys.stdout.flush()
    if replay is not None and replay.divergence is not None:
        # The program's output so far is shown; the run itself proves nothing.
        raise ScheduleError(f"{args.schedule}: {replay.divergence}")
    if timeline is not None and program_wants_timeline(program):
        # A scenario prints nothing itself: its run, in its own words, is the output.
        print(program.render_run(timeline, outcome), end="")
    elif timeline is not None:
        print(timeline.render(), end="", file=sys.stderr)
    if trace is not None:
        trace.write(args.trace)
    if args.save_schedule:
        schedule_file.save(args.save_schedule, outcome.schedule, program.path)
    if outcome.exit_code == EXIT_STOPPED and outcome.report:
        print(outcome.report, file=sys.stderr)
    return outcome.exit_code


def program_wants_timeline(program: object) -> bool:
    """Scenario files have no output of their own: their run shows the timeline."""
    return getattr(program, "shows_timeline", False)
