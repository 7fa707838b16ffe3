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
    if name == "exhaustive":
        for leaf in exhaustive.bounded_walk(program, options["max_preemptions"]):
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--speed", action="store_true", help="only schedules/second")
    args = parser.parse_args()
    if not args.speed:
        races(budget=300 if args.quick else 1000, rate_runs=100 if args.quick else 500)
        larger(budget=1000 if args.quick else 3000)
    speed(0.5 if args.quick else 2.0)


if __name__ == "__main__":
    sys.exit(main())
