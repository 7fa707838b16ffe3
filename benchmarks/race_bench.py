"""What data-race detection costs: runs per second with ``--preempt races`` (the default)
against ``--preempt sync``, measured in the same process, one after the other.

    python benchmarks/race_bench.py [--runs N]

For each seed example and for a two-task lost update (``counter['n'] += 1`` in two pool
tasks): schedules per second in each mode over N random-walk runs, the discovery pass's
one-off cost (once per exploration, like start-up), and three ratios of races to sync
time: per run (discovery left out), over the N runs measured, and over an exploration of
``explore``'s default 1000 runs.  Issue 13's target: a seed example costs at most 2x with
detection on.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from simfutures.explore.races import RaceProgram, discover
from simfutures.program import load_program
from simfutures.sim.chooser import chooser_for_seed

ROOT = Path(__file__).resolve().parent.parent
LOST_UPDATE = """\
from concurrent.futures import ThreadPoolExecutor
counter = {"n": 0}
def add_one():
    counter["n"] += 1
with ThreadPoolExecutor(max_workers=2) as pool:
    for _ in range(2):
        pool.submit(add_one)
assert counter["n"] == 2, f"lost update: {counter['n']}"
"""


def measure(path: Path, runs: int) -> tuple[float, float, float, int]:
    program = load_program(path)
    started = time.perf_counter()
    for seed in range(runs):
        program.run(chooser_for_seed(seed))
    sync = time.perf_counter() - started
    started = time.perf_counter()
    policy, _ = discover(program)
    discovery = time.perf_counter() - started
    detecting = RaceProgram(program, policy)
    started = time.perf_counter()
    for seed in range(runs):
        detecting.run(chooser_for_seed(seed))
    races = time.perf_counter() - started
    return sync, races, discovery, len(policy.lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        lost_update = Path(scratch) / "lost_update_no_blocking.py"
        lost_update.write_text(LOST_UPDATE)
        programs = [*sorted((ROOT / "examples" / "seeds").glob("*.py")), lost_update]
        print(f"{'program':34} {'sync/s':>8} {'races/s':>8} {'discovery':>10} {'lines':>5} "
              f"{'per run':>8} {f'{args.runs} runs':>10} {'1000 runs':>10}")
        for path in programs:
            sync, races, discovery, lines = measure(path, args.runs)
            per_run = races / sync
            default = (races * 1000 / args.runs + discovery) / (sync * 1000 / args.runs)
            print(f"{path.name:34} {args.runs / sync:8.0f} {args.runs / races:8.0f} "
                  f"{discovery:9.2f}s {lines:5d} {per_run:7.2f}x "
                  f"{(races + discovery) / sync:9.2f}x {default:9.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
