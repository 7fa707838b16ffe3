"""Exploration benchmark: how fast each strategy finds each race, and raw schedules/second.

    python benchmarks/explore_bench.py            # full: race suite + seed examples
    python benchmarks/explore_bench.py --quick    # smaller budgets
    python benchmarks/explore_bench.py --speed    # only schedules/second

Part 1, for every racy program in tests/races and every strategy:
  first   runs until the first failure, searching from seed 0 (what `explore` does)
  rate    share of failing runs among the first N (random, pct); 1/rate is the
          expected number of runs to a failure from any seed start
  time    wall time to the first failure, in one process
Part 2: runs to the first failure on a larger program (8 tasks on 4 workers,
30 scheduling points of unrelated work around one racy update): where a
depth-first search drowns in interleavings of the unrelated work.
Part 3: schedules per second of each seeded strategy on examples/seeds/*.py,
one process, one core (the per-run cost includes capturing output and
grouping the outcome, as in `explore`).
Part 4 (also alone with --pruning): exhaustive search with and without
pruning of commuting steps: schedules run to cover the bound, schedules cut
short as equivalent to explored ones, and wall time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import textwrap
import time
from pathlib import Path

from simfutures.explore import exhaustive
from simfutures.explore.outcomes import key_of
from simfutures.explore.search import SearchConfig, seeded_strategy
from simfutures.program import load_program

ROOT = Path(__file__).resolve().parent.parent
RACES = sorted(p for p in (ROOT / "tests" / "races").glob("*.py")
               if not p.stem.endswith("_fixed"))
SEEDS = sorted((ROOT / "examples" / "seeds").glob("*.py"))
STRATEGIES = (("random", {}), ("pct", {"depth": 2}), ("pct", {"depth": 3}),
              ("exhaustive", {"max_preemptions": 2}))


def label(name: str, options: dict) -> str:
    return name + "".join(f" {k.split('_')[-1]}={v}" for k, v in options.items())


def first_failure(program, name: str, options: dict, budget: int) -> tuple[int | None, float]:
    started = time.perf_counter()
    if name == "exhaustive":  # as `explore` runs it: commuting steps pruned
        for leaf in exhaustive.bounded_walk(program, options["max_preemptions"], prune=True):
            if leaf.outcome.failed:
                return leaf.ordinal + 1, time.perf_counter() - started
            if leaf.last or leaf.ordinal + 1 >= budget:
                break
        return None, time.perf_counter() - started
    strategy = seeded_strategy(SearchConfig(strategy=name, **options), program)
    for seed in range(budget):
        if program.run(strategy.chooser(seed)).failed:
            return seed + 1, time.perf_counter() - started
    return None, time.perf_counter() - started


def failure_rate(program, name: str, options: dict, runs: int) -> float:
    strategy = seeded_strategy(SearchConfig(strategy=name, **options), program)
    return sum(program.run(strategy.chooser(seed)).failed for seed in range(runs)) / runs


def races(budget: int, rate_runs: int) -> None:
    print(f"Part 1: runs to the first failure (budget {budget}), failure rate over "
          f"{rate_runs} runs")
    header = f"{'program':24}" + "".join(f"{label(n, o):>26}" for n, o in STRATEGIES)
    print(header)
    worst: dict[str, int] = {}
    for path in RACES:
        program = load_program(path)
        cells = []
        for name, options in STRATEGIES:
            runs, seconds = first_failure(program, name, options, budget)
            key = label(name, options)
            worst[key] = max(worst.get(key, 0), runs if runs is not None else budget + 1)
            found = f"{runs}" if runs is not None else "-"
            rate = "" if name == "exhaustive" else \
                f" {100 * failure_rate(program, name, options, rate_runs):4.1f}%"
            cells.append(f"{found:>6} {seconds * 1000:6.0f}ms{rate:>7}")
        print(f"{path.stem:24}" + "".join(f"{c:>26}" for c in cells), flush=True)
    print(f"{'worst':24}" + "".join(f"{worst[label(n, o)]:>26}" for n, o in STRATEGIES))


LARGER = """
    import time
    from concurrent.futures import ThreadPoolExecutor

    counter = 0

    def step(i):
        global counter
        for _ in range(5):
            time.sleep(0)  # unrelated work with scheduling points
        if i == 7:
            value = counter
            time.sleep(0)
            counter = value + 1
        else:
            counter += 1

    with ThreadPoolExecutor(max_workers=4) as pool:
        for i in range(8):
            pool.submit(step, i)
    assert counter == 8, f"lost update: {counter}"
"""


def larger(budget: int) -> None:
    print(f"\nPart 2: a larger program, runs to the first failure (budget {budget})")
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "larger_lost_update.py"
        path.write_text(textwrap.dedent(LARGER))
        program = load_program(path)
        for name, options in STRATEGIES:
            runs, seconds = first_failure(program, name, options, budget)
            print(f"  {label(name, options):26}{runs if runs else '-':>6} {seconds:7.2f}s")


def speed(seconds: float) -> None:
    print(f"\nPart 3: schedules per second, one process ({seconds:g} s per cell)")
    print(f"{'example':34}{'random':>10}{'pct':>10}{'decisions':>11}")
    rates: dict[str, list[float]] = {"random": [], "pct": []}
    for path in SEEDS:
        program = load_program(path)
        cells = []
        for name in rates:
            strategy = seeded_strategy(SearchConfig(strategy=name), program)
            runs, started = 0, time.perf_counter()
            while time.perf_counter() - started < seconds:
                outcome = program.run(strategy.chooser(runs + 1))
                key_of(outcome)
                runs += 1
            rate = runs / (time.perf_counter() - started)
            rates[name].append(rate)
            cells.append(f"{rate:10.0f}")
        print(f"{path.stem:34}" + "".join(cells) + f"{len(outcome.schedule.choices):11}",
              flush=True)
    print(f"{'median':34}" + "".join(f"{statistics.median(r):10.0f}" for r in rates.values()))


UNRELATED = """
    import threading

    totals = [0, 0, 0]
    locks = [threading.Lock() for _ in totals]

    def work(slot):
        for _ in range(3):
            with locks[slot]:
                totals[slot] += 1

    threads = [threading.Thread(target=work, args=(slot,)) for slot in range(len(totals))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(totals)
"""


def exhaustive_cost(program, bound: int, prune: bool, cap: int) -> tuple[str, int, float]:
    stats = exhaustive.WalkStats()
    started = time.perf_counter()
    runs = 0
    for leaf in exhaustive.bounded_walk(program, bound, prune=prune, stats=stats):
        runs += 1
        if leaf.last:
            break
        if runs >= cap:
            return f">{cap}", stats.pruned, time.perf_counter() - started
    return str(runs), stats.pruned, time.perf_counter() - started


def pruning(bound: int, cap: int) -> None:
    print(f"\nPart 4: exhaustive search, bound {bound}, with and without pruning "
          f"(cap {cap} schedules)")
    print(f"{'program':26}{'full runs':>10}{'time':>9}{'pruned runs':>13}{'skipped':>9}"
          f"{'time':>9}")
    with tempfile.TemporaryDirectory() as directory:
        unrelated = Path(directory) / "unrelated_locks.py"
        unrelated.write_text(textwrap.dedent(UNRELATED))
        for path in [unrelated, *RACES]:
            if path.stem == "process_death_map":
                continue  # its bounded space is far past any cap
            program = load_program(path)
            full, _, full_time = exhaustive_cost(program, bound, False, cap)
            pruned, skipped, pruned_time = exhaustive_cost(program, bound, True, cap)
            print(f"{path.stem:26}{full:>10}{full_time:8.2f}s{pruned:>13}{skipped:>9}"
                  f"{pruned_time:8.2f}s", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--speed", action="store_true", help="only schedules/second")
    parser.add_argument("--pruning", action="store_true", help="only part 4")
    args = parser.parse_args()
    if args.pruning:
        pruning(bound=2, cap=2000 if args.quick else 5000)
        return
    if not args.speed:
        races(budget=300 if args.quick else 1000, rate_runs=100 if args.quick else 500)
        larger(budget=1000 if args.quick else 3000)
    speed(0.5 if args.quick else 2.0)
    if not args.speed:
        pruning(bound=2, cap=2000 if args.quick else 5000)


if __name__ == "__main__":
    sys.exit(main())
