"""Choosers: the single source of every nondeterministic decision in a run.

``choose(n, kind)`` returns an index in ``range(n)``.  Index 0 is always the
natural choice (the running thread keeps running, FIFO order, the first
timer), so shrinking a schedule toward all zeros moves toward the ordinary,
unsurprising run.
"""

from __future__ import annotations

import random
from typing import NamedTuple, Protocol

import attrs

from simfutures.errors import SimfuturesError
from simfutures.sim import context

#: How large a choice the simulator makes to seed the program's ``random``.
RANDOM_SEED_RANGE = 2**32

#: ``Scheduler.clock_option`` values: the pending "thread" decision has no clock
#: option; its last option advances the clock (then a second "thread" decision
#: follows); it is that second decision.
NO_CLOCK, CLOCK_OFFERED, CLOCK_ADVANCED = 0, 1, 2


class ScheduleError(SimfuturesError, ValueError):
    """A recorded schedule does not fit the program it is replayed on."""


class Chooser(Protocol):
    def choose(self, n: int, kind: str) -> int: ...


class Choice(NamedTuple):
    """One recorded decision: ``index`` out of ``options`` of a given ``kind``.

    A frozen value like the attrs classes elsewhere, but a named tuple: a run
    records hundreds of thousands of them, and a tuple is built in a third of
    the time of a frozen attrs instance.
    """

    index: int
    options: int
    kind: str = "thread"


@attrs.frozen
class Schedule:
    """A run's recorded decisions; replaying them reproduces the run exactly."""

    choices: tuple[Choice, ...] = ()

    def indices(self) -> list[int]:
        return [c.index for c in self.choices]

    def switches(self) -> int:
        """How many choices depart from the natural run (the program's random seed,
        kind "random", is not a switch)."""
        return sum(1 for c in self.choices if c.index and c.kind != "random")

    def to_json(self) -> dict:
        return {"format": "simfutures-schedule/1",
                "choices": [[c.index, c.options, c.kind] for c in self.choices]}

    @classmethod
    def from_json(cls, data: object) -> Schedule:
        if not isinstance(data, dict) or data.get("format") != "simfutures-schedule/1":
            raise ScheduleError("not a simfutures schedule (expected format simfutures-schedule/1)")
        try:
            choices = tuple(Choice(int(i), int(n), str(k)) for i, n, k in data["choices"])
        except (KeyError, TypeError, ValueError):
            raise ScheduleError("corrupt schedule: 'choices' must be [index, options, kind]"
                                " triples") from None
        for position, c in enumerate(choices):
            if not 0 <= c.index < c.options:
                raise ScheduleError(f"corrupt schedule: choice {position} is {c.index} of "
                                    f"{c.options}")
        return cls(choices)

    def __str__(self) -> str:
        return "Schedule(%s)" % self.indices()


class NaturalChooser:
    """Always the natural choice: what the program does with no interference."""

    def choose(self, n: int, kind: str) -> int:
        return 0


class RandomChooser:
    """Random walk from one seeded RNG, with a GIL-like bias.

    Real threads mostly keep running past a point where they could be switched
    out (CPython hands the GIL over at its switch interval, not at every
    release).  So each walk draws its own *stay* probability from
    ``[0.5, 1)``: at a preemption point the running thread goes on with that
    probability, otherwise a uniformly chosen other thread runs; the clock
    jumps ahead of a running thread with a quarter of the complementary
    probability, and a due timer waits for a faster machine (an "elapse"
    decision's option 1) with the same.  Walks
    with a high stay probability reproduce realistic outputs (a print's text
    and newline apart only rarely); walks with a low one switch often and find
    races that need many switches.  Every other decision is uniform.
    """

    def __init__(self, seed: int, stay: float | None = None) -> None:
        #: The walk's one RNG and its two thresholds.  ``Scheduler.preempt`` reads
        #: them to draw a preemption decision inline, exactly as ``choose`` does
        #: (a run's hottest call; ``tests/test_sim_core.py`` checks the two agree).
        self.draw = random.Random(seed).random
        drawn = 0.5 + 0.5 * self.draw()
        self.stay = drawn if stay is None else stay
        # Rarer than a switch: a timer beating a running thread needs one jump at
        # the right point, and jumping often would make every sleep short.
        self.jump = 1.0 - (1.0 - self.stay) / 4

    def choose(self, n: int, kind: str) -> int:
        # int(r * n) is cheaper than randrange on the scheduler's hot path, and
        # exact enough for n far below 2**53.
        r = self.draw()
        if kind == "thread":
            sched = context._scheduler
            if not sched.preemptive:
                return int(r * n)
            if sched.clock_option == CLOCK_OFFERED:
                # The last option advances the clock: drawn first, as a "clock"
                # decision of its own is, then the thread from a fresh draw.
                if r >= self.jump:
                    return n - 1
                n -= 1
                r = self.draw()
            stay = self.stay
            if r < stay:
                return 0
            return 1 + int((r - stay) / (1.0 - stay) * (n - 1))
        if kind in ("clock", "elapse"):
            # A jump past a running thread, or a machine faster than the natural
            # clock rate (Scheduler._time_passes): both rarer than a switch.
            return int(r >= self.jump)
        return int(r * n)


def chooser_for_seed(seed: int) -> Chooser:
    """Seed 0 is the natural run; any other seed is a random walk."""
    return NaturalChooser() if seed == 0 else RandomChooser(seed)


class ReplayChooser:
    """Follows a recorded schedule; after its end, natural choices.

    A recorded choice that no longer fits (a different number of options at
    that point) means the program changed: say where it diverged.
    """

    def __init__(self, schedule: Schedule | list[int], strict: bool = True) -> None:
        if isinstance(schedule, Schedule):
            self._choices: list[tuple[int, int | None]] = [
                (c.index, c.options) for c in schedule.choices]
        else:
            self._choices = [(int(i), None) for i in schedule]
        self._strict = strict
        self._position = 0

    def choose(self, n: int, kind: str) -> int:
        position = self._position
        if position >= len(self._choices):
            return 0
        self._position += 1
        index, options = self._choices[position]
        if self._strict and options is not None and options != n:
            raise ScheduleError(
                f"schedule diverges from the program at choice {position}: recorded "
                f"{options} options, the program now offers {n}")
        if index >= n:
            if self._strict:
                raise ScheduleError(
                    f"schedule diverges from the program at choice {position}: recorded "
                    f"choice {index}, but only {n} options now")
            return index % n
        return index


class RecordingChooser:
    """Wraps a chooser and records every decision it makes."""

    def __init__(self, inner: Chooser) -> None:
        self._inner_choose = inner.choose
        self._recorded: list[tuple[int, int, str]] = []

    def choose(self, n: int, kind: str) -> int:
        index = self._inner_choose(n, kind)
        self._recorded.append((index, n, kind))
        return index

    def schedule(self) -> Schedule:
        return Schedule(tuple(map(Choice._make, self._recorded)))
