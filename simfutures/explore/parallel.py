"""Spreading a search over processes, with results identical to a serial search.

Each worker process loads the program once and then runs slices of the
work: chunks of seeds for the seeded strategies, subtrees of the choice tree
for exhaustive search.  The parent takes the slices' results in the order a
serial search would have produced them, so counts, examples, the first
failure and ``--stop-on-failure`` all come out exactly as in one process.

Workers are started with ``spawn`` (a fresh interpreter): forking a parent
that has already run simulations would copy its watchdog's lock in whatever
state it was, and the watchdog thread itself not at all.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from collections import deque
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING, Any

import attrs

from simfutures.errors import SimfuturesError
from simfutures.explore import exhaustive
from simfutures.explore.outcomes import OutcomeKey, key_of
from simfutures.explore.progress import Progress
from simfutures.explore.races import RacePolicy, RaceProgram
from simfutures.explore.runner import Collector, ExploreResult, explore_seeded, run_seeds
from simfutures.explore.strategies import SeededStrategy
from simfutures.program import Outcome, Program
from simfutures.sim.scheduler import Limits

if TYPE_CHECKING:  # search imports this module lazily: no cycle at run time
    from simfutures.explore.search import ProgramSpec, SearchConfig

#: Fewer runs than this per worker are not worth a process start (about 0.2 s).
MIN_RUNS_PER_WORKER = 200
#: Subtrees per worker to aim for when splitting an exhaustive search.
SUBTREES_PER_WORKER = 4


class WorkerError(SimfuturesError, RuntimeError):
    """A worker process died (a run stuck in a call the watchdog cannot interrupt?)."""


def default_workers() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def useful_workers(requested: int, runs: int) -> int:
    return max(1, min(requested, runs // MIN_RUNS_PER_WORKER))


@attrs.frozen
class Slice:
    """What a worker reports for one slice: a key per run, outcomes where needed.

    ``outcomes`` holds the run of each key's first appearance in the slice
    (its schedule may become the group's example, and a key's first failing
    run is the first failure if any is); other runs need only their key.
    """

    run_ids: tuple[int, ...]
    keys: tuple[OutcomeKey, ...]
    outcomes: dict[int, Outcome]
    complete: bool = True  # exhaustive: the subtree was fully explored


def _slice(items: Iterable[tuple[int, OutcomeKey, Outcome]], complete: bool = True) -> Slice:
    run_ids, keys, outcomes, seen, races = [], [], {}, set(), set()
    for run_id, key, outcome in items:
        run_ids.append(run_id)
        keys.append(key)
        # A run that showed a data race first is kept too: its races are reported.
        if key not in seen or not races.issuperset(outcome.races):
            seen.add(key)
            races.update(outcome.races)
            outcomes[run_id] = outcome
    return Slice(tuple(run_ids), tuple(keys), outcomes, complete)


# -- in the worker process ------------------------------------------------------------

_WORKER: dict[str, Any] = {}


def _worker_init(path: str, argv: tuple[str, ...], limits: Limits, policy: RacePolicy
                 ) -> None:
    from simfutures.program import load_program
    from simfutures.sim.watchdog import WATCHDOG

    _WORKER["program"] = RaceProgram(load_program(path, argv), policy)
    _WORKER["limits"] = limits

    def stuck(error: BaseException | None) -> None:
        report = getattr(error, "report", None)
        print(report() if report else "watchdog: a run is stuck", file=sys.stderr, flush=True)
        os._exit(4)

    WATCHDOG.on_stuck = stuck


def _run_seed_chunk(strategy: SeededStrategy, seeds: Sequence[int]) -> Slice:
    return _slice(run_seeds(_WORKER["program"], strategy, seeds, _WORKER["limits"]))


def _run_subtree(prefix: list[exhaustive.Step], count: int, cap: int) -> Slice:
    """One subtree of round ``count`` (leaves with exactly that many preemptions)."""
    program: Program = _WORKER["program"]
    items = []
    complete = True
    for leaf in exhaustive.round_walk(program, count, limits=_WORKER["limits"], start=prefix,
                                      within=len(prefix)):
        items.append((leaf.ordinal, key_of(leaf.outcome), leaf.outcome))
        if len(items) >= cap and not leaf.last:
            complete = False
            break
    return _slice(items, complete)


# -- in the parent ----------------------------------------------------------------------


def _pool(workers: int, spec: ProgramSpec, limits: Limits, policy: RacePolicy
          ) -> ProcessPoolExecutor:
    context = multiprocessing.get_context("spawn")
    return ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init,
                               initargs=(spec.path, tuple(spec.argv), limits, policy))


def _in_order(pool: ProcessPoolExecutor, calls: Iterable[tuple], ahead: int
              ) -> Iterator[Slice]:
    """Submit calls keeping ``ahead`` in flight; yield their results in call order."""
    pending: deque[Future] = deque()
    calls = iter(calls)
    try:
        for call in calls:
            pending.append(pool.submit(*call))
            if len(pending) >= ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    except BrokenProcessPool:
        raise WorkerError("a worker process died during the search (a run stuck in a call "
                          "the watchdog cannot interrupt?); --workers 1 shows the run") from None
    finally:
        for future in pending:
            future.cancel()


def explore_parallel(spec: ProgramSpec, program: Program, strategy: SeededStrategy,
                     seeds: range, config: SearchConfig,
                     progress: Progress | None = None) -> ExploreResult:
    workers = useful_workers(config.workers, len(seeds))
    if workers == 1:
        return explore_seeded(program, strategy, seeds, limits=config.limits,
                              stop_on_failure=config.stop_on_failure, progress=progress)
    collector = Collector(config.stop_on_failure, progress)
    chunk = max(1, min(250, len(seeds) // (workers * 8)))
    calls = ((_run_seed_chunk, strategy, seeds[i:i + chunk])
             for i in range(0, len(seeds), chunk))
    with _pool(workers, spec, config.limits, program.policy) as pool:
        _collect(collector, _in_order(pool, calls, workers * 2))
        pool.shutdown(wait=True, cancel_futures=True)
    return collector.result(strategy.name, strategy.describe())


def _collect(collector: Collector, slices: Iterable[Slice], renumber: bool = False) -> bool:
    """Feed slices to the collector in order; False if it asked to stop."""
    ordinal = 0
    for part in slices:
        for run_id, key in zip(part.run_ids, part.keys):
            outcome = part.outcomes.get(run_id)
            if renumber:
                run_id, ordinal = ordinal, ordinal + 1
            if not collector.add(run_id, key, outcome):
                return False
    return True


def split_tree(program: Program, max_preemptions: int, target: int,
               limits: Limits | None) -> list[list[exhaustive.Step]]:
    """Prefixes of disjoint subtrees that cover the bounded tree, in DFS order.

    Breadth first: each round replaces every subtree that can branch by its
    children (one run each, to learn their traces), until there are
    ``target`` subtrees or nothing branches any more.
    """
    def trace_of(prefix: list[exhaustive.Step]) -> list[exhaustive.Step]:
        chooser = exhaustive.PrefixChooser(prefix)
        program.run(chooser, limits=limits)
        if chooser.divergence is not None:
            raise chooser.divergence
        return chooser.trace

    frontier: list[tuple[list[exhaustive.Step], list[exhaustive.Step]]] = [([], trace_of([]))]
    while len(frontier) < target:
        grown: list[tuple[list[exhaustive.Step], list[exhaustive.Step]]] = []
        for prefix, trace in frontier:
            children = _children(prefix, trace, max_preemptions)
            # Child 0 continues naturally: its leftmost leaf is the parent's, already run.
            grown += [(child, trace if child == trace[:len(child)] else trace_of(child))
                      for child in children]
        if len(grown) == len(frontier):
            break  # nothing branches any more
        frontier = grown
    return [prefix for prefix, _ in frontier]


def _children(prefix: list[exhaustive.Step], trace: list[exhaustive.Step],
              max_preemptions: int) -> list[list[exhaustive.Step]]:
    """The subtrees right below ``prefix``: one per allowed option of its next branch.

    Decisions with only the natural option left (the preemption bound is
    used up) do not branch: the prefix just extends over them.
    """
    used = sum(1 for step in prefix if step.preemptive and step.index)
    for position in range(len(prefix), len(trace)):
        step = trace[position]
        if step.kind not in exhaustive.BRANCHING or used + step.preemptive > max_preemptions:
            continue
        return [[*trace[:position], attrs.evolve(step, index=j)] for j in range(step.options)]
    return [prefix]


def exhaustive_parallel(spec: ProgramSpec, program: Program, config: SearchConfig,
                        description: str,
                        progress: Progress | None = None) -> ExploreResult:
    """Round by round (as ``exhaustive.bounded_walk``), each round split into subtrees."""
    slices: list[Slice] = []

    def must_stop() -> bool:
        # Where a serial walk would stop: past the --runs cap, or at a failure.
        return sum(len(part.run_ids) for part in slices) > config.runs or (
            config.stop_on_failure and any(k.failed for part in slices for k in part.keys))

    covered = True  # every round so far was walked to its end
    last_round = -1
    with _pool(config.workers, spec, config.limits, program.policy) as pool:
        for count in range(config.max_preemptions + 1):
            prefixes = split_tree(program, count, config.workers * SUBTREES_PER_WORKER,
                                  config.limits)
            calls = ((_run_subtree, prefix, count, config.runs) for prefix in prefixes)
            done = 0
            for part in _in_order(pool, calls, config.workers * 2):
                slices.append(part)
                done += 1
                if must_stop():
                    break
            covered = done == len(prefixes) and all(part.complete for part in slices)
            last_round = count
            if not covered or must_stop():
                break
        pool.shutdown(wait=True, cancel_futures=True)
    collector = Collector(config.stop_on_failure, progress)
    _collect(_Capped(collector, config.runs), slices, renumber=True)
    total = sum(len(part.run_ids) for part in slices)
    # Exhausted as the serial walk says it: its last leaf was taken, so every round was
    # walked, the rounds not reached are empty, and the collector took every leaf
    # (the last may be the failure that stopped it).
    later_empty = all(next(exhaustive.round_walk(program, count, limits=config.limits), None)
                      is None for count in range(last_round + 1, config.max_preemptions + 1)
                      ) if covered and collector.tally.runs == total <= config.runs else False
    return collector.result("exhaustive", description, covered and later_empty)


class _Capped:
    """A collector that takes at most ``cap`` runs, as a serial ``--runs`` cap would."""

    def __init__(self, inner: Collector, cap: int) -> None:
        self._inner = inner
        self._left = cap

    def add(self, run_id: int, key: OutcomeKey, outcome: Outcome | None) -> bool:
        if self._left <= 0:
            return False
        self._left -= 1
        return self._inner.add(run_id, key, outcome)
