"""What ``simfutures explore`` prints: the outcome table, the failure report, JSON.

Everything here is a function of its inputs (no clocks, no addresses), so the
same search prints the same bytes.  The JSON form is also what shards
exchange: ``merge_reports`` combines reports of disjoint seed ranges into
exactly the report one search over their union prints.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

import attrs

from simfutures.errors import SimfuturesError
from simfutures.explore.handles import Replayer
from simfutures.explore.interleaving import Interleaving
from simfutures.explore.outcomes import OutcomeGroup
from simfutures.explore.runner import ExploreResult
from simfutures.explore.shrink import ShrinkResult, Size

FORMAT = "simfutures-explore/1"


class ReportError(SimfuturesError, ValueError):
    """A JSON report that cannot be merged (not a report, or of another search)."""


@attrs.frozen
class FailureDetail:
    """Everything the failure report shows beyond the run itself."""

    schedule_file: str | None  # the decisive schedule (the shrunk one after --shrink)
    original_file: str | None  # the failing schedule as found
    size: Size  # of the failing schedule as found
    shrunk: ShrinkResult | None
    interleaving: Interleaving | None  # the decisive run, replayed with observers


@attrs.frozen
class ReportContext:
    program: str  # the program's path as given
    replayer: Replayer  # the `simfutures run` command that replays any run
    example_files: dict[int, str] = attrs.field(factory=dict)  # run id -> saved schedule
    failure: FailureDetail | None = None

    def replay_file(self, path: str) -> str:
        return self.replayer.command_for_file(path)


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _indent(text: str, prefix: str = "    | ") -> list[str]:
    return [prefix + line for line in text.rstrip("\n").split("\n")] if text else []


def _group_lines(number: int, group: OutcomeGroup, runs: int, ctx: ReportContext) -> list[str]:
    key = group.key
    share = 100.0 * group.count / runs if runs else 0.0
    status = f"exit {key.exit_code}" + (f", {key.error}" if key.error else "")
    lines = [f"outcome {number}: {_plural(group.count, 'run')} ({share:.1f}%), {status}",
             f"    first: run {group.first}",
             f"    replay: {ctx.replayer.command(group.first, group.example)}"]
    saved = ctx.example_files.get(group.first)
    if saved is not None:
        lines.append(f"    replay schedule: {ctx.replay_file(saved)}")
    if key.observed is not None:
        lines += _indent(key.observed, "    ~ ")
    printed = _indent(key.stdout) + _indent(key.stderr, "    ! ")
    lines += printed or ([] if key.observed else ["    (no output)"])
    return lines


def _failure_lines(result: ExploreResult, ctx: ReportContext) -> list[str]:
    failure = result.first_failure
    assert failure is not None
    detail = ctx.failure
    outcome = failure.outcome
    lines = ["", f"FIRST FAILURE: run {failure.seed} ({result.description})",
             f"  {failure.key.error or f'exit code {failure.key.exit_code}'}"]
    if outcome.report:
        lines += _indent(outcome.report, "  | ")
    elif outcome.stderr:
        lines += _indent(outcome.stderr, "  | ")
    for race in outcome.races:
        lines.append(f"  this run's {race.render()}")
    if detail is not None:
        size = detail.size
        lines.append(f"  schedule: {_plural(len(outcome.schedule.choices), 'decision')}, "
                     f"{_plural(size.forced, 'non-natural choice')}, "
                     f"{_plural(size.preemptions, 'preemption')}")
    lines.append("  replay:")
    lines.append(f"    {ctx.replayer.command(failure.seed, outcome.schedule)}")
    if detail is not None and detail.original_file:
        lines.append(f"    {ctx.replay_file(detail.original_file)}")
    shrunk = detail.shrunk if detail is not None else None
    if shrunk is not None:
        lines.append(f"  shrunk with {_plural(shrunk.runs, 'run')} to "
                     f"{_plural(shrunk.size.forced, 'non-natural choice')}, "
                     f"{_plural(shrunk.size.preemptions, 'preemption')} "
                     f"(from {shrunk.original.forced} and {shrunk.original.preemptions}); "
                     "it still fails with:")
        lines.append(f"    {shrunk.outcome.error or f'exit code {shrunk.outcome.exit_code}'}")
        if detail is not None and detail.schedule_file:
            lines.append(f"    {ctx.replay_file(detail.schedule_file)}")
    if detail is not None and detail.interleaving is not None:
        title = "the decisive interleaving" if shrunk is not None else "the interleaving"
        lines.append(f"  {title} (>> marks choices the schedule forced):")
        lines += ["  " + line for line in detail.interleaving.render().rstrip("\n").split("\n")]
    return lines


def render_text(result: ExploreResult, ctx: ReportContext) -> str:
    head = f"explored {_plural(result.runs, 'schedule')} of {ctx.program} ({result.description})"
    lines = [head + ":",
             f"{_plural(len(result.groups), 'distinct outcome')}, "
             f"{_plural(result.failures, 'failing run')}"]
    if result.stopped_early:
        lines.append("stopped at the first failure (--stop-on-failure)")
    if result.exhausted is True:
        lines.append(f"explored all {result.runs} schedules within the bound")
    if result.pruned:
        lines.append(f"skipped {_plural(result.pruned, 'schedule')} that only reorder "
                     "steps which commute (--no-prune runs them too)")
    elif result.exhausted is False:
        lines.append("the bounded space is not exhausted: raise --runs to go on")
    lines.append("")
    for number, group in enumerate(result.groups, 1):
        lines += _group_lines(number, group, result.runs, ctx)
    lines += _race_lines(result)
    if result.first_failure is not None:
        lines += _failure_lines(result, ctx)
    lines += _summary_lines(result, ctx)
    return "\n".join(lines) + "\n"


def _race_lines(result: ExploreResult) -> list[str]:
    """One line per data race found (reported even when every run passed)."""
    if not result.races:
        return []
    lines = ["", f"{_plural(len(result.races), 'data race')} (first seen in run N):"]
    lines += [f"  run {first}: {race.render()}" for race, first in result.races]
    return lines


def _summary_lines(result: ExploreResult, ctx: ReportContext) -> list[str]:
    """The last lines, what a CI log shows: the counts and the one command to run next.

    (The wall time goes to stderr with the progress line: this report is the
    same bytes in every process.)
    """
    share = 100.0 * result.failures / result.runs if result.runs else 0.0
    lines = ["", f"summary: {_plural(result.runs, 'run')}, "
             f"{_plural(len(result.groups), 'distinct outcome')}, "
             f"{_plural(result.failures, 'failing run')} ({share:.1f}%)"]
    failure = result.first_failure
    if failure is None:
        lines.append("no run failed")
    else:
        lines.append("replay the first failure: "
                     + ctx.replayer.command(failure.seed, failure.outcome.schedule))
    return lines


# -- JSON --------------------------------------------------------------------------


def _size_json(size: Size) -> dict:
    return {"preemptions": size.preemptions, "non_natural": size.forced}


def to_json(result: ExploreResult, ctx: ReportContext) -> dict:
    outcomes = [{"stdout": g.key.stdout, "stderr": g.key.stderr,
                 "exit_code": g.key.exit_code, "error": g.key.error,
                 **({"observed": g.key.observed} if g.key.observed is not None else {}),
                 "count": g.count, "seeds": list(g.seeds), "schedule": g.example.to_json(),
                 "replay": ctx.replayer.argv(g.first, g.example)}
                for g in result.groups]
    report: dict = {"format": FORMAT, "program": ctx.program, "strategy": result.description,
                    "runs": result.runs, "failures": result.failures, "outcomes": outcomes,
                    "first_failure": None}
    if result.exhausted is not None:
        report["exhausted"] = result.exhausted
        report["pruned"] = result.pruned
    report["preempt"] = result.preempt
    report["races"] = [{**race.to_json(), "first_run": first} for race, first in result.races]
    failure = result.first_failure
    if failure is not None:
        first = {"seed": failure.seed, "exit_code": failure.key.exit_code,
                 "error": failure.key.error, "report": failure.outcome.report,
                 "schedule": failure.outcome.schedule.to_json(),
                 "replay": ctx.replayer.argv(failure.seed, failure.outcome.schedule),
                 "races": [race.to_json() for race in failure.outcome.races],
                 "shrunk": None}
        detail = ctx.failure
        if detail is not None:
            first.update(_size_json(detail.size))
            shrunk = detail.shrunk
            if shrunk is not None:
                first["shrunk"] = {"schedule": shrunk.schedule.to_json(),
                                   **_size_json(shrunk.size), "runs": shrunk.runs}
            if detail.interleaving is not None:
                # The timeline belongs to the decisive schedule: the shrunk one if any.
                decisive = first["shrunk"] if shrunk is not None else first
                decisive["timeline"] = detail.interleaving.render()
        report["first_failure"] = first
    return report


_SCALAR = r'(?:-?\d+|"(?:[^"\\\n]|\\.)*"|null|true|false)'
_SCALAR_LIST = re.compile(r"\[\n\s+(" + _SCALAR + r"(?:,\n\s+" + _SCALAR + r")*)\n\s*\]")


def dumps(report: dict) -> str:
    """Indented JSON with lists of plain values (seeds, choices) kept on one line."""
    text = json.dumps(report, indent=2, ensure_ascii=False)
    return _SCALAR_LIST.sub(lambda m: "[" + re.sub(r",\n\s+", ", ", m[1]) + "]", text) + "\n"


def merge_reports(reports: Sequence[dict], sources: Sequence[str] = ()) -> dict:
    """One report for the union of disjoint searches (shards of one seed range).

    Counts add up, seed lists join, each outcome's example and the first
    failure come from the lowest seed: the report a single search over all
    the seeds would have printed.
    """
    if not reports:
        raise ReportError("nothing to merge")
    names = list(sources) or [f"report {i + 1}" for i in range(len(reports))]
    for name, report in zip(names, reports):
        if not isinstance(report, dict) or report.get("format") != FORMAT:
            raise ReportError(f"{name}: not a simfutures explore --json report")
    first = reports[0]
    for name, report in zip(names, reports):
        for field in ("program", "strategy"):
            if report[field] != first[field]:
                raise ReportError(f"{name}: {field} {report[field]!r} differs from "
                                  f"{first[field]!r}: not shards of one search")
    groups: dict[tuple, dict] = {}
    seen: set[int] = set()
    for name, report in zip(names, reports):
        for outcome in report["outcomes"]:
            overlap = seen.intersection(outcome["seeds"])
            if overlap:
                raise ReportError(f"{name}: seed {min(overlap)} is in two reports: "
                                  "shards must be disjoint")
            key = (outcome["stdout"], outcome["exit_code"], outcome["error"],
                   outcome.get("observed"))
            held = groups.get(key)
            if held is None:
                groups[key] = dict(outcome, seeds=list(outcome["seeds"]))
                continue
            if outcome["seeds"][0] < min(held["seeds"]):  # the example is the lowest seed's
                held["schedule"] = outcome["schedule"]
                if "replay" in outcome:
                    held["replay"] = outcome["replay"]
            held["seeds"] = held["seeds"] + list(outcome["seeds"])
            held["count"] += outcome["count"]
        for outcome in report["outcomes"]:
            seen.update(outcome["seeds"])
    for group in groups.values():
        group["seeds"].sort()
    ordered = sorted(groups.values(), key=lambda g: g["seeds"][0])
    failures = [r["first_failure"] for r in reports if r["first_failure"] is not None]
    merged = {"format": FORMAT, "program": first["program"], "strategy": first["strategy"],
              "runs": sum(r["runs"] for r in reports),
              "failures": sum(r["failures"] for r in reports),
              "outcomes": ordered,
              "first_failure": min(failures, key=lambda f: f["seed"]) if failures else None}
    if "exhausted" in first:
        merged["exhausted"] = all(r.get("exhausted") for r in reports)
        merged["pruned"] = sum(r.get("pruned", 0) for r in reports)
    if "preempt" in first:
        merged["preempt"] = first["preempt"]
        # Each race once, with the lowest run that showed it (as one search reports it).
        races: dict[str, dict] = {}
        for report in reports:
            for race in report.get("races", ()):
                key = json.dumps({k: v for k, v in race.items() if k != "first_run"},
                                 sort_keys=True)
                if key not in races or race["first_run"] < races[key]["first_run"]:
                    races[key] = race
        # The order one search gives: first run, then location and the two sides.
        merged["races"] = sorted(races.values(), key=lambda r: (
            r["first_run"], r["location"], [(a["site"], a["access"]) for a in r["accesses"]]))
    return merged
