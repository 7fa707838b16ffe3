"""Replay handles: the ``simfutures run`` command line that reproduces one explored run.

A seed means the same chooser in ``explore`` and in ``run``: both take
``--strategy`` (default ``pct``) and ``--depth`` (default 3) with the same
defaults, and seed 0 is the natural order under every strategy.  So
``simfutures run PROGRAM --seed N`` with default options is exactly run N of
``simfutures explore PROGRAM`` with default options.  Exhaustive search has no
seeds: its runs replay from their choices, given inline (``--choices``).

A run also depends on the race policy (``--preempt``, default "races": the
lines found racy are scheduling points, see ``explore.races``), which every
command learns the same way from the program alone; a handle names the mode
when it is not the default, and the limits that differ from run's defaults.

The inline form lists the choice indices, ``0*K`` for K natural choices in a
row, and drops the trailing natural ones (a replay makes them anyway):
``0*12,1,0*3,2``.
"""

from __future__ import annotations

import argparse
import shlex
from collections.abc import Sequence

import attrs

from simfutures.commands.numbers import positive_int
from simfutures.explore.strategies import DEFAULT_STRATEGY
from simfutures.sim.chooser import Chooser, Schedule, ScheduleError
from simfutures.sim.scheduler import Limits

#: The strategies a seed can name (exhaustive search has no seeds).
SEEDED = ("random", "pct")
DEFAULT_DEPTH = 3


def encode_choices(indices: Sequence[int]) -> str:
    """``[0, 0, 0, 1, 0, 2, 0]`` -> ``"0*3,1,0,2"`` (trailing natural choices dropped)."""
    end = len(indices)
    while end and indices[end - 1] == 0:
        end -= 1
    parts: list[str] = []
    i = 0
    while i < end:
        if indices[i] == 0:
            j = i
            while j < end and indices[j] == 0:
                j += 1
            parts.append("0" if j - i == 1 else f"0*{j - i}")
            i = j
        else:
            parts.append(str(indices[i]))
            i += 1
    return ",".join(parts) or "0"


def decode_choices(text: str) -> list[int]:
    """The inverse of ``encode_choices``; an argparse type (bad input: a usage error)."""
    indices: list[int] = []
    for part in text.replace(" ", "").split(","):
        value, star, count = part.partition("*")
        try:
            index, times = int(value), int(count) if star else 1
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected choices like 0*12,1,0,2 (indices, 0*K for K natural choices), "
                f"got {part!r} in {text!r}") from None
        if index < 0 or times < 1 or (star and index != 0):
            raise argparse.ArgumentTypeError(
                f"expected choices like 0*12,1,0,2 (indices >= 0, K >= 1), got {part!r}")
        indices.extend([index] * times)
    return indices


def seeded_chooser(strategy: str, seed: int, depth: int, program: object,
                   limits: Limits | None) -> Chooser:
    """The chooser of run ``seed`` of ``strategy``: what explore runs under that seed."""
    from simfutures.explore.search import SearchConfig, seeded_strategy

    if strategy not in SEEDED:
        raise ScheduleError(f"strategy {strategy} has no seeds (use --choices)")
    config = SearchConfig(strategy=strategy, depth=depth, limits=limits or Limits())
    return seeded_strategy(config, program).chooser(seed)  # type: ignore[arg-type]


@attrs.frozen
class Replayer:
    """Builds the replay command of any run of one search."""

    program: str  # the program's path as given
    script_args: tuple[str, ...] = ()
    strategy: str = DEFAULT_STRATEGY  # random, pct, exhaustive or schedule
    depth: int = DEFAULT_DEPTH
    limits: Limits = attrs.field(factory=Limits, eq=False)
    schedule_file: str | None = None  # strategy "schedule": the file that was replayed
    preempt: str = "races"  # the --preempt mode the runs had (see explore.races)

    def argv(self, run_id: int, schedule: Schedule) -> list[str]:
        """``simfutures run ...`` as an argument list; it reproduces the run exactly."""
        options: list[str] = []
        if self.strategy == "schedule" and self.schedule_file is not None:
            options += ["--schedule", self.schedule_file]
        elif self.strategy in SEEDED:
            if self.strategy != DEFAULT_STRATEGY:
                options += ["--strategy", self.strategy]
            if self.strategy == "pct" and self.depth != DEFAULT_DEPTH:
                options += ["--depth", str(self.depth)]
            options += ["--seed", str(run_id)]
        else:
            options += ["--choices", encode_choices(schedule.indices())]
        options += limit_options(self.limits, self.preempt)
        argv = ["simfutures", "run", self.program, *options]
        if self.script_args:
            argv += ["--", *self.script_args]
        return argv

    def command(self, run_id: int, schedule: Schedule) -> str:
        return shlex.join(self.argv(run_id, schedule))

    def command_for_file(self, path: str) -> str:
        """The command that replays a schedule file written for this program."""
        argv = ["simfutures", "run", self.program, "--schedule", path,
                *limit_options(self.limits, self.preempt)]
        if self.script_args:
            argv += ["--", *self.script_args]
        return shlex.join(argv)


def limit_options(limits: Limits, preempt: str = "races") -> list[str]:
    """``run``'s options for a race mode and limits, only those that differ from its
    defaults (each changes the run: a switch point, a step or time limit)."""
    from simfutures.explore.races import DEFAULT_PREEMPT

    defaults = Limits()
    options: list[str] = []
    if preempt != DEFAULT_PREEMPT:
        options += ["--preempt", preempt]
    if limits.max_steps != defaults.max_steps:
        options += ["--max-steps", str(limits.max_steps)]
    if limits.max_virtual_time != defaults.max_virtual_time:
        options += ["--max-time", f"{limits.max_virtual_time:g}"]
    if limits.watchdog_seconds != defaults.watchdog_seconds:
        options += ["--watchdog", f"{limits.watchdog_seconds:g}"]
    if limits.max_lines != defaults.max_lines:
        options += ["--max-lines", str(limits.max_lines)]
    return options


def add_run_options(parser: argparse.ArgumentParser,
                    which: argparse._MutuallyExclusiveGroup) -> None:
    """``run``'s options that select the run's chooser, matching ``explore``'s."""
    which.add_argument("--choices", type=decode_choices, metavar="LIST",
                       help="replay these choices (as explore prints them for exhaustive "
                       "runs, e.g. 0*12,1,0,2); later choices are natural")
    parser.add_argument("--strategy", choices=SEEDED, default=DEFAULT_STRATEGY,
                        help="what --seed means: run N of this exploration strategy, as "
                        "explore runs it (default %(default)s, as explore's; seed 0 is the "
                        "natural order under either)")
    parser.add_argument("--depth", type=positive_int, default=DEFAULT_DEPTH,
                        help="pct: bug depth aimed at, as explore's --depth "
                        "(default %(default)s)")
