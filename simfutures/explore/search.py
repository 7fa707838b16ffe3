"""One search: a program, a strategy, a budget; serial or spread over processes."""

from __future__ import annotations

import attrs

from simfutures.explore import exhaustive
from simfutures.explore.outcomes import key_of
from simfutures.explore.progress import Progress
from simfutures.explore.races import DEFAULT_PREEMPT, RaceProgram, prepare
from simfutures.explore.runner import Collector, ExploreResult, explore_seeded, seed_range
from simfutures.explore.strategies import PCT, RandomWalk, SeededStrategy
from simfutures.program import Program, load_program
from simfutures.sim.chooser import NaturalChooser, chooser_for_seed
from simfutures.sim.scheduler import Limits


@attrs.frozen
class ProgramSpec:
    """How to load the program again (in a worker process)."""

    path: str
    argv: tuple[str, ...] = ()

    def load(self) -> Program:
        return load_program(self.path, self.argv)


@attrs.frozen
class SearchConfig:
    strategy: str = "pct"
    runs: int = 1000
    seed_start: int = 0
    depth: int = 3
    max_preemptions: int = 2
    # Exhaustive: skip schedules that only reorder commuting steps.  Off by default:
    # the tracing it needs makes each run 10-20x slower (docs/exploring.md).
    prune: bool = False
    stop_on_failure: bool = False
    preempt: str = DEFAULT_PREEMPT  # also switch at shared accesses: see explore.races
    workers: int = 1
    shard: tuple[int, int] = (1, 1)
    limits: Limits = attrs.field(factory=Limits, eq=False)


#: Random-walk runs (seeds 1..N) that, with the natural run, estimate PCT's ``k``.
HORIZON_SAMPLES = 4


def natural_horizon(program: Program, limits: Limits | None) -> int:
    """PCT's ``k``: the most thread decisions seen in a few fixed runs.

    The natural run alone underestimates it (interleaved runs make more
    decisions, and change points past ``k`` would never be drawn); the
    sample is fixed, so ``k`` and with it every PCT run stays a function of
    the program and the seed only.
    """
    choosers = [NaturalChooser(), *(chooser_for_seed(s) for s in range(1, HORIZON_SAMPLES + 1))]
    return max(1, *(sum(1 for c in program.run(chooser, limits=limits).schedule.choices
                        if c.kind == "thread") for chooser in choosers))


def seeded_strategy(config: SearchConfig, program: Program) -> SeededStrategy:
    if config.strategy == "random":
        return RandomWalk()
    if config.strategy == "pct":
        return PCT(config.depth, natural_horizon(program, config.limits))
    raise ValueError(f"not a seeded strategy: {config.strategy}")


def search(spec: ProgramSpec, program: Program, config: SearchConfig,
           progress: Progress | None = None) -> ExploreResult:
    program = prepare(program, config.preempt, config.limits)
    result = _search(spec, program, config, progress)
    return attrs.evolve(result, preempt=config.preempt)


def _search(spec: ProgramSpec, program: RaceProgram, config: SearchConfig,
            progress: Progress | None = None) -> ExploreResult:
    if config.strategy == "exhaustive":
        return search_exhaustive(spec, program, config, progress)
    strategy = seeded_strategy(config, program)
    seeds = seed_range(config.seed_start, config.runs, config.shard)
    if config.workers > 1 and len(seeds) > 1:
        from simfutures.explore.parallel import explore_parallel

        return explore_parallel(spec, program, strategy, seeds, config, progress)
    return explore_seeded(program, strategy, seeds, limits=config.limits,
                          stop_on_failure=config.stop_on_failure, progress=progress)


def search_exhaustive(spec: ProgramSpec, program: Program, config: SearchConfig,
                      progress: Progress | None = None) -> ExploreResult:
    description = f"exhaustive, at most {config.max_preemptions} preemptions"
    if config.prune:
        # Pruning remembers every state the walk has seen: it stays in one process.
        return _walk(program, config, description + ", commuting steps pruned", progress)
    if config.workers > 1:
        from simfutures.explore.parallel import MIN_RUNS_PER_WORKER, exhaustive_parallel

        # The tree's size is unknown until walked: walk a little in this process
        # first, and start workers only if that does not already finish the search.
        probe = _walk(program, attrs.evolve(config, runs=min(
            config.runs, MIN_RUNS_PER_WORKER * config.workers)), description, progress)
        if probe.exhausted or probe.stopped_early or probe.runs >= config.runs:
            return probe
        return exhaustive_parallel(spec, program, config, description, progress)
    return _walk(program, config, description, progress)


def _walk(program: Program, config: SearchConfig, description: str,
          progress: Progress | None) -> ExploreResult:
    collector = Collector(config.stop_on_failure, progress)
    exhausted = False
    stats = exhaustive.WalkStats()
    for leaf in exhaustive.bounded_walk(program, config.max_preemptions, limits=config.limits,
                                        prune=config.prune, stats=stats):
        go_on = collector.add(leaf.ordinal, key_of(leaf.outcome), leaf.outcome)
        if leaf.last:
            exhausted = True
            break
        if not go_on or leaf.ordinal + 1 >= config.runs:
            break
    return collector.result("exhaustive", description, exhausted, stats.pruned)
