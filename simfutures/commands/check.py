"""``simfutures check``: verify scenario claims, or that no schedule of a script fails.

Scenarios (``.yaml``) are run under seeds S .. S+N-1 and every ``expect``
claim is judged over all runs. Scripts (``.py``) are run under the same seeds
and fail at the first schedule that exits non-zero or raises.

Every failure is made actionable: where it is (file:line of the claim), which
seed shows it, the command that replays it, and the timeline of that run,
obtained by running the seed once more with a TimelineRecorder observer. The
pytest plugin shows the same text, so this module also offers it as functions.

A script runs under the race policy ``run`` and ``explore`` use (``--preempt``,
learnt from the program by ``explore.races.prepare``), so the replay command
reproduces the failing seed byte for byte.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import textwrap

import attrs

from simfutures.commands.options import (
    add_limit_options,
    add_preempt_option,
    limits_from,
    non_negative_int,
    positive_int,
)
from simfutures.commands.stuck import exit_when_stuck
from simfutures.errors import SimfuturesError
from simfutures.explore.handles import limit_options
from simfutures.explore.races import DEFAULT_PREEMPT, prepare
from simfutures.program import EXIT_USAGE, Outcome, Program, load_program
from simfutures.scenario import marker
from simfutures.scenario.check import CheckReport, check_scenario
from simfutures.scenario.claims import ClaimResult, check_all
from simfutures.scenario.model import Scenario
from simfutures.scenario.observation import Observation
from simfutures.scenario.source import source_line
from simfutures.scenario.timeline import describe_steps
from simfutures.sim.chooser import chooser_for_seed
from simfutures.sim.scheduler import Limits
from simfutures.trace.timeline import TimelineRecorder

DEFAULT_RUNS = 100
#: A refuting run's timeline is cut to its start and end beyond this many lines.
TIMELINE_LINES = 60
EXIT_FAILED = 1
_INDENT = "    "


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE",
                        help="scenario .yaml files, Python scripts, or directories (every "
                        "scenario file below one, recursively: YAML files with a "
                        f"top-level '{marker.LINE}' line)")
    parser.add_argument("--runs", type=positive_int, default=DEFAULT_RUNS,
                        help="schedules to run per file (default %(default)s)")
    parser.add_argument("--seed", type=non_negative_int, default=0,
                        help="first seed; runs use seeds S, S+1, ... (default 0: the "
                        "natural order first)")
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="list every claim's verdict, not only the failed ones")
    add_preempt_option(parser)
    add_limit_options(parser)


# --- shared text (the pytest plugin shows the same) --------------------------------


def seed_span(first_seed: int, runs: int) -> str:
    return f"seed {first_seed}" if runs == 1 else f"seeds {first_seed}..{first_seed + runs - 1}"


def replay_command(path: str | os.PathLike[str], seed: int, limits: Limits | None = None,
                   preempt: str = DEFAULT_PREEMPT) -> str:
    # check runs random-walk seeds; `run --seed` means explore's default strategy
    options = limit_options(limits or Limits(), preempt)
    return shlex.join(["simfutures", "run", os.fspath(path), "--strategy", "random",
                       "--seed", str(seed), *options, "--timeline"])


def replay_scenario(
    scenario: Scenario, seed: int, limits: Limits | None = None, program: object = None
) -> tuple[Observation | None, str]:
    """Run one seed again with a timeline observer: (its Observation or None, timeline).
    ``program``: what the checked runs ran (``CheckReport.program``), so the replay
    has their race policy."""
    from simfutures.scenario.program import observation_of, prepared
    from simfutures.scenario.timeline import ScenarioTimeline, describe_races

    program = program or prepared(scenario)
    timeline = ScenarioTimeline(scenario)
    # Task output belongs to the observation, not to the report.
    outcome = program.run(chooser_for_seed(seed), limits=limits,  # type: ignore[attr-defined]
                          observers=[timeline])
    value = observation_of(outcome)
    timeline.observation = value
    text = timeline.render(max_lines=TIMELINE_LINES)
    if value is not None:
        text += describe_steps(scenario, value) + describe_races(value.races)
    return value, text


def observed_seeds(report: CheckReport, first_seed: int) -> list[int]:
    """The seed of each judged observation (runs that failed were not judged)."""
    failed = {f.seed for f in report.failures}
    return [s for s in range(first_seed, first_seed + report.runs) if s not in failed]


def claim_verdicts(report: CheckReport) -> str:
    """One line per claim, in file order: where it is and whether it held."""
    return "".join(f"{result}\n" for result in report.results)


def explain_scenario(
    report: CheckReport,
    *,
    first_seed: int,
    limits: Limits | None = None,
    more_runs: str = "--runs",
) -> str:
    """Each failed run and failed claim: where, which seed, how to replay, what happened."""
    scenario = report.scenario
    seeds = observed_seeds(report, first_seed)
    replays: dict[int, tuple[Observation | None, str]] = {}

    def replay(seed: int) -> tuple[Observation | None, str]:
        if seed not in replays:  # several claims may be refuted by one seed
            replays[seed] = replay_scenario(scenario, seed, limits, report.program)
        return replays[seed]

    blocks = []
    # The first failed run in full; the others would mostly repeat it.
    for failure in report.failures[:1]:
        _, timeline = replay(failure.seed)
        body = f"replay: {replay_command(scenario.path, failure.seed, limits)}\n"
        if failure.report:
            body += failure.report.rstrip("\n") + "\n"
        body += f"timeline of seed {failure.seed}:\n" + textwrap.indent(timeline, _INDENT)
        blocks.append(f"{scenario.path}: seed {failure.seed}: the run failed: {failure.error}\n"
                      + textwrap.indent(body, _INDENT))
    if len(report.failures) > 1:
        blocks.append(f"{scenario.path}: {plural(len(report.failures) - 1, 'more run')} failed: "
                      + _seed_list([f.seed for f in report.failures[1:]]) + "\n")
    for result in report.results:
        if not result.passed:
            blocks.append(_explain_claim(result, seeds, first_seed, report.runs, replay,
                                         more_runs, limits))
    return "\n".join(blocks)


def _seed_list(seeds: list[int], shown: int = 10) -> str:
    text = ", ".join(f"seed {s}" for s in seeds[:shown])
    return text + (f" and {len(seeds) - shown} more" if len(seeds) > shown else "")


def _explain_claim(result: ClaimResult, seeds: list[int], first_seed: int, runs: int,
                   replay, more_runs: str, limits: Limits | None) -> str:
    claim = result.claim
    written = source_line(claim.loc.path, claim.loc.line)
    body = f"{claim.loc.line} | {written}\n" if written is not None else ""
    if not result.judged:  # the verdict line says why: no run can tell
        pass
    elif result.index is None:  # a 'sometimes' claim nobody witnessed
        body += (f"not seen in {plural(result.runs, 'run')} ({seed_span(first_seed, runs)}); "
                 f"if the schedule is rare, try more runs ({more_runs})\n")
    else:
        seed = seeds[result.index]
        observation, timeline = replay(seed)
        body += f"refuted by seed {seed} (tried {seed_span(first_seed, runs)})\n"
        body += f"replay: {replay_command(claim.loc.path, seed, limits)}\n"
        if observation is None or check_all(claim, observation)[0] != (
                claim.quantifier == "never"):
            # Runs are pure functions of their seed; say so loudly if not.
            body += f"note: replaying seed {seed} did not show this again\n"
        body += f"timeline of seed {seed}:\n" + textwrap.indent(timeline, _INDENT)
    return f"{result}\n" + textwrap.indent(body, _INDENT)


def plural(count: int, word: str) -> str:
    return f"{count} {word}" + ("" if count == 1 else "s")


def scenario_summary(report: CheckReport, first_seed: int) -> str:
    over = f"over {plural(report.runs, 'run')} ({seed_span(first_seed, report.runs)})"
    claims = len(report.scenario.expect)
    if claims and not report.results:  # every run failed: nothing to judge claims on
        text = f"{report.scenario.name}: {plural(claims, 'claim')} not judged {over}"
    else:
        held = sum(r.passed for r in report.results)
        text = f"{report.scenario.name}: {held}/{claims} claims hold {over}"
    if report.failures:
        text += f", {plural(len(report.failures), 'run')} failed"
    return text


# --- scripts ----------------------------------------------------------------------


@attrs.frozen
class ScriptCheck:
    """The result of running a script under seeds first_seed .. first_seed + runs - 1."""

    path: str
    first_seed: int
    runs: int  # how many seeds were run (stops at the first failure)
    failing_seed: int | None
    outcome: Outcome | None  # of the failing run
    timeline: str | None  # of the failing run, replayed
    limits: Limits = attrs.field(factory=Limits)
    preempt: str = DEFAULT_PREEMPT

    @property
    def passed(self) -> bool:
        return self.failing_seed is None


def check_script(program: Program, *, runs: int = DEFAULT_RUNS, first_seed: int = 0,
                 limits: Limits | None = None, preempt: str = DEFAULT_PREEMPT) -> ScriptCheck:
    """Run ``program`` under each seed until one fails (non-zero exit or error), under
    the race policy ``run --preempt`` gives it (so that its replay is exact)."""
    path = os.fspath(program.path)
    limits = limits or Limits()
    program = prepare(program, preempt, limits)
    for seed in range(first_seed, first_seed + runs):
        outcome = program.run(chooser_for_seed(seed), limits=limits)
        if outcome.failed:
            recorder = TimelineRecorder()
            program.run(chooser_for_seed(seed), limits=limits, observers=[recorder])
            return ScriptCheck(path, first_seed, seed - first_seed + 1, seed, outcome,
                               recorder.render(max_lines=TIMELINE_LINES), limits, preempt)
    return ScriptCheck(path, first_seed, runs, None, None, None, limits, preempt)


def render_script_check(check: ScriptCheck) -> str:
    if check.passed:
        return (f"PASS {check.path}: no schedule failed in {check.runs} runs "
                f"({seed_span(check.first_seed, check.runs)})\n")
    outcome = check.outcome
    assert outcome is not None and check.failing_seed is not None
    what = outcome.error or f"exit code {outcome.exit_code}"
    body = (f"replay: {replay_command(check.path, check.failing_seed, check.limits, check.preempt)}"
            "\n")
    details = outcome.report or outcome.stderr
    if details.strip():
        body += "error report:\n" + textwrap.indent(details.rstrip("\n") + "\n", _INDENT)
    body += (f"timeline of seed {check.failing_seed}:\n"
             + textwrap.indent(check.timeline or "(no events)\n", _INDENT))
    return (f"FAIL {check.path}: seed {check.failing_seed} failed ({what}); "
            f"{plural(check.runs - 1, 'run')} passed before it\n" + textwrap.indent(body, _INDENT))


# --- the command ------------------------------------------------------------------

_checking = ""  # what is running now, for the watchdog's last words


def expand(paths: list[str]) -> tuple[list[str], list[str]]:
    """``(files, errors)``: each directory replaced by the scenario files below it."""
    files, errors = [], []
    for path in paths:
        if not os.path.isdir(path):
            files.append(path)
            continue
        found = marker.find_scenarios(path)
        if not found:
            errors.append(f"{path}: no scenario files below this directory (YAML files "
                          f"with a top-level '{marker.LINE}' line)")
        files.extend(found)
    return files, errors


def _load_all(paths: list[str]) -> tuple[list[Program], int]:
    """Every usable file loaded (and checked) before anything runs; the unusable
    ones are reported first, one line each, and counted."""
    files, errors = expand(paths)
    programs = []
    for path in files:
        try:
            programs.append(load_program(path))
        except SimfuturesError as exc:
            errors.append(str(exc))
    for error in errors:
        print(f"simfutures check: error: {error}", file=sys.stderr, flush=True)
    return programs, len(errors)


def main(args: argparse.Namespace) -> int:
    programs, unusable = _load_all(args.files)
    from simfutures.sim.watchdog import WATCHDOG

    saved, WATCHDOG.on_stuck = WATCHDOG.on_stuck, exit_when_stuck(lambda: _checking)
    try:
        failed, refused = _check_all(programs, args)
    finally:
        WATCHDOG.on_stuck = saved  # main() may be called in-process (tests)
    total = len(programs) + unusable
    unusable += refused
    if total > 1:
        summary = f"{total - failed - unusable} of {total} files passed"
        if unusable:
            summary += f"; {unusable} could not be checked (errors above)"
        print(summary)
    # Input we could not use outranks a failed claim: the verdict is incomplete.
    return EXIT_USAGE if unusable else EXIT_FAILED if failed else 0


def _check_all(programs: list[Program], args: argparse.Namespace) -> tuple[int, int]:
    """Check each program, printing as it goes: (how many failed, how many were
    refused when run, e.g. a scenario that cannot end within --max-time)."""
    global _checking
    limits = limits_from(args)
    failed = refused = 0
    for program in programs:
        _checking = os.fspath(program.path)
        scenario = getattr(program, "scenario", None)
        try:
            if scenario is None:
                result = check_script(program, runs=args.runs, first_seed=args.seed,
                                      limits=limits, preempt=args.preempt)
                passed, text = result.passed, render_script_check(result)
            else:
                report = check_scenario(scenario, runs=args.runs, first_seed=args.seed,
                                        limits=limits)
                passed, text = report.passed, _render_scenario(report, args, limits)
        except SimfuturesError as exc:
            print(f"simfutures check: error: {exc}", file=sys.stderr, flush=True)
            refused += 1
            continue
        failed += not passed
        print(text, end="", flush=True)
    return failed, refused


def _render_scenario(report: CheckReport, args: argparse.Namespace,
                     limits: Limits) -> str:
    verdict = "PASS" if report.passed else "FAIL"
    text = f"{verdict} {report.scenario.path}: {scenario_summary(report, args.seed)}\n"
    if args.verbose:
        text += textwrap.indent(claim_verdicts(report), _INDENT)
    if not report.passed:
        text += explain_scenario(report, first_seed=args.seed, limits=limits) + "\n"
    return text
