"""What one run of a scenario did: the record claims are judged against.

All values are frozen (see values.py) and all times are seconds of
``time.monotonic()`` since the run began: virtual seconds under the
simulator, real ones otherwise.
"""

from __future__ import annotations

from typing import Any

import attrs


@attrs.frozen
class Raised:
    """An exception, reduced to what claims compare: names and message."""

    type: str
    bases: tuple[str, ...]  # the names along its MRO, its own first
    message: str

    @classmethod
    def of(cls, exc: BaseException) -> Raised:
        return cls(type(exc).__name__, tuple(k.__name__ for k in type(exc).__mro__), str(exc))

    def is_a(self, name: str) -> bool:
        return name in self.bases

    def __str__(self) -> str:
        return f"{self.type}: {self.message}" if self.message else self.type


@attrs.frozen
class Outcome:
    """A value, an exception, or nothing at all (``skipped`` says why)."""

    value: Any = None
    raised: Raised | None = None
    skipped: str | None = None

    def __str__(self) -> str:
        from simfutures.scenario.values import show

        if self.skipped is not None:
            return f"was skipped ({self.skipped})"
        if self.raised is not None:
            return f"raised {self.raised}"
        return f"returned {show(self.value)}"


@attrs.frozen
class HandleRecord:
    """One submitted future."""

    name: str
    state: str  # right after the last step; see vocabulary.STATES
    outcome: Outcome  # once settled, after the runner's final shutdown
    submitted_at: float | None = None
    started_at: float | None = None  # None if the task never reported back
    finished_at: float | None = None  # when the future became done (cancelled too)
    pid: int | None = None  # of the process that ran it


@attrs.frozen
class StepRecord:
    index: int
    kind: str
    name: str | None
    outcome: Outcome
    yielded: tuple = ()  # as_completed: handle names; map: values (even if it then raised)
    ended_at: float = 0.0


@attrs.frozen
class Observation:
    handles: tuple[HandleRecord, ...]
    steps: tuple[StepRecord, ...]
    completed: tuple[str, ...]  # handles that completed (not cancelled), in order
    printed: tuple[str, ...]  # lines tasks printed, in the order they printed them
    ended_at: float = 0.0
    # The data races the run showed (``simfutures.explore.races.DataRace``): filled in
    # by the run's race instrument, never by the runner itself.
    races: tuple = ()

    def handle(self, name: str) -> HandleRecord:
        for record in self.handles:
            if record.name == name:
                return record
        raise KeyError(name)

    def step(self, name: str) -> StepRecord:
        for record in self.steps:
            if record.name == name:
                return record
        raise KeyError(name)
