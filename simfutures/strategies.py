"""Hypothesis strategies whose draws are the simulator's scheduling choices.

    from hypothesis import given
    from simfutures.sim import simulate
    from simfutures.strategies import schedules

    @given(schedule=schedules())
    def test_map_keeps_order(schedule):
        assert simulate(program, schedule=schedule) == expected

Each decision of the run (which thread goes next, the seed of the program's
``random``) is drawn from the test case as the program reaches it, so a
failing interleaving shrinks toward the natural order and prints as the list
of choices that reproduces it: ``schedule=[0] * 12 + [1]``.
"""

from __future__ import annotations

from hypothesis import strategies as st

from simfutures.errors import SimfuturesError

# Imported now, not inside the first example: a drawn schedule makes ``simulate`` learn
# the program's racy lines (docs/soundness.md), and Hypothesis times each example.
from simfutures.explore import races as _races  # noqa: F401
from simfutures.sim.hypothesis_chooser import DrawnSchedule, ScheduleUsageError, draw_schedule

__all__ = ("schedules", "DrawnSchedule", "ScheduleUsageError", "StrategyArgumentError",
           "DEFAULT_MAX_CHOICES", "MAX_CHOICES_LIMIT")

#: Decisions drawn per schedule by default; later ones are natural.
DEFAULT_MAX_CHOICES = 1000

#: Hypothesis gives a test case about 8 KiB of choices (two bytes per small
#: integer) and fails a health check when even the all-natural case uses more
#: than half of that; this leaves room for the test's other arguments.
MAX_CHOICES_LIMIT = 1500


class StrategyArgumentError(SimfuturesError, ValueError):
    """A strategy was called with an argument it cannot use."""


def schedules(*, max_choices: int = DEFAULT_MAX_CHOICES, max_switches: int | None = None,
              fewest_switches: bool = False) -> st.SearchStrategy[DrawnSchedule]:
    """A strategy for schedules to pass as ``simulate(fn, schedule=...)``.

    ``max_choices`` bounds how many decisions are drawn from Hypothesis; every
    decision after that is the natural one (as when a replayed schedule ends).
    ``max_switches`` (optional) bounds the non-natural thread choices; once
    that many were drawn, the rest of the run is natural.

    ``fewest_switches=True`` draws only the switches away from the natural
    order, so a failure shrinks to the fewest switches that still fail it; it
    needs more examples to find one (see ``simfutures.sim.hypothesis_chooser``).

    A drawn schedule only works inside the ``@given`` test that drew it.
    """
    _check_count("max_choices", max_choices, MAX_CHOICES_LIMIT)
    if max_switches is not None:
        _check_count("max_switches", max_switches, None)
    # Only the bounds the caller chose, so that the strategy's repr stays short.
    bounds = {"max_choices": max_choices} if max_choices != DEFAULT_MAX_CHOICES else {}
    if max_switches is not None:
        bounds["max_switches"] = max_switches
    if fewest_switches:
        bounds["fewest_switches"] = True
    return _schedules(**bounds)


def _check_count(name: str, value: object, limit: int | None) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise StrategyArgumentError(f"schedules({name}=...) must be a whole number >= 0, "
                                    f"got {value!r}")
    if limit is not None and value > limit:
        raise StrategyArgumentError(
            f"schedules({name}={value}) is more than Hypothesis can hold in one test case; "
            f"use at most {limit} (decisions after the bound are natural ones)")


def _draw(draw: st.DrawFn, *, max_choices: int = DEFAULT_MAX_CHOICES,
          max_switches: int | None = None, fewest_switches: bool = False) -> DrawnSchedule:
    return draw_schedule(draw, max_choices=max_choices, max_switches=max_switches,
                         fewest_switches=fewest_switches)


# Named so that the strategy's repr (in Hypothesis's messages) reads schedules(...).
_draw.__name__ = _draw.__qualname__ = "schedules"
_schedules = st.composite(_draw)
