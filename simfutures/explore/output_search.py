"""Find a schedule that prints a given output: the reality check's question "can the
simulator print what this real run printed?", answered by search rather than luck.

A run whose output stops being a prefix of the wanted one at some decision can only be
mended by a decision before it, so only those are branched on, best first (children of
runs that printed more of the wanted output, then fewer switches away from the natural
order, then the deepest branch point): a rare real interleaving (two prints torn into one
line on a loaded machine) is found in tens of runs, where seeded walks needed tens of
thousands.  A run branches from the last change of output before its own branch point,
not from that point: the decisions since that output was written printed nothing the
search could judge them by, and the mend is often among them (a worker that printed its
"done" must be held back there so that the other one takes the next task).  The program's
random seed (decisions of kind "random") is not searched: seeded walks cover it.
"""

from __future__ import annotations

import heapq
import os
import sys
from collections.abc import Callable
from typing import Any

from simfutures import events
from simfutures.sim.chooser import ReplayChooser, Schedule
from simfutures.sim.scheduler import Limits


def _same(text: str) -> str:
    return text


def schedule_printing(program: object, wanted: str, *, exit_code: int = 0,
                      max_runs: int = 20_000, normalise: Callable[[str], str] = _same,
                      accept: Callable[[Any], bool] = lambda outcome: True,
                      limits: Limits | None = None) -> Schedule | None:
    """A schedule under which ``program`` (a ``ScriptProgram``: its runs capture stdout)
    prints ``wanted`` and exits with ``exit_code``, both outputs compared through
    ``normalise`` (which must map a prefix of an output to a prefix of its image:
    collapsing whitespace, masking addresses), and whose ``Outcome`` ``accept`` takes
    (say, its error line), each run under ``limits``; None when ``max_runs`` runs
    (simulated runs, not seconds) find none."""
    target = normalise(wanted)
    # Entries: (key, prefix); the key orders best first (see the module docstring).  A
    # prefix is pushed again when a better run finds it, and run once.
    frontier: list[tuple[tuple[int, int, int], list[int]]] = [((0, 0, 0), [])]
    best_key: dict[tuple[int, ...], tuple[int, int, int]] = {}
    ran: set[tuple[int, ...]] = set()
    for _ in range(max_runs):
        while frontier and tuple(frontier[0][1]) in ran:
            heapq.heappop(frontier)
        if not frontier:
            return None
        _, prefix = heapq.heappop(frontier)
        ran.add(tuple(prefix))
        printed: list[str] = []  # per decision: the output written before it

        def observe(event: events.Event, printed: list[str] = printed) -> None:
            if isinstance(event, events.Decision):
                printed.append(sys.stdout.getvalue())  # the run's capture buffer

        outcome = program.run(ReplayChooser(prefix, strict=False),  # type: ignore[attr-defined]
                              limits=limits, observers=[observe])
        shown = normalise(outcome.stdout)
        if outcome.exit_code == exit_code and shown == target and accept(outcome):
            return outcome.schedule
        choices = outcome.schedule.choices
        wrong_from = next((index for index, text in enumerate(printed)
                           if not target.startswith(normalise(text))), len(choices))
        matched = len(os.path.commonprefix([shown, target]))
        for index in range(_quiet_since(printed, len(prefix)), min(wrong_from, len(choices))):
            choice = choices[index]
            if choice.kind == "random":
                continue
            taken = [c.index for c in choices[:index]]
            key = (-matched, sum(1 for i in taken if i) + 1, -index)
            for option in range(choice.options):
                child = (*taken, option)
                if option != choice.index and key < best_key.get(child, (1, 0, 0)):
                    best_key[child] = key
                    heapq.heappush(frontier, (key, list(child)))
    return None


def _quiet_since(printed: list[str], branch_point: int) -> int:
    """The first decision at or before ``branch_point`` (an index into ``printed``, the
    output before each decision) after which nothing was printed up to it."""
    if branch_point == 0 or not printed:
        return branch_point
    last = min(branch_point, len(printed)) - 1
    start = last
    while start > 0 and printed[start - 1] == printed[last]:
        start -= 1
    return start
