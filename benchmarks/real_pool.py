"""simfutures.real against the stdlib, alternating in one process (medians of rounds).

    python benchmarks/real_pool.py [--rounds 5] [--tasks N]
    python benchmarks/real_pool.py --rounds 3 --versions PYTHON [PYTHON ...]

Prints throughput for each workload and the ratio simfutures.real / stdlib
(> 1 means simfutures is faster), always against the stdlib of the interpreter
that runs it (3.12+ has a cheaper submit than 3.11: gh-102024).  Then the
submit path's ratio, the figure simfutures promises to keep >= 2.0 on every
supported version: "submit 50k then result each", as wall-clock throughput and
as CPU time per task (process time, all threads: steadier on a busy machine,
where the wall clock also measures the other programs).

``--versions`` runs only the submit path, once per interpreter given (each must
have simfutures installed, e.g. a venv's ``bin/python``), one after the other so
they do not compete for the cores, and prints the Markdown table that
docs/versions.md shows, with each row's verdict against the target.
"""

from __future__ import annotations

import argparse
import concurrent.futures as stdlib
import json
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

import attrs

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
    return _submit_all_then_result(futures, n)[0]


def _submit_all_then_result(futures: Any, n: int) -> tuple[float, float]:
    """Tasks per second (wall clock) and CPU microseconds per task."""
    with futures.ThreadPoolExecutor(max_workers=4) as ex:
        cpu = time.process_time()
        start = time.perf_counter()
        fs = [ex.submit(noop) for _ in range(n)]
        for f in fs:
            f.result()
        wall = time.perf_counter() - start
        cpu = time.process_time() - cpu
    return n / wall, cpu / n * 1e6


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


SUBMIT_PATH_TARGET = 2.0


@attrs.frozen
class SubmitPath:
    """The submit path on one interpreter: medians of alternating rounds."""

    python: str
    stdlib_per_s: float
    ours_per_s: float
    stdlib_cpu_us: float
    ours_cpu_us: float

    @property
    def wall_ratio(self) -> float:
        return self.ours_per_s / self.stdlib_per_s

    @property
    def cpu_ratio(self) -> float:
        return self.stdlib_cpu_us / self.ours_cpu_us

    @property
    def ok(self) -> bool:
        return min(self.wall_ratio, self.cpu_ratio) >= SUBMIT_PATH_TARGET

    def markdown_row(self) -> str:
        return (f"| {self.python} | {self.stdlib_per_s:,.0f} tasks/s | "
                f"{self.ours_per_s:,.0f} tasks/s | {self.wall_ratio:.2f} | "
                f"{self.stdlib_cpu_us:.2f} / {self.ours_cpu_us:.2f} µs | {self.cpu_ratio:.2f} | "
                f"{'yes' if self.ok else 'NO'} |")


MARKDOWN_HEADER = ("| Python | submit path, stdlib | simfutures.real | wall ratio "
                   f"| CPU per task (stdlib / ours) | CPU ratio | both >= {SUBMIT_PATH_TARGET} |\n"
                   "|---|---|---|---|---|---|---|")


def submit_path(rounds: int, n: int = 50_000) -> SubmitPath:
    """The submit path's figures, medians of alternating rounds."""
    walls: dict[Any, list[float]] = {stdlib: [], real: []}
    cpus: dict[Any, list[float]] = {stdlib: [], real: []}
    for _ in range(rounds):
        for futures in (stdlib, real):
            wall, cpu = _submit_all_then_result(futures, n)
            walls[futures].append(wall)
            cpus[futures].append(cpu)
    return SubmitPath(platform.python_version(), statistics.median(walls[stdlib]),
                      statistics.median(walls[real]), statistics.median(cpus[stdlib]),
                      statistics.median(cpus[real]))


def versions_table(pythons: list[str], rounds: int, tasks: int | None) -> None:
    """Run the submit path under each interpreter in turn; print the table."""
    rows = []
    for python in pythons:
        command = [python, __file__, "--rounds", str(rounds), "--submit-path-json"]
        if tasks is not None:
            command += ["--tasks", str(tasks)]
        done = subprocess.run(command, check=True, stdout=subprocess.PIPE, text=True)
        rows.append(SubmitPath(**json.loads(done.stdout)))
    print(MARKDOWN_HEADER)
    for row in rows:
        print(row.markdown_row())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--tasks", type=int, default=None,
                        help="items per workload (default: 50,000 or 100,000 each); small "
                        "values only check that the benchmark runs")
    parser.add_argument("--versions", nargs="+", metavar="PYTHON",
                        help="only the submit path, under each interpreter: a Markdown table")
    parser.add_argument("--submit-path-json", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    size = {} if args.tasks is None else {"n": args.tasks}
    if args.versions:
        versions_table(args.versions, args.rounds, args.tasks)
        return 0
    if args.submit_path_json:
        print(json.dumps(attrs.asdict(submit_path(args.rounds, **size))))
        return 0
    print(f"Python {platform.python_version()} ({platform.python_implementation()}), "
          f"against its own concurrent.futures")
    print(f"{'workload':52} {'stdlib/s':>10} {'simfutures/s':>13} {'ratio':>6}")
    for name, workload in WORKLOADS.items():
        ours, theirs = [], []
        for _ in range(args.rounds):  # alternate, so drift hits both alike
            theirs.append(workload(stdlib, **size))
            ours.append(workload(real, **size))
        a, b = statistics.median(theirs), statistics.median(ours)
        print(f"{name:52} {a:10.0f} {b:13.0f} {b / a:6.2f}")
    print("submit path (submit 50k then result each, 4 workers):")
    figures = submit_path(args.rounds, **size)
    print(f"  CPU per task: stdlib {figures.stdlib_cpu_us:.2f} us, "
          f"simfutures {figures.ours_cpu_us:.2f} us")
    verdict = "ok" if figures.ok else "BELOW TARGET"
    print(f"  ratio vs this Python's stdlib: wall {figures.wall_ratio:.2f}, CPU "
          f"{figures.cpu_ratio:.2f} (target >= {SUBMIT_PATH_TARGET}: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
