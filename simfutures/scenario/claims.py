"""Judging claims against the observations of many runs.

``always`` and ``never`` are refuted by one run and report its index;
``sometimes`` is shown by one run and otherwise reports how many runs were
tried without seeing it. A claim's predicates must all hold in the same run.
"""

from __future__ import annotations

import functools
import math
import os
import platform
from collections.abc import Sequence
from typing import Any

import attrs

from simfutures.scenario.model import (
    Claim,
    CompletedOrder,
    DataRaceSeen,
    OrderIs,
    Predicate,
    Printed,
    Raises,
    Returns,
    StateIs,
    TimeIs,
)
from simfutures.scenario.observation import Observation, Outcome
from simfutures.scenario.values import FrozenMap, show
from simfutures.scenario.vocabulary import TIME_TOLERANCE


@attrs.frozen
class ClaimResult:
    claim: Claim
    passed: bool
    runs: int  # how many observations were judged
    index: int | None  # the refuting run (always/never) or the witness (sometimes)
    detail: str  # one line: why it passed or failed
    judged: bool = True  # False: this Python cannot decide it (passed is then False)

    @property
    def location(self) -> str:
        return str(self.claim.loc)

    def __str__(self) -> str:
        verdict = "holds" if self.passed else "FAILS" if self.judged else "NOT JUDGED"
        return f"{self.location}: {self.claim.quantifier} claim {verdict}: {self.detail}"


def evaluate(
    claim: Claim,
    observations: Sequence[Observation],
    *,
    labels: Sequence[str] | None = None,
) -> ClaimResult:
    """Judge ``claim`` over ``observations`` (one per explored run).

    ``labels`` name the runs in the report (e.g. "seed 17"); by default "run <index>".
    """
    if not observations:
        raise ValueError("a claim needs at least one observed run to be judged")
    runs = len(observations)
    unavailable = _unavailable(claim)
    if unavailable:
        return ClaimResult(claim, False, runs, None, unavailable, judged=False)
    for index, obs in enumerate(observations):
        ok, why = check_all(claim, obs)
        label = labels[index] if labels is not None else f"run {index}"
        if claim.quantifier == "always" and not ok:
            return ClaimResult(claim, False, runs, index, f"{label}: {why}")
        if claim.quantifier == "never" and ok:
            return ClaimResult(claim, False, runs, index, f"{label}: {why}")
        if claim.quantifier == "sometimes" and ok:
            return ClaimResult(claim, True, runs, index, f"seen in {label}: {why}")
    if claim.quantifier == "sometimes":
        return ClaimResult(claim, False, runs, None, f"not seen in any of {runs} runs")
    return ClaimResult(claim, True, runs, None, f"held in all {runs} runs")


def check_all(claim: Claim, obs: Observation) -> tuple[bool, str]:
    """Whether every predicate holds in ``obs``, and a one-line account.

    When it fails the account names the first predicate that did not hold;
    when it holds it describes all of them.
    """
    notes = []
    for predicate in claim.predicates:
        ok, note = check(predicate, obs)
        if not ok:
            return False, note
        notes.append(note)
    return True, "; ".join(notes)


def check(predicate: Predicate, obs: Observation) -> tuple[bool, str]:
    """Whether one predicate holds in ``obs``, with what was actually seen."""
    if isinstance(predicate, StateIs):
        state = obs.handle(predicate.handle).state
        return state == predicate.state, f"{predicate.handle} was {state}"
    if isinstance(predicate, Returns):
        outcome = _outcome(obs, predicate.subject)
        ok = outcome.raised is None and outcome.skipped is None and same(
            outcome.value, predicate.value
        )
        return ok, f"{predicate.subject} {outcome}"
    if isinstance(predicate, Raises):
        outcome = _outcome(obs, predicate.subject)
        raised = outcome.raised
        ok = (
            raised is not None
            and raised.is_a(predicate.exception)
            and (predicate.message is None or raised.message == predicate.message)
        )
        return ok, f"{predicate.subject} {outcome}"
    if isinstance(predicate, OrderIs):
        yielded = obs.step(predicate.subject).yielded
        return same(yielded, predicate.items), f"{predicate.subject} yielded {show(yielded)}"
    if isinstance(predicate, CompletedOrder):
        return _completed(predicate, obs)
    if isinstance(predicate, TimeIs):
        return _time(predicate, obs)
    if isinstance(predicate, Printed):
        return _printed(predicate, obs)
    if isinstance(predicate, DataRaceSeen):
        return _data_race(predicate, obs)
    raise TypeError(f"not a predicate: {predicate!r}")


def _outcome(obs: Observation, subject: str) -> Outcome:
    for record in obs.handles:
        if record.name == subject:
            return record.outcome
    return obs.step(subject).outcome


def _completed(predicate: CompletedOrder, obs: Observation) -> tuple[bool, str]:
    # Relative order of the listed handles; others may complete in between.
    listed = set(predicate.handles)
    seen = tuple(h for h in obs.completed if h in listed)
    return seen == predicate.handles, f"completion order was {show(obs.completed)}"


def _time(predicate: TimeIs, obs: Observation) -> tuple[bool, str]:
    if predicate.event == "step":
        at: float | None = obs.step(predicate.subject).ended_at
    else:
        record = obs.handle(predicate.subject)
        at = {
            "submit": record.submitted_at,
            "start": record.started_at,
            "finish": record.finished_at,
        }[predicate.event]
    what = f"{predicate.event} {predicate.subject}"
    if at is None:
        return False, f"{what} never happened"
    ok = True
    if predicate.equals is not None:
        ok = math.isclose(at, predicate.equals, rel_tol=0, abs_tol=TIME_TOLERANCE)
    if predicate.at_least is not None:
        ok = ok and at >= predicate.at_least - TIME_TOLERANCE
    if predicate.at_most is not None:
        ok = ok and at <= predicate.at_most + TIME_TOLERANCE
    return ok, f"{what} at t={at:.6g}"


def _printed(predicate: Printed, obs: Observation) -> tuple[bool, str]:
    if predicate.equals is not None:
        ok = obs.printed == predicate.equals
    else:
        assert predicate.contains is not None
        ok = any(predicate.contains in line for line in obs.printed)
    return ok, f"printed {show(obs.printed)}"


def _unavailable(claim: Claim) -> str | None:
    """Why this Python cannot judge ``claim``, if it cannot: races are only seen where
    the tracer reads instruction operands (``explore.stack_peek``), and a run without
    that sees none, which must not pass for "no race"."""
    if not any(isinstance(p, DataRaceSeen) for p in claim.predicates):
        return None
    from simfutures.explore import stack_peek

    if stack_peek.AVAILABLE:
        return None
    return (f"data race detection is not available on this Python ("
            f"{platform.python_implementation()} {platform.python_version()}), so no run "
            "can show or rule out a race")


def _data_race(predicate: DataRaceSeen, obs: Observation) -> tuple[bool, str]:
    from simfutures.scenario.timeline import race_text, relative_site

    races = [race for race in obs.races
             if predicate.site is None or predicate.site in _sites(race)]
    where = "" if predicate.site is None else f" at {relative_site(predicate.site)}"
    if not races:
        return False, f"no data race{where}"
    more = f" (and {len(races) - 1} more)" if len(races) > 1 else ""
    return True, race_text(races[0]) + more


def _sites(race: Any) -> tuple[str, ...]:
    return tuple(_real_site(access.site) for access in (race.first, race.second))


@functools.lru_cache(maxsize=256)
def _real_site(site: str) -> str:
    path, _, line = site.rpartition(":")
    return f"{os.path.realpath(path)}:{line}"


def same(actual: Any, expected: Any) -> bool:
    """Equality as YAML means it: true is not 1, but 1 is 1.0."""
    if isinstance(actual, bool) or isinstance(expected, bool):
        return type(actual) is type(expected) and actual == expected
    if isinstance(actual, tuple) and isinstance(expected, tuple):
        return len(actual) == len(expected) and all(map(same, actual, expected))
    if isinstance(actual, FrozenMap) and isinstance(expected, FrozenMap):
        return list(actual) == list(expected) and all(
            same(actual[k], expected[k]) for k in expected
        )
    return actual == expected
