"""Find a schedule that prints a given output: the reality check's question "can the
simulator print what this real run printed?", answered by search rather than luck.

Depth first over the decisions, natural choices first.  A run whose output stops being
a prefix of the wanted one at some decision can only be mended by a decision before it,
so only those are branched on: a rare real interleaving (two prints torn into one line
under a loaded machine) is found in tens of runs, where seeded walks needed tens of
thousands.  The program's random seed (decisions of kind "random") is not searched.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

from simfutures import events
from simfutures.sim.chooser import ReplayChooser, Schedule


def _same(text: str) -> str:
    return text


def schedule_printing(program: object, wanted: str, *, exit_code: int = 0,
                      max_runs: int = 20_000,
                      normalise: Callable[[str], str] = _same) -> Schedule | None:
    """A schedule under which ``program`` (a ``ScriptProgram``: its runs capture stdout)
    prints ``wanted`` and exits with ``exit_code``, both outputs compared through
    ``normalise`` (which must map a prefix of an output to a prefix of its image:
    collapsing whitespace, masking addresses); None when ``max_runs`` runs (simulated
    runs, not seconds) find none."""
    target = normalise(wanted)
    stack: list[list[int]] = [[]]
    for _ in range(max_runs):
        if not stack:
            return None
        prefix = stack.pop()
        printed: list[str] = []  # per decision: the output written before it

        def observe(event: events.Event, printed: list[str] = printed) -> None:
            if isinstance(event, events.Decision):
                printed.append(sys.stdout.getvalue())  # the run's capture buffer

        outcome = program.run(ReplayChooser(prefix, strict=False),  # type: ignore[attr-defined]
                              observers=[observe])
        if outcome.exit_code == exit_code and normalise(outcome.stdout) == target:
            return outcome.schedule
        choices = outcome.schedule.choices
        wrong_from = next((index for index, text in enumerate(printed)
                           if not target.startswith(normalise(text))), len(choices))
        for index in range(len(prefix), min(wrong_from, len(choices))):
            choice = choices[index]
            if choice.kind == "random":
                continue
            taken = [c.index for c in choices[:index]]
            stack.extend(taken + [option] for option in range(choice.options)
                         if option != choice.index)
    return None
