"""pytest plugin: every scenario file is a test.

Registered through the ``pytest11`` entry point, so installing simfutures is
enough; it therefore only takes what is its own. A YAML file becomes a test
item when it declares itself with a top-level ``simfutures: 1`` line (see
simfutures.scenario.marker) and either matches the ``simfutures_scenarios``
ini patterns (default: ``scenarios/**/*.yaml`` under the rootdir and
``scenario_*.yaml`` anywhere) or is named on the command line. Other YAML
files are left alone, and a session without scenarios shows nothing of
simfutures (the simulator is not even imported).

The item runs the scenario under ``--simfutures-runs`` seeds from
``--simfutures-seed`` and fails if any claim fails, with the same report
``simfutures check`` prints: each claim's verdict, the refuting seed, the
replay command and the timeline.

Items are plain ``pytest.File``/``pytest.Item`` subclasses identified by
nodeid alone, so ``-k``, ``-x``, ``--lf`` and pytest-xdist work unchanged.
"""

from __future__ import annotations

import fnmatch
import functools
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from simfutures.commands.numbers import non_negative_int, positive_int
from simfutures.scenario import ScenarioError, marker

if TYPE_CHECKING:
    from simfutures.scenario.check import CheckReport
    from simfutures.scenario.model import Scenario

DEFAULT_PATTERNS = ("scenarios/**/*.yaml", "scenario_*.yaml")
SCENARIO_SUFFIXES = marker.SUFFIXES
#: Kept equal to simfutures.commands.check.DEFAULT_RUNS (a test says so); not
#: imported from there, which would load the simulator in every pytest session.
DEFAULT_RUNS = 100


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("simfutures", "simfutures scenario files")
    group.addoption("--simfutures-runs", type=positive_int, default=None, metavar="N",
                    help="schedules (seeds) to run per scenario file "
                    f"(default: the simfutures_runs ini value, or {DEFAULT_RUNS})")
    group.addoption("--simfutures-seed", type=non_negative_int, default=0, metavar="S",
                    help="first seed; scenarios run seeds S, S+1, ... (default 0)")
    parser.addini("simfutures_scenarios", type="args", default=list(DEFAULT_PATTERNS),
                  help="glob patterns of scenario files (only files with a top-level "
                  f"'{marker.LINE}' line are collected); patterns with a '/' are relative "
                  "to the rootdir ('**' spans directories), others match the file name "
                  "anywhere (default: %s)" % " ".join(DEFAULT_PATTERNS))
    parser.addini("simfutures_runs", default=str(DEFAULT_RUNS),
                  help=f"schedules to run per scenario file (default {DEFAULT_RUNS})")


def runs_from(config: pytest.Config) -> int:
    runs = config.getoption("simfutures_runs")
    if runs is not None:
        return runs
    text = str(config.getini("simfutures_runs")).strip()
    try:
        return positive_int(text)
    except Exception:
        raise pytest.UsageError(
            f"simfutures_runs: expected a whole number >= 1, got {text!r}") from None


def pytest_report_collectionfinish(config: pytest.Config, items: list[pytest.Item]
                                   ) -> list[str]:
    # After collection, and only when there is a scenario: a session of another
    # project that merely has simfutures installed sees nothing of it.
    if not any(isinstance(item, ScenarioItem) for item in items):
        return []
    from simfutures.commands.check import seed_span

    first = config.getoption("simfutures_seed")
    return [f"simfutures: scenarios run {seed_span(first, runs_from(config))}"]


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> ScenarioFile | None:
    if file_path.suffix not in SCENARIO_SUFFIXES:
        return None
    # A file named on the command line is collected whatever its name, as
    # pytest does for test modules; but only if it declares itself ours.
    if not (parent.session.isinitpath(file_path) or matches_patterns(
            file_path, parent.config.getini("simfutures_scenarios"), parent.config.rootpath)):
        return None
    if not marker.looks_marked(file_path):
        return None
    return ScenarioFile.from_parent(parent, path=file_path)


def matches_patterns(path: Path, patterns: list[str], root: Path) -> bool:
    """Whether ``path`` matches a pattern: with a '/', its path relative to ``root``;
    without one, its file name (as .gitignore does)."""
    try:
        relative: str | None = path.relative_to(root).as_posix()
    except ValueError:
        relative = None
    for pattern in patterns:
        pattern = pattern.removeprefix("./")
        if "/" not in pattern:
            if fnmatch.fnmatchcase(path.name, pattern):
                return True
        elif relative is not None and _glob_regex(pattern).fullmatch(relative):
            return True
    return False


@functools.lru_cache(maxsize=64)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    # fnmatch's '*' crosses '/', and PurePath.full_match needs Python 3.13:
    # translate by hand so '*' and '?' stay within one directory and '**'
    # spans any number of them (none included).
    parts = []
    segments = pattern.split("/")
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            parts.append(".*" if last else "(?:[^/]*/)*")
            continue
        parts.append(_segment_regex(segment) + ("" if last else "/"))
    return re.compile("".join(parts))


def _segment_regex(segment: str) -> str:
    out, i = [], 0
    while i < len(segment):
        char = segment[i]
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[" and (end := _class_end(segment, i)) > 0:
            body = segment[i + 1:end]
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append("[" + body.replace("\\", "\\\\") + "]")
            i = end
        else:
            out.append(re.escape(char))
        i += 1
    return "".join(out)


def _class_end(segment: str, start: int) -> int:
    """Index of the ']' closing the class opened at ``start``, or -1 (a literal '[')."""
    j = start + 1
    if segment[j:j + 1] == "!":
        j += 1
    if segment[j:j + 1] == "]":  # a ']' right after the opening is a member
        j += 1
    return segment.find("]", j)


def display_path(path: Path) -> str:
    """The path as the user would type it from here: relative when below the cwd.

    It appears in claim locations and replay commands.
    """
    try:
        return os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)
    except (OSError, ValueError):  # no cwd, another drive
        return str(path)


def item_name(scenario: Scenario) -> str:
    # '::' separates nodeid parts: keep the readable name, minus that.
    return " ".join(scenario.name.replace("::", ":").split())


class ScenarioFile(pytest.File):
    def collect(self) -> Iterator[ScenarioItem]:
        from simfutures.scenario import load_scenario

        try:
            scenario = load_scenario(display_path(self.path))
        except marker.NotAScenarioError:
            return  # its 'simfutures:' line was not the top-level key: not ours
        except ScenarioError as exc:
            # The loader's one-line message (file:line:col) is the whole report:
            # a traceback into the loader would only hide it.
            raise self.CollectError(f"bad scenario file: {exc}") from None
        yield ScenarioItem.from_parent(self, name=item_name(scenario), scenario=scenario)


class ScenarioFailed(Exception):
    """A scenario whose claims did not all hold; carries the finished report text."""

    def __init__(self, text: str, line: int) -> None:
        super().__init__(text)
        self.text = text
        self.line = line  # 1-based: the first failed claim's line


class ScenarioItem(pytest.Item):
    def __init__(self, *, scenario: Scenario, **kwargs) -> None:
        super().__init__(**kwargs)
        self.scenario = scenario

    def runtest(self) -> None:
        from simfutures.commands.check import claim_verdicts
        from simfutures.scenario.check import check_scenario

        first = self.config.getoption("simfutures_seed")
        try:
            report = check_scenario(self.scenario, runs=runs_from(self.config),
                                    first_seed=first)
        except ScenarioError as exc:  # e.g. a duration beyond the time limit
            raise ScenarioFailed(str(exc), exc.line or self.scenario.loc.line) from None
        for result in report.results:
            # Machine-readable per-claim verdicts (junitxml <properties>).
            self.user_properties.append((result.location, "holds" if result.passed else "FAILS"))
        unjudged = [r for r in report.results if not r.judged]
        if unjudged and not report.failures and all(r.passed or not r.judged
                                                    for r in report.results):
            # Not a pass, and nothing is known to fail: this Python cannot tell.
            pytest.skip(f"{unjudged[0].location}: {unjudged[0].detail}")
        if not report.passed:
            raise ScenarioFailed(self._failure_text(report, first), _failed_line(report))
        # Shown with -rP / -rA: the passing verdicts, each claim by its line.
        self.add_report_section("call", "simfutures claims", claim_verdicts(report))

    def _failure_text(self, report: CheckReport, first: int) -> str:
        # The first line is what pytest's short summary shows: make it the place
        # to look and the count, then the scenario's own words.
        from simfutures.commands.check import claim_verdicts, explain_scenario, plural, seed_span

        failed = sum(not r.passed for r in report.results)
        what = [f"{failed} of {len(report.results)} claims fail"] if failed else []
        if report.failures:
            what.append(f"{plural(len(report.failures), 'run')} failed")
        header = (f"{self.scenario.path}:{_failed_line(report)}: {', '.join(what)} over "
                  f"{plural(report.runs, 'run')} ({seed_span(first, report.runs)}) "
                  f"in scenario {self.scenario.name!r}")
        return (header + "\n\n" + claim_verdicts(report) + "\n"
                + explain_scenario(report, first_seed=first, more_runs="--simfutures-runs"))

    def repr_failure(self, excinfo: pytest.ExceptionInfo[BaseException], style=None):
        if isinstance(excinfo.value, ScenarioFailed):
            return excinfo.value.text
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self) -> tuple[Path, int, str]:
        # 0-based, as pytest wants. Before the run nothing has failed yet: point
        # at the claims (or the scenario); a failed report is moved to the
        # failed claim's line by pytest_runtest_makereport below.
        first = self.scenario.expect[0].loc if self.scenario.expect else self.scenario.loc
        return self.path, max(first.line - 1, 0), f"scenario: {self.name}"


def _failed_line(report: CheckReport) -> int:
    for result in report.results:
        if not result.passed:
            return result.claim.loc.line
    return report.scenario.loc.line  # only runs failed: the scenario as a whole


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):
    report = yield
    if isinstance(item, ScenarioItem) and call.excinfo is not None and isinstance(
            call.excinfo.value, ScenarioFailed):
        path, _, domain = report.location
        report.location = (path, call.excinfo.value.line - 1, domain)
    return report
