"""How fast the simulator runs, against the stdlib running the same work for real.

    python benchmarks/sim_speed.py [--tasks 20000] [--rounds 3]

1. 20,000 tasks on 8 workers, each sleeping a random virtual time under
   10 ms, with a done-callback each and as_completed, simulated; against the
   stdlib pool running the same tasks *without* the sleep.  Ratio = sim wall
   time / stdlib wall time (target <= 1.0).
2. Scheduling decisions per second in that run.
3. Schedules per second on each seed example (``examples/seeds``), seeds 0..N.
4. Start-up, whole processes: ``simfutures run`` of the same workload (as a
   script, ``--preempt sync``: the default ``races`` mode first runs 32 discovery
   schedules) against ``python`` running it on the stdlib without the sleep;
   and ``simfutures run`` of a one-line print against ``python -c pass`` and
   against ``python`` running the print.  Best of ``--startup-runs`` each, after
   one untimed run that writes the bytecode cache (to a temporary
   ``PYTHONPYCACHEPREFIX``, whatever ``PYTHONDONTWRITEBYTECODE`` says): what a user
   sees from the second run on, not the cost of compiling simfutures' sources.
"""

from __future__ import annotations

import argparse
import concurrent.futures as stdlib
import os
import random
import statistics
import subprocess
import sys
import tempfile
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


#: The workload as a script for whole-process runs: ``SCRIPT N sleep|nosleep``.
SCRIPT = """
import concurrent.futures as futures
import random
import sys
import time

n, sleep = int(sys.argv[1]), sys.argv[2] == "sleep"


def task(i):
    if sleep:
        time.sleep(random.random() / 100)
    return i


done = []
with futures.ThreadPoolExecutor(max_workers=8) as ex:
    fs = [ex.submit(task, i) for i in range(n)]
    for f in fs:
        f.add_done_callback(done.append)
    total = sum(f.result() for f in futures.as_completed(fs))
assert len(done) == n and total == n * (n - 1) // 2
"""


def process_time(command: list[str], runs: int, env: dict[str, str]) -> float:
    """Best wall time of ``runs`` runs of a whole process (it must succeed), after one
    untimed run that fills the bytecode cache ``env`` points at."""
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=env)
        best = min(best, time.perf_counter() - start)
    return best


def startup(tasks: int, runs: int) -> None:
    simfutures = [sys.executable, "-m", "simfutures.cli", "run"]
    with tempfile.TemporaryDirectory() as directory:
        script = Path(directory) / "workload.py"
        script.write_text(SCRIPT)
        hello = Path(directory) / "hello.py"
        hello.write_text('print("hello")\n')
        env = {name: value for name, value in os.environ.items()
               if name != "PYTHONDONTWRITEBYTECODE"}
        env["PYTHONPYCACHEPREFIX"] = str(Path(directory) / "pycache")
        sim = process_time([*simfutures, str(script), "--preempt", "sync", "--",
                            str(tasks), "sleep"], runs, env)
        real = process_time([sys.executable, str(script), str(tasks), "nosleep"], runs, env)
        sim_hello = process_time([*simfutures, str(hello)], runs, env)
        bare = process_time([sys.executable, "-c", "pass"], runs, env)
        real_hello = process_time([sys.executable, str(hello)], runs, env)
    print(f"whole process, {tasks} tasks: simfutures run (--preempt sync) {sim:.3f} s, "
          f"python on the stdlib (no sleep) {real:.3f} s, ratio {sim / real:.2f}")
    print(f"start-up: simfutures run hello.py {sim_hello:.3f} s, python hello.py "
          f"{real_hello:.3f} s (ratio {sim_hello / real_hello:.1f}), python -c pass "
          f"{bare:.3f} s (target: simfutures run hello.py <= 0.15 s)")


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--schedules", type=int, default=300)
    parser.add_argument("--startup-runs", type=int, default=5,
                        help="whole-process runs per start-up figure (best is shown)")
    args = parser.parse_args()

    sim_times, real_times, decisions, steps = [], [], 0, 0
    for round_ in range(args.rounds):
        real_times.append(timed(lambda: workload(stdlib, args.tasks, sleep=False)))
        start = time.perf_counter()
        result = run(workload, (stdlib, args.tasks, True), chooser=RandomChooser(round_ + 1))
        sim_times.append(time.perf_counter() - start)
        assert result.ok, result.exception or result.stopped
        decisions, steps = len(result.schedule.choices), result.steps
    sim, real = statistics.median(sim_times), statistics.median(real_times)
    print(f"{args.tasks} tasks, 8 workers: simulated (random sleeps < 10 ms) {sim:.3f} s, "
          f"stdlib (no sleep) {real:.3f} s, ratio {sim / real:.2f} (target <= 1.0)")
    # Decisions: recorded choices; scheduling points: every preempt/block (a point
    # with one option, or whose clock and thread options are one decision, is fewer).
    print(f"scheduling decisions per second: {decisions / sim:,.0f} ({decisions} in the run; "
          f"{steps} scheduling points, {steps / sim:,.0f}/s)")

    for script in sorted(SEEDS.glob("*.py")):
        program = ScriptProgram(script)
        start = time.perf_counter()
        for seed in range(args.schedules):
            program.run(chooser_for_seed(seed))
        rate = args.schedules / (time.perf_counter() - start)
        print(f"{script.name:40} {rate:8,.0f} schedules/s")

    startup(args.tasks, args.startup_runs)


if __name__ == "__main__":
    main()
