"""What observing the event stream costs a real thread pool.

Measures submit+result throughput (``pool.submit(noop).result()`` N times, 4
workers, the same workload as ``real_pool.py``) of

* the stdlib ``concurrent.futures.ThreadPoolExecutor``,
* ``simfutures.real`` with no observer (every event site is one skipped
  ``if bus.active`` check),
* ``simfutures.real`` with a no-op observer (events are built and delivered),
* ``simfutures.real`` with a ``TraceRecorder`` (events are also kept),

in one process, variants interleaved round by round so drift hits them all
alike; prints the median of ROUNDS rounds and the ratios.

What "no observer" saves cannot be timed by removing the guards, so the
script also counts the event sites a task passes (events per task with an
observer) and times one ``if bus.active`` check: their product, over the
time per task, is the share of an unobserved task spent on observability.

    python benchmarks/observer_cost.py [TASKS] [ROUNDS]
"""

from __future__ import annotations

import concurrent.futures
import statistics
import sys
import time
import timeit
from collections import Counter
from collections.abc import Callable

import simfutures.real
from simfutures.trace.perfetto import TraceRecorder

WORKERS = 4


def noop() -> None:
    return None


def throughput(executor_class: type, tasks: int) -> float:
    with executor_class(max_workers=WORKERS) as pool:
        pool.submit(noop).result()  # start-up is not what is measured
        start = time.perf_counter()
        for _ in range(tasks):
            pool.submit(noop).result()
        elapsed = time.perf_counter() - start
    return tasks / elapsed


def observed(observer: Callable | None, tasks: int) -> float:
    if observer is None:
        return throughput(simfutures.real.ThreadPoolExecutor, tasks)
    unsubscribe = simfutures.real.runtime.bus.subscribe(observer)
    try:
        return throughput(simfutures.real.ThreadPoolExecutor, tasks)
    finally:
        unsubscribe()


def main(tasks: int = 20_000, rounds: int = 5) -> None:
    variants: dict[str, Callable[[], float]] = {
        "stdlib": lambda: throughput(concurrent.futures.ThreadPoolExecutor, tasks),
        "simfutures.real, no observer": lambda: observed(None, tasks),
        "simfutures.real, no-op observer": lambda: observed(lambda event: None, tasks),
        "simfutures.real, TraceRecorder": lambda: observed(TraceRecorder(), tasks),
    }
    results: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(rounds):
        for name, measure in variants.items():
            results[name].append(measure())
    medians = {name: statistics.median(values) for name, values in results.items()}
    base = medians["simfutures.real, no observer"]
    stdlib = medians["stdlib"]
    print(f"{tasks} x submit(noop).result(), {WORKERS} workers, median of {rounds} rounds "
          f"(Python {sys.version.split()[0]})")
    for name, value in medians.items():
        spread = f"{min(results[name]):,.0f}..{max(results[name]):,.0f}"
        print(f"  {name:<34} {value:>9,.0f} tasks/s  ({spread})  x{value / stdlib:5.2f} "
              f"stdlib  x{value / base:5.2f} unobserved")
    guard_share(tasks, base)


def guard_share(tasks: int, unobserved_rate: float) -> None:
    counter = Counter()
    observed(lambda event: counter.update((type(event).__name__,)), tasks)
    sites = sum(counter.values()) / tasks
    bus = simfutures.real.runtime.bus
    loops = 1_000_000
    check = min(timeit.repeat("if bus.active: pass", globals={"bus": bus}, number=loops,
                              repeat=5)) / loops
    share = sites * check * unobserved_rate
    print(f"  event sites per task: {sites:.2f} ({', '.join(sorted(counter))}); one "
          f"'if bus.active' check: {check * 1e9:.1f} ns")
    print(f"  => guards cost about {sites * check * 1e9:.0f} ns of a "
          f"{1e9 / unobserved_rate:,.0f} ns task: {share:.2%} of unobserved time")


if __name__ == "__main__":
    main(*(int(a) for a in sys.argv[1:3]))
