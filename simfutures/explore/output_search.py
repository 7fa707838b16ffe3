"""Find a schedule that prints a given output: the reality check's question "can the
simulator print what this real run printed?", answered by search rather than luck.

A run whose output stops being a prefix of the wanted one at some decision can only be
mended by a decision before it, so only those are branched on, best first (children of
runs that printed more of the wanted output, then fewer switches away from the natural
order): a rare real interleaving (two prints torn into one line on a loaded machine) is
found in tens of runs, where seeded walks needed tens of thousands.  The program's
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


def _same(text: str) -> str:
    return text


def schedule_printing(program: object, wanted: str, *, exit_code: int = 0,
                      max_runs: int = 20_000, normalise: Callable[[str], str] = _same,
                      accept: Callable[[Any], bool] = lambda outcome: True
                      ) -> Schedule | None:
    """A schedule under which ``program`` (a ``ScriptProgram``: its runs capture stdout)
    prints ``wanted`` and exits with ``exit_code``, both outputs compared through
    ``normalise`` (which must map a prefix of an output to a prefix of its image:
    collapsing whitespace, masking addresses), and whose ``Outcome`` ``accept`` takes
    (say, its error line); None when ``max_runs`` runs (simulated runs, not seconds)
    find none."""
    target = normalise(wanted)
    # Best first: children of the run that printed more of ``target`` first, then those
    # with fewer non-natural choices, then the deepest branch point.
    frontier: list[tuple[int, int, int, list[int]]] = [(0, 0, 0, [])]
    for _ in range(max_runs):
        if not frontier:
            return None
        _, _, _, prefix = heapq.heappop(frontier)
        printed: list[str] = []  # per decision: the output written before it

        def observe(event: events.Event, printed: list[str] = printed) -> None:
            if isinstance(event, events.Decision):
                printed.append(sys.stdout.getvalue())  # the run's capture buffer

        outcome = program.run(ReplayChooser(prefix, strict=False),  # type: ignore[attr-defined]
                              observers=[observe])
        shown = normalise(outcome.stdout)
        if outcome.exit_code == exit_code and shown == target and accept(outcome):
            return outcome.schedule
        choices = outcome.schedule.choices
        wrong_from = next((index for index, text in enumerate(printed)
                           if not target.startswith(normalise(text))), len(choices))
        matched = len(os.path.commonprefix([shown, target]))
        for index in range(len(prefix), min(wrong_from, len(choices))):
            choice = choices[index]
            if choice.kind == "random":
                continue
            taken = [c.index for c in choices[:index]]
            switches = sum(1 for i in taken if i) + 1
            for option in range(choice.options):
                if option != choice.index:
                    heapq.heappush(frontier, (-matched, switches, -index, taken + [option]))
    return None
