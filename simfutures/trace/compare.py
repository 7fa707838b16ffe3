"""Sim vs real: does reality only do what the simulator says is possible?

The comparison works on *outcome texts*: what a run printed plus how it
ended, normalised (``simfutures.trace.normalize``) so that addresses, pids and
clock readings do not make equal behaviour look different.

``compare_outcomes`` is the core and takes the texts from anywhere (scenario
claims use it directly); ``compare_program`` runs a script both ways;
``sim_vs_real`` is a pytest fixture bringing the same check into test suites.

What a result means: a real outcome the simulator produced is *possible in
the model*.  A real outcome absent from M simulated schedules is evidence,
not proof, that the model misses something: a rarer schedule might still
produce it.  Sim outcomes reality did not show in N runs prove nothing by
themselves: real runs favour few interleavings.
"""

from __future__ import annotations

import difflib
import os
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

from simfutures.errors import SimfuturesError
from simfutures.trace.normalize import normalize

if TYPE_CHECKING:
    from simfutures.sim.chooser import Schedule

#: Runs of the output-guided search for each real outcome no seed produced.
SEARCH_RUNS = 2000


class CompareError(SimfuturesError, ValueError):
    """The comparison cannot be made as asked (bad counts, unusable program)."""


@attrs.frozen
class RealOutcome:
    """One distinct outcome of the real runs and what the simulator said about it."""

    text: str
    runs: tuple[int, ...]  # which real runs (1-based) ended this way
    sim_seed: int | None  # a seed whose schedule produces it; None: no schedule did
    sim_count: int = 0  # how many of the simulated schedules produced it
    closest_seed: int | None = None  # for a surprise: the most similar sim outcome
    closest_text: str | None = None
    #: When no seed produced it: a schedule that does, found by the output-guided search
    #: (``explore.output_search``); None when no search ran or it found none.
    schedule: Schedule | None = None

    @property
    def produced_by_sim(self) -> bool:
        return self.sim_seed is not None or self.schedule is not None


@attrs.frozen
class ComparisonReport:
    """The verdict: each real outcome, matched or not, and what reality left unseen."""

    real: tuple[RealOutcome, ...]
    real_runs: int
    sim_runs: int
    sim_distinct: int
    unseen_in_reality: tuple[tuple[str, int], ...]  # (outcome, seed) the real runs never showed
    notes: tuple[str, ...] = ()
    title: str = ""
    search_runs: int = 0  # budget of the output-guided search for each surprise (0: none)

    @property
    def surprises(self) -> tuple[RealOutcome, ...]:
        """Real outcomes no simulated schedule produced."""
        return tuple(o for o in self.real if not o.produced_by_sim)

    @property
    def ok(self) -> bool:
        return not self.surprises

    @property
    def exit_code(self) -> int:
        return 0 if self.ok else 1

    def render(self, *, replay: Callable[[int], str] | None = None,
               replay_schedule: Callable[[Schedule], str] | None = None) -> str:
        """The report as text; ``replay`` (a seed) and ``replay_schedule`` (a schedule
        found by search) give the command that replays a simulated outcome."""
        from simfutures.trace.compare_report import render_report

        return render_report(self, replay=replay, replay_schedule=replay_schedule)


def _canonical(text: str) -> str:
    # Idempotent on already normalised text, so callers may normalise or not.
    return normalize(text)


def compare_outcomes(real: Sequence[str], sim: Mapping[str, int], *,
                     sim_counts: Mapping[str, int] | None = None,
                     sim_runs: int | None = None, title: str = "",
                     key: Callable[[str], str] | None = None) -> ComparisonReport:
    """Match each real outcome text against the simulated ones.

    ``real``: one text per real run, in run order.  ``sim``: each distinct
    simulated outcome text -> a seed producing it (``sim_counts``: how many
    schedules produced it).  Texts are compared after ``normalize``
    (addresses, times; pids only if the caller normalised them), and after
    ``key`` if given (an equivalence, e.g. ``ignore_line_breaks``); the report
    shows the first text of each class.
    """
    if not real:
        raise CompareError("no real runs to compare (need at least 1)")

    def canonical(text: str) -> str:
        # normalize is idempotent, so callers may normalise first or not.
        text = normalize(text)
        return key(text) if key is not None else text

    seeds: dict[str, int] = {}
    shown: dict[str, str] = {}
    counts: Counter[str] = Counter()
    for text, seed in sim.items():
        k = canonical(text)
        if k not in seeds or seed < seeds[k]:
            seeds[k], shown[k] = seed, normalize(text)
        counts[k] += (sim_counts or {}).get(text, 1)
    runs_of: dict[str, list[int]] = {}
    real_shown: dict[str, str] = {}
    for number, text in enumerate(real, 1):
        k = canonical(text)
        runs_of.setdefault(k, []).append(number)
        real_shown.setdefault(k, normalize(text))
    outcomes = []
    for k, runs in runs_of.items():
        seed = seeds.get(k)
        closest = None if seed is not None else _closest(k, seeds)
        outcomes.append(RealOutcome(
            real_shown[k], tuple(runs), seed, counts.get(k, 0),
            closest_seed=seeds[closest] if closest else None,
            closest_text=shown[closest] if closest else None))
    unseen = tuple(sorted(((shown[k], s) for k, s in seeds.items() if k not in runs_of),
                          key=lambda item: item[1]))
    notes = _notes(outcomes, len(real))
    return ComparisonReport(tuple(outcomes), len(real),
                            sim_runs if sim_runs is not None else sum(counts.values()),
                            len(seeds), unseen, notes, title)


def ignore_line_breaks(text: str) -> str:
    """Outcome key that keeps the order of printed text but not where line
    breaks fall.  ``print()`` writes its text and then its newline, so two
    threads printing at once can produce ``"AB\\n\\n"`` instead of ``"A\\nB\\n"``;
    every such variant multiplies the outcomes a comparison must match."""
    body, bracket, ending = text.rpartition("\n[")
    if not bracket:  # no output, just the ending
        return text
    return body.replace("\n", "") + bracket + ending


def _closest(text: str, sim: Mapping[str, int]) -> str | None:
    """The simulated outcome most like ``text`` (shown as a diff in reports)."""
    best: tuple[float, str, int] | None = None
    for candidate, seed in sim.items():
        matcher = difflib.SequenceMatcher(None, text, candidate, autojunk=False)
        if best is not None and matcher.real_quick_ratio() <= best[0]:
            continue
        ratio = matcher.ratio()
        if best is None or ratio > best[0] or (ratio == best[0] and seed < best[2]):
            best = (ratio, candidate, seed)
    return best[1] if best else None


def _notes(outcomes: list[RealOutcome], real_runs: int) -> tuple[str, ...]:
    notes = []
    if real_runs >= 2 and len(outcomes) == real_runs and not any(
            o.produced_by_sim for o in outcomes):
        notes.append(
            "every real run ended differently and the simulator produced none of them: the "
            "program may depend on something other than scheduling (wall-clock time, "
            "randomness from the OS, the environment); normalisation only covers addresses, "
            "pids and time-like values, so this comparison says little about concurrency")
    if any(o.text.endswith("[hangs]") for o in outcomes):
        notes.append("a real run hit the time limit and was killed: it is counted as "
                     "'hangs', which matches a simulated deadlock or stopped run")
    return tuple(notes)


# -- outcome texts -------------------------------------------------------------


def outcome_text(stdout: str, ending: str, pids: Iterable[int] = ()) -> str:
    """The comparable text of a run: normalised output, then ``[ending]``."""
    out = normalize(stdout, pids)
    if out and not out.endswith("\n"):
        out += "\n"
    return f"{out}[{ending}]"


def real_ending(exit_code: int | None, stderr: str) -> str:
    from simfutures.trace.real_runs import exception_name

    if exit_code is None:
        return "hangs"
    if exit_code < 0:
        return f"killed by signal {-exit_code}"
    name = exception_name(stderr) if exit_code else None
    return f"exit {exit_code}" + (f": {name}" if name else "")


def sim_ending(exit_code: int, error: str | None, stopped: bool) -> str:
    if stopped:
        return "hangs"
    name = error.split(":", 1)[0].strip() if error else None
    return f"exit {exit_code}" + (f": {name}" if name else "")


# -- the pytest fixture --------------------------------------------------------


def sim_vs_real() -> SimVsReal:
    """Fixture (register with ``pytest.fixture(sim_vs_real)``): a callable that
    compares a script or a function in both worlds and fails the test when
    reality does something no simulated schedule did."""
    return SimVsReal()


class SimVsReal:
    def __call__(self, program: str | os.PathLike | Callable[[], Any], *,
                 real_runs: int = 3, sim_runs: int = 200, timeout: float = 60.0,
                 line_breaks: bool = True) -> ComparisonReport:
        from simfutures.trace.compare_run import compare_function, compare_program

        if callable(program):
            report = compare_function(program, real_runs=real_runs, sim_runs=sim_runs)
        else:
            report = compare_program(Path(program), real_runs=real_runs, sim_runs=sim_runs,
                                     timeout=timeout, line_breaks=line_breaks)
        if not report.ok:
            import pytest

            pytest.fail(report.render(), pytrace=False)
        return report
