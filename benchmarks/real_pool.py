"""simfutures.real against the stdlib, alternating in one process (medians of rounds).

    python benchmarks/real_pool.py [--rounds 5] [--tasks N]

Prints throughput for each workload and the ratio simfutures.real / stdlib
(> 1 means simfutures is faster).
"""

from __future__ import annotations

import argparse
import concurrent.futures as stdlib
import statistics
import time
from collections.abc import Callable
from typing import Any

import simfutures.real as real


def noop() -> None:
    return None


def submit_result(futures: Any, n: int = 50_000) -> float:
    with futures.ThreadPoolExecutor(max_workers=4) as ex:
        start = time.perf_counter()
        for _ in range(n):
            ex.submit(noop).result()
        return n / (time.perf_counter() - start)


def submit_all_then_result(futures: Any, n: int = 50_000) -> float:
    with futures.ThreadPoolExecutor(max_workers=4) as ex:
        start = time.perf_counter()
        fs = [ex.submit(noop) for _ in range(n)]
        for f in fs:
            f.result()
        return n / (time.perf_counter() - start)


def thread_map(futures: Any, n: int = 100_000) -> float:
    with futures.ThreadPoolExecutor(max_workers=4) as ex:
        start = time.perf_counter()
        for _ in ex.map(abs, range(n)):
            pass
        return n / (time.perf_counter() - start)


def process_map_chunks(futures: Any, n: int = 100_000) -> float:
    with futures.ProcessPoolExecutor(max_workers=2) as ex:
        list(ex.map(abs, range(100)))  # start the workers outside the timing
        start = time.perf_counter()
        for _ in ex.map(abs, range(n), chunksize=1000):
            pass
        return n / (time.perf_counter() - start)


WORKLOADS: dict[str, Callable[[Any], float]] = {
    "submit+result, 50k no-op, 4 workers": submit_result,
    "submit 50k then result each, 4 workers": submit_all_then_result,
    "thread map(abs, 100k), 4 workers": thread_map,
    "process map(abs, 100k, chunksize=1000), 2 workers": process_map_chunks,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=None,
                        help="items per workload (default: 50,000 or 100,000 each); small "
                        "values only check that the benchmark runs")
    args = parser.parse_args()
    size = {} if args.tasks is None else {"n": args.tasks}
    print(f"{'workload':52} {'stdlib/s':>10} {'simfutures/s':>13} {'ratio':>6}")
    for name, workload in WORKLOADS.items():
        ours, theirs = [], []
        for _ in range(args.rounds):  # alternate, so drift hits both alike
            theirs.append(workload(stdlib, **size))
            ours.append(workload(real, **size))
        a, b = statistics.median(theirs), statistics.median(ours)
        print(f"{name:52} {a:10.0f} {b:13.0f} {b / a:6.2f}")


if __name__ == "__main__":
    main()
