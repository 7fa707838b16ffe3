"""Seeded strategies: how a run id (a seed) becomes the chooser of one run.

A seeded strategy is a pure function ``seed -> chooser``: runs can be split
between processes or machines by seed, and any run can be redone from its
seed alone, with ``simfutures run --strategy S --seed N`` (see ``handles``).
Seed 0 is the natural order under every strategy.  (Exhaustive search is not
seeded: see ``exhaustive``.)
"""

from __future__ import annotations

from typing import Protocol

import attrs

from simfutures.explore.pct import PCTChooser
from simfutures.sim.chooser import Chooser, NaturalChooser, chooser_for_seed

STRATEGIES = ("random", "pct", "exhaustive")

#: The strategy ``explore`` uses unless told otherwise (see docs/exploring.md for why).
DEFAULT_STRATEGY = "pct"


class SeededStrategy(Protocol):
    name: str

    def chooser(self, seed: int) -> Chooser: ...

    def describe(self) -> str: ...


@attrs.frozen
class RandomWalk:
    """Every decision uniform over its options: exactly ``simfutures run --seed N``."""

    name: str = "random"

    def chooser(self, seed: int) -> Chooser:
        return chooser_for_seed(seed)

    def describe(self) -> str:
        return "random walk"


@attrs.frozen
class PCT:
    """Probabilistic concurrency testing: random thread priorities, ``depth - 1``
    priority change points among the first ``horizon`` scheduling decisions."""

    depth: int
    horizon: int
    name: str = "pct"

    def chooser(self, seed: int) -> Chooser:
        # Seed 0 is the natural order under every strategy (the search starts there).
        return NaturalChooser() if seed == 0 else PCTChooser(seed, self.depth, self.horizon)

    def describe(self) -> str:
        return f"pct, depth {self.depth}, {self.horizon} scheduling points"
