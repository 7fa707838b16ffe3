"""A chooser whose decisions Hypothesis draws, one at a time, as the simulation asks.

A run's schedule is a sequence of primitive choices, and so is a Hypothesis
test case.  Two ways to draw it:

* per decision (the default): each decision is ``integers(0, n - 1)``, 0
  being the natural choice.  Generation finds races fast.  Hypothesis ranks
  a shorter test case as simpler before comparing values, and a run's number
  of decisions changes with every switch, so unpadded the shrinker would
  prefer a schedule with more switches and fewer decisions (it stopped at
  three to five switches where one fails).  Each test case is therefore
  padded with one-valued placeholder draws to a length fixed per program
  (``DrawnSchedule.pad``): removing any one switch is then a shrink step.
  What padding cannot do is move a switch: a schedule neither of whose two
  switches can go alone stays at two (seen for one Hypothesis seed in five; a
  lost update stops at 4 to 11 switches for four seeds in ten).  So on the
  final replay of a failing example, after the test body, the program's
  schedules are run in order of switches (``fewest_switches_alike`` in
  ``simfutures.properties``) and one with fewer switches that ends the run the
  same way is reported in a note (``report_fewer_switches``).
* switches only (``fewest_switches=True``): the draws describe the switches
  alone: "another switch?" (a boolean), how many natural decisions come
  first (a small integer, with an escape to a long gap) and, among more
  than two options, which other one (a byte).  Hypothesis shrinks toward
  shorter choice sequences first, so a failing interleaving shrinks to the
  natural order plus the fewest switches that still fail (two for the
  counter).  The price: a switch is placed at random among a few positions
  rather than tried at every decision, so finding a race takes more
  examples (a two-task counter: 4-20 examples per decision; here found within
  200 examples for 5 Hypothesis seeds in 10).

The program's random seed (kind "random") is one integer, shrinking toward 0.

The choices are drawn lazily because the number of options at a decision is
only known when the program reaches it.  That has one awkward consequence:
Hypothesis prints "Failing test case" *before* the test body runs, when
nothing has been drawn yet.  On that final replay Hypothesis already holds the
whole choice sequence it is about to feed in, so the repr reads the schedule
from there (see ``_predicted``); should that ever guess wrong, a note printed
after the run gives the choices actually drawn.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Sequence
from functools import lru_cache
from typing import Any

from hypothesis import strategies as st
from hypothesis.control import cleanup, current_build_context
from hypothesis.errors import Frozen, InvalidArgument, StopTest
from hypothesis.reporting import report

from simfutures.errors import SimfuturesError
from simfutures.sim import context
from simfutures.sim.chooser import Choice, Schedule, ScheduleError

#: Runs of at least this many natural choices print folded: ``[0] * 40 + [1]``.
_FOLD_ZEROS = 8


class ScheduleUsageError(SimfuturesError, RuntimeError):
    """A drawn schedule was used where Hypothesis cannot draw its choices."""


def trimmed(indices: Sequence[int]) -> list[int]:
    """Drop trailing natural choices: a replay makes them anyway."""
    end = len(indices)
    while end and indices[end - 1] == 0:
        end -= 1
    return list(indices[:end])


def render_indices(indices: Sequence[int]) -> str:
    """Python source for the trimmed list of indices, long zero runs folded.

    The text evaluates to a list that ``simulate(fn, schedule=...)`` replays,
    so it can be pasted into ``@example(schedule=...)``.
    """
    values = trimmed(indices)
    parts: list[str] = []
    literal: list[int] = []
    i = 0
    while i < len(values):
        j = i
        while j < len(values) and values[j] == 0:
            j += 1
        if j - i >= _FOLD_ZEROS:
            if literal:
                parts.append(repr(literal))
                literal = []
            parts.append(f"[0] * {j - i}")
        else:
            literal.extend(values[i:j])
        if j < len(values):
            literal.append(values[j])
        i = j + 1
    if literal:
        parts.append(repr(literal))
    return " + ".join(parts) or "[]"


@lru_cache(maxsize=256)
def _options(n: int) -> st.SearchStrategy[int]:
    return st.integers(min_value=0, max_value=n - 1)


_MORE = st.booleans()  # another switch? (False: the rest of the run is natural)
_GAP_ESCAPE = 15  # one draw reaches a switch 14 decisions away
_GAP = st.integers(0, _GAP_ESCAPE)  # natural decisions before the switch...
_LONG_GAP = st.integers(0, 2000)  # ...plus this many if the gap drew _GAP_ESCAPE
_WHICH = st.binary(min_size=1, max_size=1)  # which other option, among more than two
# A draw with one possible value: it holds a place in the test case (see ``pad``) and
# gives the shrinker nothing to do.
_PLACEHOLDER = st.integers(0, 0)


#: The fewest draws a test case is padded to (see ``DrawnSchedule.pad``).
_MIN_PADDED = 32


def padded_length(drawn: int, max_choices: int, natural: int | None = None) -> int:
    """How many draws a test case that drew ``drawn`` is padded to: twice the natural
    run's decisions when known (every run near the natural one then has the same
    length), else the next power of two; at least ``_MIN_PADDED``, at most
    ``max_choices``, never fewer than ``drawn``."""
    if natural is not None:
        length = max(2 * natural, _MIN_PADDED)
    else:
        length = _MIN_PADDED
        while length < drawn:
            length *= 2
    return max(drawn, min(length, max_choices))


class DrawnSchedule:
    """A schedule drawn by ``simfutures.strategies.schedules()``; pass it as ``schedule=``.

    Each decision the simulator asks for is drawn from the running Hypothesis
    test case.  The drawn choices are recorded: running a second simulation
    with the same schedule replays them (then draws on), so one drawn schedule
    always gives the same run.  After ``max_choices`` decisions, or once
    ``max_switches`` non-natural thread choices were drawn, every further
    decision is the natural one and nothing more is drawn.
    """

    #: ``simulate`` switches at racy accesses too for such a schedule (docs/soundness.md).
    explores_races = True

    def __init__(self, draw: Callable[[st.SearchStrategy[int]], int], data: Any, *,
                 max_choices: int, max_switches: int | None,
                 fewest_switches: bool = False) -> None:
        self._draw = draw
        self._data = data
        self.max_choices = max_choices
        self.max_switches = max_switches
        self._choices: list[Choice] = []
        self._switches = 0
        self.fewest_switches = fewest_switches
        self._gap: int | None = None  # natural decisions left before the next switch
        self._no_more = False  # drew "no more switches"
        # Set when Hypothesis stops the test case mid-run (its choice budget
        # is spent): the run finishes on natural choices and Hypothesis,
        # finding its data frozen, discards the test case.
        self._exhausted = False
        self._run: weakref.ref | None = None
        self._position = 0
        self._runs = 0
        self._printed: str | None = None
        self._last_run: tuple[Schedule, Callable[[Schedule], Schedule | None]] | None = None
        self._expected: int | None = None  # decisions of the program's natural run

    def expect_decisions(self, natural: int) -> None:
        """``simulate`` says how many decisions the program's natural run makes."""
        if self._expected is None:
            self._expected = natural

    # -- the Chooser protocol ------------------------------------------------

    def choose(self, n: int, kind: str) -> int:
        self._track_run()
        position = self._position
        self._position += 1
        if position < len(self._choices):  # a later run replays what the first one drew
            index = self._choices[position].index
            if index >= n:
                raise ScheduleError(
                    f"this drawn schedule chose {index} at choice {position} of an earlier "
                    f"run, but this run offers only {n} options there: draw one schedule per "
                    "program (e.g. two schedules() arguments)")
            return index
        if not self._may_draw():
            return 0
        try:
            index = self._draw_index(n, kind)
        except (StopTest, Frozen):
            self._exhausted = True
            return 0
        self._choices.append(Choice(index, n, kind))
        if index and kind != "random":
            self._switches += 1
        return index

    def _draw_index(self, n: int, kind: str) -> int:
        if kind == "random" or not self.fewest_switches:
            return self._draw(_options(n))
        if n < 2:
            return 0
        if self._gap is None:  # where is the next switch, if any?
            if not self._draw(_MORE):
                self._no_more = True
                return 0
            gap = self._draw(_GAP)
            if gap == _GAP_ESCAPE:
                gap += self._draw(_LONG_GAP)
            self._gap = gap
        if self._gap:
            self._gap -= 1
            return 0
        self._gap = None
        return 1 if n == 2 else 1 + self._draw(_WHICH)[0] % (n - 1)

    def pad(self) -> None:
        """At the end of the test case: placeholders up to ``padded_length`` draws.

        Hypothesis ranks test cases by length before content, and a run's
        length is its number of decisions, which every switch changes: without
        this, a schedule with three switches and 31 decisions ranks below one
        with a single switch and 33, and the shrinker stops short of the fewest
        switches.  Padded, every test case of a test has the same length, so
        lowering any one choice to 0 (removing that switch) is a step the
        shrinker takes whenever the claim still fails.  Padding all the way to
        ``max_choices`` would make every test case that long, and Hypothesis's
        shrinker slow in proportion (minutes for a two-task program), so runs
        are padded to twice the natural run's decisions (``simulate`` tells
        it): only runs longer than that differ in length.  (The switches-only
        draw needs no padding: there, fewer switches means fewer draws.)
        """
        if self.fewest_switches or self._exhausted:
            return
        try:
            for _ in range(padded_length(len(self._choices), self.max_choices,
                                         self._expected) - len(self._choices)):
                self._draw(_PLACEHOLDER)
        except (StopTest, Frozen):
            self._exhausted = True

    def _may_draw(self) -> bool:
        if self._exhausted or self._no_more or len(self._choices) >= self.max_choices:
            return False
        # Once the switch budget is spent, stop drawing altogether (not only
        # for thread choices) so that the schedule's repr ends there.
        return self.max_switches is None or self._switches < self.max_switches

    def _track_run(self) -> None:
        """Notice the start of each simulated run: check the context, rewind."""
        sched = context.scheduler() if context.simulating() else None
        if self._runs and (sched is None or (self._run is not None and self._run() is sched)):
            return  # the same run goes on (or no simulation: one long run)
        self._check_drawing_test()
        # A weak reference: a new run's scheduler may reuse a dead one's id().
        self._run = weakref.ref(sched) if sched is not None else None
        self._position = 0
        self._runs += 1

    def _check_drawing_test(self) -> None:
        try:
            build = current_build_context()
        except InvalidArgument:
            build = None
        if build is None or build.data is not self._data:
            replay = render_indices(self.indices()) if self._choices else "[0, 0, 1]"
            raise ScheduleUsageError(
                "a schedule from simfutures.strategies.schedules() draws its choices from "
                "the Hypothesis test case that drew it, so it only works inside that "
                "@given test (not after .example(), not kept for a later test). To run a "
                f"schedule outside Hypothesis, pass its choices: simulate(fn, schedule={replay})")

    # -- what was drawn --------------------------------------------------------

    def indices(self) -> list[int]:
        """The choices drawn so far, in order (later decisions are natural)."""
        return [c.index for c in self._choices]

    def to_schedule(self) -> Schedule:
        """The drawn choices as a recorded ``Schedule`` (strict replay, saveable as JSON)."""
        return Schedule(tuple(self._choices))

    def __repr__(self) -> str:
        if self._runs:
            return render_indices(self.indices())
        predicted = self._predicted()
        if predicted is None:
            return "<schedule: drawn while the test runs>"
        self._printed = render_indices(predicted)
        return self._printed

    def _predicted(self) -> list[int] | None:
        """Before any run: the choices this schedule will draw, if Hypothesis knows them.

        Only on the final replay of a failing example, where the test case is
        a fixed choice sequence: what follows the point reached now (every
        @given argument drawn, the body not yet started) is the body's draws.
        These attributes are Hypothesis internals, read defensively.
        """
        final = _final_replay()
        prefix = getattr(self._data, "prefix", None)
        position = getattr(self._data, "index", None)
        if not final or not isinstance(prefix, Sequence) or not isinstance(position, int):
            return None
        if not self.fewest_switches:
            predicted = []
            for value in prefix[position:]:
                if type(value) is not int:
                    break
                predicted.append(value)
            return predicted
        return _decode(prefix[position:])

    def after_run(self, recorded: Schedule,
                  fewest_alike: Callable[[Schedule], Schedule | None]) -> None:
        """``simulate`` ran this schedule (recorded as ``recorded``); ``fewest_alike``
        would look for fewer switches that end that run the same way.  Kept for
        ``report_fewer_switches``, which runs after the test body: the search runs
        the program again, and whatever it changes outside the simulator must not
        reach the test's own assertions."""
        if self._last_run is None:
            self._last_run = (recorded, fewest_alike)

    def report_fewer_switches(self) -> None:
        """After the final replay of a failing example: a note with a schedule of fewer
        switches that ends the run the same way, when there is one (the shrinker
        cannot move a switch, see the module docstring)."""
        if self._last_run is None:
            return
        recorded, fewest_alike = self._last_run
        found = fewest_alike(recorded)
        if found is not None:
            report(f"(simfutures) the same ending (result and output) with fewer switches, "
                   f"{found.switches()} instead of {recorded.switches()}: "
                   f"schedule={render_indices(found.indices())}")

    def report_if_misprinted(self) -> None:
        """After the final replay: correct the printed schedule if it was not the drawn one."""
        if self._printed is None:
            return
        actual = render_indices(self.indices())
        if actual != self._printed:
            report(f"(simfutures) the schedule printed as {self._printed} drew {actual}: "
                   f"replay it with schedule={actual}")


def _final_replay() -> bool:
    """Whether Hypothesis is replaying the failing example it is about to report."""
    try:
        return bool(current_build_context().is_final)
    except InvalidArgument:
        return False


def _decode(values: Sequence[object]) -> list[int]:
    """Choice indices from the raw draws of ``_draw_index`` (best effort: see above).

    Integers before the first boolean are the program's random seed.  Then
    each switch is: True, its gap (plus the long gap after an escape), and a
    byte if it had more than two options (read as if it had enough of them:
    when it had fewer, the note after the run gives the choices drawn).
    """
    indices: list[int] = []
    i = 0
    while i < len(values) and type(values[i]) is int:
        indices.append(values[i])  # type: ignore[arg-type]
        i += 1
    while i < len(values) and values[i] is True:
        gap = values[i + 1] if i + 1 < len(values) else None
        if type(gap) is not int:
            break
        i += 2
        if gap == _GAP_ESCAPE and i < len(values) and type(values[i]) is int:
            gap += values[i]  # type: ignore[operator]
            i += 1
        which = 1
        if i < len(values) and type(values[i]) is bytes:
            which = 1 + values[i][0]  # type: ignore[index]
            i += 1
        indices += [0] * gap + [which]
    return indices


def draw_schedule(draw: Callable[[st.SearchStrategy[int]], int], *, max_choices: int,
                  max_switches: int | None, fewest_switches: bool = False) -> DrawnSchedule:
    """The body of the ``schedules()`` composite strategy."""
    build = current_build_context()
    schedule = DrawnSchedule(draw, build.data, max_choices=max_choices,
                             max_switches=max_switches, fewest_switches=fewest_switches)
    cleanup(schedule.pad)
    if build.is_final:
        cleanup(schedule.report_if_misprinted)
        cleanup(schedule.report_fewer_switches)
    return schedule
