"""``simfutures explore``: run many schedules, group them by outcome, report failures."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from simfutures.commands.options import (
    add_limit_options,
    add_preempt_option,
    limits_from,
    non_negative_int,
    positive_int,
)
from simfutures.commands.stuck import exit_when_stuck
from simfutures.errors import SimfuturesError
from simfutures.explore import schedules
from simfutures.explore.failure import FailureOptions, analyse_failure, replay_saved
from simfutures.explore.handles import Replayer
from simfutures.explore.parallel import default_workers
from simfutures.explore.progress import progress_for
from simfutures.explore.races import prepare
from simfutures.explore.report import ReportContext, dumps, merge_reports, render_text, to_json
from simfutures.explore.search import ProgramSpec, SearchConfig, search
from simfutures.explore.shrink import DEFAULT_BUDGET
from simfutures.explore.strategies import DEFAULT_STRATEGY, STRATEGIES
from simfutures.program import load_program
from simfutures.sim.watchdog import WATCHDOG


class ExploreUsageError(SimfuturesError, ValueError):
    """Options that do not go together."""


def shard(text: str) -> tuple[int, int]:
    """``i/n``: the i-th (1-based) of n disjoint shards of the seed range."""
    index, slash, count = text.partition("/")
    try:
        i, n = int(index), int(count)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected i/n (e.g. 1/4), got {text!r}") from None
    if not slash or n < 1 or not 1 <= i <= n:
        raise argparse.ArgumentTypeError(
            f"expected i/n with 1 <= i <= n (e.g. 1/4), got {text!r}")
    return i, n


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("program", nargs="?", help="a Python script or a scenario .yaml file")
    parser.add_argument("args", nargs="*", help="arguments for the script (after --)")
    parser.add_argument("--runs", type=positive_int, default=1000,
                        help="how many schedules to run (default %(default)s)")
    parser.add_argument("--seed-start", type=non_negative_int, default=0,
                        help="first seed (default 0); runs use seeds S, S+1, ...; seed 0 is "
                        "the natural order under every seeded strategy, and run N replays "
                        "with simfutures run --seed N (same --strategy/--depth); exhaustive "
                        "search has no seeds (its runs replay with --choices)")
    parser.add_argument("--strategy", choices=STRATEGIES, default=DEFAULT_STRATEGY,
                        help="how schedules are chosen (default %(default)s)")
    parser.add_argument("--depth", type=positive_int, default=3,
                        help="pct: bug depth to aim for (default %(default)s)")
    parser.add_argument("--max-preemptions", type=non_negative_int, default=2,
                        help="exhaustive: preemption bound (default %(default)s)")
    prune = parser.add_mutually_exclusive_group()
    prune.add_argument("--prune", dest="prune", action="store_true", default=False,
                       help="exhaustive: skip schedules that only reorder steps which "
                       "commute (traces each run, 10-20x slower per run, and keeps the "
                       "search in one process)")
    prune.add_argument("--no-prune", dest="prune", action="store_false",
                       help="exhaustive: run every schedule within the bound (the default)")
    add_preempt_option(parser)
    parser.add_argument("--fail-on-race", action="store_true",
                        help="a data race fails the exploration (exit 1) even when every "
                        "run passed")
    parser.add_argument("--stop-on-failure", action="store_true",
                        help="stop at the first run that fails (non-zero exit or error)")
    parser.add_argument("--json", action="store_true", help="print one JSON report")
    parser.add_argument("--shrink", action="store_true",
                        help="shrink the first failing schedule toward the natural order")
    parser.add_argument("--shrink-budget", type=positive_int, default=DEFAULT_BUDGET,
                        help="most runs a shrink may spend (default %(default)s)")
    parser.add_argument("--save-schedule", "--schedule-out", metavar="FILE",
                        dest="save_schedule",
                        help="write the first failing (shrunk, with --shrink) schedule here")
    parser.add_argument("--save-schedules", metavar="DIR",
                        help="write the schedule of every outcome's first run into DIR "
                        "(each replays with simfutures run --schedule)")
    parser.add_argument("--schedule", metavar="FILE",
                        help="do not search: replay a saved schedule and report it "
                        "(with --shrink: shrink it)")
    parser.add_argument("--workers", type=positive_int, default=None,
                        help="processes to run schedules on (default: one per core); "
                        "results are identical to a serial run")
    parser.add_argument("--shard", type=shard, default=(1, 1), metavar="I/N",
                        help="run only shard I of N of the seeds (merge the --json "
                        "reports with --merge)")
    parser.add_argument("--merge", nargs="+", metavar="REPORT",
                        help="merge --json reports of disjoint shards into one report")
    add_limit_options(parser)


def _merge(paths: list[str]) -> int:
    reports = []
    for path in paths:
        try:
            reports.append(json.loads(Path(path).read_text(encoding="utf-8")))
        except FileNotFoundError:
            raise ExploreUsageError(f"{path}: no such report") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ExploreUsageError(f"{path}: not a JSON report: {exc}") from None
    sys.stdout.write(dumps(merge_reports(reports, paths)))
    return 1 if any(r.get("failures") for r in reports) else 0


def _check(args: argparse.Namespace) -> None:
    if args.merge:
        if args.program is not None:
            raise ExploreUsageError("--merge takes reports, not a program")
        return
    if args.program is None:
        raise ExploreUsageError("which program? give a script or a scenario file")
    if args.schedule and args.shard != (1, 1):
        raise ExploreUsageError("--schedule replays one schedule: --shard does not apply")
    if args.strategy == "exhaustive" and args.shard != (1, 1):
        raise ExploreUsageError("--shard splits seeds; exhaustive search has none "
                                "(use --workers to spread it over processes)")
    if args.strategy == "exhaustive" and args.seed_start:
        raise ExploreUsageError("--seed-start: exhaustive search has no seeds (it always "
                                "starts from the natural order)")


def main(args: argparse.Namespace) -> int:
    _check(args)
    if args.merge:
        return _merge(args.merge)
    WATCHDOG.on_stuck = exit_when_stuck()  # (discovery's runs are watched too)
    limits = limits_from(args)
    program = prepare(load_program(args.program, args.args), args.preempt, limits)
    path = Path(args.program)
    options = FailureOptions(shrink=args.shrink, shrink_budget=args.shrink_budget,
                             limits=limits)
    if args.schedule:
        saved = schedules.load_for(args.schedule, path)
        result = replay_saved(program, saved, args.schedule, limits)
    else:
        workers = args.workers if args.workers is not None else default_workers()
        config = SearchConfig(strategy=args.strategy, runs=args.runs,
                              seed_start=args.seed_start, depth=args.depth,
                              max_preemptions=args.max_preemptions, prune=args.prune,
                              stop_on_failure=args.stop_on_failure, workers=workers,
                              shard=args.shard, limits=limits, preempt=args.preempt)
        total = len(range(args.shard[0] - 1, args.runs, args.shard[1]))
        progress = progress_for(total)
        result = search(ProgramSpec(args.program, tuple(args.args)), program, config,
                        progress)
        if progress is not None:
            progress.finish(result.runs)
    strategy_tag = "schedule" if args.schedule else result.strategy
    replayer = Replayer(args.program, tuple(args.args), strategy_tag, args.depth, limits,
                        args.schedule, args.preempt)
    detail = None
    example_files: dict[int, str] = {}
    if result.first_failure is not None:
        detail = analyse_failure(program, result.first_failure, options,
                                 save_to=args.save_schedule,
                                 default_dir=not args.json, path=path, tag=strategy_tag)
    if args.save_schedules:
        for group in result.groups:
            target = str(Path(args.save_schedules) / Path(
                schedules.default_path(path, strategy_tag, group.first)).name)
            schedules.save(target, group.example, path, strategy_tag, group.first)
            example_files[group.first] = target
    ctx = ReportContext(program=args.program, replayer=replayer, example_files=example_files,
                        failure=detail)
    if args.json:
        sys.stdout.write(dumps(to_json(result, ctx)))
    else:
        sys.stdout.write(render_text(result, ctx))
    if args.fail_on_race and result.races and not result.failures:
        # The report's last lines say no run failed: say why the exit status is 1.
        count = len(result.races)
        print(f"exit status 1: {count} data race{'s' if count != 1 else ''} found "
              "(--fail-on-race)", file=sys.stderr)
    return 1 if result.failures or (args.fail_on_race and result.races) else 0
