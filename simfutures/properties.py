"""Ready-made checks over many schedules: a property that always holds, an outcome that can happen.

    assert_always(program, lambda result: result == [0, 2, 4])   # every schedule, up to a bound
    witness = assert_sometimes(program, lambda order: order == ["b", "a"])
    simulate(program, schedule=witness.schedule)                 # replays the witnessing run

Schedules are enumerated systematically: the natural run first, then every
run that differs from it in one choice, then in two, and so on (a schedule is
a prefix of choices replayed exactly, followed by natural choices).  Going by
the number of switches rather than plain depth-first means the schedules a
bound cuts off are the most contrived ones, and a counterexample or witness
is one with as few switches as possible.  Choices of kind "random" (the seed
of the program's ``random``) stay natural here; ``assert_sometimes`` varies
them in random walks once the systematic schedules are used up.

Runs use ``simulate``'s default policy for schedules (the lines of accesses
found racy are scheduling points too, see docs/soundness.md), so the schedule
of a counterexample or witness replays exactly with ``simulate(fn,
schedule=...)``.

Self-contained on purpose: ``simfutures.explore`` is the full-featured search.
"""

from __future__ import annotations

import contextlib
import io
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import attrs

from simfutures.errors import SimfuturesError

# What ``simulate(..., fail_on_race=True)`` raises: a property can be "no data race".
from simfutures.explore.races import DataRaceError
from simfutures.sim.chooser import RandomChooser, ReplayChooser, Schedule
from simfutures.sim.hypothesis_chooser import render_indices
from simfutures.sim.scheduler import Limits
from simfutures.sim.simulate import RunResult

__all__ = ("assert_always", "assert_sometimes", "Exploration", "Witness", "PropertyFailed",
           "NeverObserved", "BoundError", "DataRaceError")


def _replay_text(schedule: Schedule) -> str:
    return render_indices(schedule.indices())


def _run(fn: Callable[..., Any], args: tuple, kwargs: dict, chooser: Any,
         limits: Limits | None, mode: str = "races") -> RunResult:
    """One run, under the race policy ``simulate(fn, schedule=...)`` replays with."""
    from simfutures.explore.races import run_function

    return run_function(fn, args, kwargs, chooser, limits, (), mode)[0]


def _outcome(result: RunResult) -> str:
    if result.stopped is not None:
        return f"stopped: {result.stopped.summary}"
    if result.exception is not None:
        return f"raised {type(result.exception).__name__}: {result.exception}"
    return f"returned {result.value!r}"


@attrs.frozen
class Exploration:
    """What ``assert_always`` checked: how many schedules, and whether that was all of them."""

    runs: int
    #: True when every schedule within ``max_switches`` was run (no bound cut it short).
    exhaustive: bool
    max_switches: int | None


@attrs.frozen
class Witness:
    """A run that showed the outcome ``assert_sometimes`` looked for."""

    schedule: Schedule
    value: Any
    runs: int

    @property
    def replay(self) -> str:
        """Python source for ``simulate(fn, schedule=...)`` that reproduces the run."""
        return _replay_text(self.schedule)


class PropertyFailed(SimfuturesError, AssertionError):
    """``assert_always`` found a schedule where the property does not hold."""

    def __init__(self, message: str, schedule: Schedule, value: Any,
                 exception: BaseException | None) -> None:
        super().__init__(message)
        self.schedule = schedule
        self.value = value
        self.exception = exception


class NeverObserved(SimfuturesError, AssertionError):
    """``assert_sometimes`` ran out of schedules without seeing the outcome."""


class BoundError(SimfuturesError, ValueError):
    """A bound given to ``assert_always``/``assert_sometimes`` is not usable."""


def _check_bound(name: str, value: object, allow_none: bool) -> None:
    if value is None and allow_none:
        return
    if isinstance(value, bool) or not isinstance(value, int) or value < 1 - allow_none:
        raise BoundError(f"{name} must be a whole number >= {1 - allow_none}, "
                              f"got {value!r}")


class _BySwitches:
    """Runs in order of how many choices differ from the natural run.

    Each queued schedule is a prefix whose last choice is its newest switch;
    its children add one switch at a later choice, so every schedule is
    reached once.  The queue never holds more than the runs left to do: what
    does not fit would never run, and ``exhaustive`` records that it was cut.
    """

    def __init__(self, fn: Callable[..., Any], args: tuple, kwargs: dict, *, max_runs: int,
                 max_switches: int | None, limits: Limits | None, mode: str = "races") -> None:
        self._call = (fn, args, kwargs)
        self._max_runs = max_runs
        self._max_switches = max_switches
        self._limits = limits
        self._mode = mode
        self.runs = 0
        self.exhaustive = False

    def __iter__(self) -> Iterator[RunResult]:
        fn, args, kwargs = self._call
        queue: deque[tuple[tuple[int, ...], int]] = deque([((), 0)])
        cut = False
        while queue and self.runs < self._max_runs:
            prefix, switches = queue.popleft()
            result = _run(fn, args, kwargs, ReplayChooser(list(prefix), strict=False),
                          self._limits, self._mode)
            self.runs += 1
            yield result
            if cut or (self._max_switches is not None and switches >= self._max_switches):
                continue
            indices = tuple(result.schedule.indices())
            for position in range(len(prefix), len(indices)):
                choice = result.schedule.choices[position]
                if choice.kind == "random":
                    continue
                room = self._max_runs - self.runs - len(queue)
                fitting = min(choice.options - 1, room)
                queue.extend((indices[:position] + (alternative,), switches + 1)
                             for alternative in range(1, fitting + 1))
                if fitting < choice.options - 1:  # the rest would never run
                    cut = True
                    break
        self.exhaustive = not cut and not queue


#: Runs ``fewest_switches_alike`` may spend: every schedule of up to two switches of a
#: run of about eighty decisions (a lost update's three, on a run of fifty)...
ALIKE_SEARCH_RUNS = 4000
#: ...and decisions, all runs together, so that a long program's failure is not held
#: up for minutes (a run's time goes with its decisions): a run of 2,500 decisions
#: gets its 100 first one-switch schedules.
ALIKE_SEARCH_DECISIONS = 250_000


def _ending(result: RunResult) -> tuple[str, Any]:
    """How a run ended, for comparing two runs of one program."""
    if result.stopped is not None:
        return ("stopped", result.stopped.summary)
    if result.exception is not None:
        return ("raised", (type(result.exception), str(result.exception)))
    return ("returned", result.value)


def _same(a: tuple[str, Any], b: tuple[str, Any]) -> bool:
    try:
        return bool(a == b)
    except Exception:  # a value whose == raises (say, an array) matches nothing
        return False


def fewest_switches_alike(fn: Callable[..., Any], args: tuple, kwargs: dict,
                          schedule: Schedule, *, limits: Limits | None,
                          mode: str) -> Schedule | None:
    """A schedule with the fewest switches (fewer than ``schedule``'s) whose run ends
    as ``schedule``'s does: the same return value (``==``), exception (type and
    message) or stop, and the same standard output.

    What Hypothesis's shrinker cannot do (``simfutures.sim.hypothesis_chooser``):
    it lowers one choice at a time, so two switches neither of which can go alone
    stay, where one switch elsewhere fails the same way.  Schedules are tried in
    order of switches, at most ``ALIKE_SEARCH_RUNS`` runs and, over all runs, about
    ``ALIKE_SEARCH_DECISIONS`` decisions (so the answer is a pure function of the
    program and ``schedule``).  Returns None when none is found, when
    ``schedule`` has fewer than two switches, or when the natural run already ends
    the same way (then "the same ending" does not tell the failure apart, so no
    schedule is offered).  Runs are silent: their output is captured.
    """
    switches = schedule.switches()
    if switches < 2:
        return None
    max_runs = min(ALIKE_SEARCH_RUNS, ALIKE_SEARCH_DECISIONS // len(schedule.choices))
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(io.StringIO()):
        reference = _run(fn, args, kwargs, ReplayChooser(schedule.indices()), limits, mode)
        wanted = (_ending(reference), output.getvalue())
        runs = iter(_BySwitches(fn, args, kwargs, max_runs=max_runs,
                                max_switches=switches - 1, limits=limits, mode=mode))
        while True:
            start = output.tell()
            result = next(runs, None)
            if result is None:
                return None
            if not _same((_ending(result), output.getvalue()[start:]), wanted):
                continue
            found = result.schedule.switches()
            return result.schedule if found else None


def assert_always(fn: Callable[..., Any], predicate: Callable[[Any], object], *args: Any,
                  max_schedules: int = 1000, max_switches: int | None = None,
                  limits: Limits | None = None, **kwargs: Any) -> Exploration:
    """Check ``predicate(fn(*args, **kwargs))`` under every schedule up to a bound.

    Schedules go in order of switches from the natural run (see the module
    docstring), at most ``max_schedules`` of them, with at most
    ``max_switches`` switches each if given.  A run that raises or stops
    (deadlock, limit) fails the check too.  Raises ``PropertyFailed`` carrying
    the counterexample's schedule; returns an ``Exploration`` that says
    whether the bound cut the enumeration short.
    """
    _check_bound("max_schedules", max_schedules, allow_none=False)
    _check_bound("max_switches", max_switches, allow_none=True)
    schedules = _BySwitches(fn, args, kwargs, max_runs=max_schedules,
                            max_switches=max_switches, limits=limits)
    for result in schedules:
        if result.ok and predicate(result.value):
            continue
        failure = result.stopped if result.stopped is not None else result.exception
        what = "" if failure is not None else " and the property is false"
        raise PropertyFailed(
            f"assert_always: schedule {schedules.runs} {_outcome(result)}{what} "
            f"({result.schedule.switches()} switch(es) from the natural order).\n"
            f"Replay it: simulate(fn, schedule={_replay_text(result.schedule)})",
            result.schedule, result.value, failure) from failure
    return Exploration(schedules.runs, schedules.exhaustive, max_switches)


def assert_sometimes(fn: Callable[..., Any], predicate: Callable[[Any], object], *args: Any,
                     runs: int = 1000, max_switches: int | None = None,
                     limits: Limits | None = None, **kwargs: Any) -> Witness:
    """Find a schedule under which ``predicate(fn(*args, **kwargs))`` holds.

    Tries the natural run, then schedules by growing number of switches; when
    those are all done and runs remain, random walks (which also vary the
    program's ``random``).  Runs that raise or stop do not count as the
    outcome.  Returns the first ``Witness``; raises ``NeverObserved`` after
    ``runs`` runs without one.
    """
    _check_bound("runs", runs, allow_none=False)
    _check_bound("max_switches", max_switches, allow_none=True)
    seen: dict[str, int] = {}
    count = 0
    for result in _walks(fn, args, kwargs, runs, max_switches, limits):
        count += 1
        if result.ok and predicate(result.value):
            return Witness(result.schedule, result.value, count)
        outcome = _outcome(result)
        seen[outcome] = seen.get(outcome, 0) + 1
    common = sorted(seen.items(), key=lambda item: -item[1])[:5]
    listing = "\n".join(f"  {n} x {outcome}" for outcome, n in common)
    raise NeverObserved(
        f"assert_sometimes: no schedule out of {count} gave the outcome; most frequent "
        f"outcomes:\n{listing}\n(more runs= or a larger max_switches= may find it)")


def _walks(fn: Callable[..., Any], args: tuple, kwargs: dict, runs: int,
           max_switches: int | None, limits: Limits | None) -> Iterator[RunResult]:
    systematic = _BySwitches(fn, args, kwargs, max_runs=runs, max_switches=max_switches,
                             limits=limits)
    yield from systematic
    # Systematic schedules used up: random walks vary what they left natural.
    for seed in range(1, runs - systematic.runs + 1):
        yield _run(fn, args, kwargs, RandomChooser(seed), limits)
