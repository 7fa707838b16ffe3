"""How fast the simulator runs, against the stdlib running the same work for real.

    python benchmarks/sim_speed.py [--tasks 20000] [--rounds 3]

1. 20,000 tasks on 8 workers, each sleeping a random virtual time under
   10 ms, with a done-callback each and as_completed, simulated; against the
   stdlib pool running the same tasks *without* the sleep.  Ratio = sim wall
   time / stdlib wall time (target <= 1.0).
2. Scheduling decisions per second in that run.
3. Schedules per second on each seed example (``examples/seeds``), seeds 0..N.
"""

from __future__ import annotations

import argparse
import concurrent.futures as stdlib
import random
import statistics
import time
from pathlib import Path

from simfutures.program import ScriptProgram
from simfutures.sim import run
from simfutures.sim.chooser import RandomChooser, chooser_for_seed

SEEDS = Path(__file__).resolve().parent.parent / "examples" / "seeds"


def workload(futures, n: int, sleep: bool) -> int:
    done = []

    def task(i: int) -> int:
        if sleep:
            time.sleep(random.random() / 100)
        return i

    with futures.ThreadPoolExecutor(max_workers=8) as ex:
        fs = [ex.submit(task, i) for i in range(n)]
        for f in fs:
            f.add_done_callback(done.append)
        total = sum(f.result() for f in futures.as_completed(fs))
    assert len(done) == n
    return total


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--schedules", type=int, default=300)
    args = parser.parse_args()

    sim_times, real_times, steps = [], [], 0
    for round_ in range(args.rounds):
        real_times.append(timed(lambda: workload(stdlib, args.tasks, sleep=False)))
        start = time.perf_counter()
        result = run(workload, (stdlib, args.tasks, True), chooser=RandomChooser(round_ + 1))
        sim_times.append(time.perf_counter() - start)
        assert result.ok, result.exception or result.stopped
        steps = len(result.schedule.choices)
    sim, real = statistics.median(sim_times), statistics.median(real_times)
    print(f"{args.tasks} tasks, 8 workers: simulated (random sleeps < 10 ms) {sim:.3f} s, "
          f"stdlib (no sleep) {real:.3f} s, ratio {sim / real:.2f} (target <= 1.0)")
    print(f"scheduling decisions per second: {steps / sim:,.0f} ({steps} in the run)")

    for script in sorted(SEEDS.glob("*.py")):
        program = ScriptProgram(script)
        start = time.perf_counter()
        for seed in range(args.schedules):
            program.run(chooser_for_seed(seed))
        rate = args.schedules / (time.perf_counter() - start)
        print(f"{script.name:40} {rate:8,.0f} schedules/s")


if __name__ == "__main__":
    main()
