"""Reality check: does the simulator produce every outcome real CPython produces?

The simulator promises "reality is a subset of the simulation": whatever a real run of a
program can print or raise, some schedule of the simulator produces too.  This script
tests that promise instead of arguing it.  For each program it

1. runs the program with real CPython ``--real-runs`` times, in subprocesses, with a tiny
   switch interval (``sys.setswitchinterval(1e-6)``, injected by a ``sitecustomize`` so
   the program itself is not edited) so that rare interleavings actually happen;
2. runs ``simfutures explore PROGRAM --runs M --json`` to get the simulator's outcomes;
3. normalises both sides the same way; for every real outcome the explored runs did not
   produce, searches for a schedule printing it (``explore.output_search``, at most
   ``--search-runs`` runs), and reports those still missed (count and an example).

    python benchmarks/reality_check.py                       # race suite + examples
    python benchmarks/reality_check.py tests/races/lost_update.py --real-runs 20 --sim-runs 50

Exit code 1 when some real outcome was missed, 0 otherwise.  ``--sim-runs 0`` only
measures reality (the figures quoted at the top of the race suite's programs).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: A line the injected excepthook writes last on stderr: the main thread's uncaught
#: exception, in the one-line form the simulator's reports use (``Type: first line``).
#: Parsing CPython's own traceback would need the module-qualified name and the
#: message's last line instead; the hook gives both sides one form.
MARKER = "@@reality-check-error@@ "

SITECUSTOMIZE = f"""\
import sys

sys.setswitchinterval(1e-6)  # switch threads as often as CPython can: rare windows happen
_previous_hook = sys.excepthook


def _one_line_hook(kind, exc, tb):
    _previous_hook(kind, exc, tb)
    text = str(exc).strip().splitlines()
    line = f"{{kind.__name__}}: {{text[0]}}" if text else kind.__name__
    sys.stderr.write("\\n{MARKER}" + line + "\\n")


sys.excepthook = _one_line_hook
"""

#: Stands for "did not terminate": a real run killed at the timeout, or a simulated run
#: the simulator stopped (deadlock, watchdog, step or time limit: exit code 4).
HANG = "did not terminate"
SIM_STOPPED = 4


@dataclass(frozen=True, order=True)
class Outcome:
    """What a run showed, normalised: equal on both sides when the runs did the same."""

    stdout: str
    exit_code: int | None  # None: did not terminate
    error: str | None

    @property
    def failed(self) -> bool:
        return self.exit_code != 0 or self.error is not None

    def describe(self, width: int = 200) -> str:
        status = HANG if self.exit_code is None else f"exit {self.exit_code}"
        if self.error:
            status += f", {self.error}"
        out = self.stdout.strip().replace("\n", " | ")
        if len(out) > width:
            out = out[:width] + "..."
        return f"{status}; stdout: {out or '(none)'}"


# -- normalisation: one function for both worlds ---------------------------------------

# Memory addresses differ between processes (the simulator already masks "at 0x..." as
# "at 0x…"; bare ones are masked here too, on both sides).
_ADDRESS = re.compile(r"0x[0-9a-fA-F…]+")
# Worker pids: real ones are arbitrary, simulated ones are 4001, 4002...  What matters is
# which ones are equal, so each distinct pid is renumbered in order of first appearance.
_PID = re.compile(r"\b(process|pid)(\s*[:=]?\s*)(\d+)", re.IGNORECASE)
# Durations printed by a program measure the machine, not the schedule.
_DURATION = re.compile(r"\b\d+(?:\.\d+)?(?:e-?\d+)?\s?(?:s|ms|us|µs|seconds)\b")


def normalise_text(text: str) -> str:
    text = _ADDRESS.sub("0x…", text)
    pids: dict[str, int] = {}

    def renumber(match: re.Match) -> str:
        number = pids.setdefault(match.group(3), len(pids) + 1)
        return f"{match.group(1)}{match.group(2)}<pid{number}>"

    text = _PID.sub(renumber, text)
    return _DURATION.sub("<duration>", text)


def normalise(stdout: str, exit_code: int | None, error: str | None) -> Outcome:
    if exit_code is None:
        # What a killed process had printed sat in its pipe buffer and is lost, and a
        # simulated deadlock's output depends on when it is detected: a hang is one outcome.
        return Outcome("", None, HANG)
    return Outcome(normalise_text(stdout), exit_code,
                   normalise_text(error) if error is not None else None)


def from_real(stdout: str, stderr: str, returncode: int | None) -> Outcome:
    """A real run: ``returncode`` None when it was killed at the timeout."""
    if returncode is None:
        return normalise(stdout, None, None)
    error = None
    for line in reversed(stderr.splitlines()):
        if line.startswith(MARKER):
            error = line[len(MARKER):]
            break
    if returncode < 0:  # killed by a signal: say which, as a shell would
        error = error or f"killed by signal {-returncode}"
    return normalise(stdout, returncode, error)


def from_sim_report(report: Mapping) -> Counter[Outcome]:
    """The outcomes of a ``simfutures explore --json`` report, with their run counts."""
    outcomes: Counter[Outcome] = Counter()
    for entry in report["outcomes"]:
        code = entry["exit_code"]
        stopped = code == SIM_STOPPED and entry["error"] is not None
        outcome = normalise(entry["stdout"], None if stopped else code, entry["error"])
        outcomes[outcome] += entry["count"]
    return outcomes


def missed_outcomes(real: Mapping[Outcome, int],
                    sim: Iterable[Outcome]) -> list[tuple[Outcome, int]]:
    """Real outcomes the simulator never produced, most frequent first."""
    produced = set(sim)
    missed = [(outcome, count) for outcome, count in real.items() if outcome not in produced]
    return sorted(missed, key=lambda item: (-item[1], item[0]))


# -- running ---------------------------------------------------------------------------


def run_real(program: Path, site_dir: str, python: str, timeout: float) -> Outcome:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [site_dir, env.get("PYTHONPATH")]))
    env.pop("PYTHONHASHSEED", None)
    try:
        done = subprocess.run([python, str(program)], capture_output=True, text=True,
                              env=env, timeout=timeout, cwd=program.parent)
    except subprocess.TimeoutExpired:
        return from_real("", "", None)
    return from_real(done.stdout, done.stderr, done.returncode)


_CLI = "import sys; from simfutures.cli import main; sys.exit(main())"


def run_sim(program: Path, runs: int, strategy: str) -> Counter[Outcome]:
    command = [sys.executable, "-c", _CLI, "explore", str(program), "--runs", str(runs),
               "--json", "--workers", "1", "--strategy", strategy]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT)
    if done.returncode not in (0, 1):
        raise RuntimeError(f"simfutures explore {program} failed:\n{done.stderr}")
    return from_sim_report(json.loads(done.stdout))


def searched(program: Path, outcome: Outcome, args: argparse.Namespace) -> bool:
    """Whether the output-guided search (``explore.output_search``) finds a schedule of
    ``program`` that shows ``outcome``: a real outcome explored runs did not meet may
    still be one the simulator can produce.  Runs in a child process (the simulator
    patches this process's modules while it runs)."""
    if outcome.exit_code is None:  # a hang: nothing printed to steer by
        return False
    done = subprocess.run([sys.executable, "-c", _SEARCH, str(program), json.dumps(
        [outcome.stdout, outcome.exit_code, outcome.error, args.search_runs])],
        capture_output=True, text=True, cwd=ROOT)
    return done.stdout.strip() == "found"


_SEARCH = """
import json, sys
sys.path.insert(0, "benchmarks")
from reality_check import normalise_text
from simfutures.explore.output_search import schedule_printing
from simfutures.explore.races import prepare
from simfutures.program import load_program
stdout, code, error, runs = json.loads(sys.argv[2])
program = prepare(load_program(sys.argv[1]))
def same_error(outcome):
    return (normalise_text(outcome.error) if outcome.error else None) == error
found = schedule_printing(program, stdout, exit_code=code, max_runs=runs,
                          normalise=normalise_text, accept=same_error)
print("found" if found is not None else "not found")
"""


def default_programs() -> list[Path]:
    races = sorted((ROOT / "tests" / "races").glob("*.py"))
    seeds = sorted((ROOT / "examples" / "seeds").glob("*.py"))
    # examples/test_*.py are pytest files, not scripts.
    scripts = sorted(p for p in (ROOT / "examples").glob("*.py") if not p.name.startswith("test_"))
    return races + seeds + scripts


def _label(program: Path) -> str:
    try:
        return str(program.resolve().relative_to(ROOT))
    except ValueError:
        return str(program)


def check(programs: list[Path], args: argparse.Namespace) -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as site_dir, ThreadPoolExecutor(args.jobs) as pool:
        Path(site_dir, "sitecustomize.py").write_text(SITECUSTOMIZE)
        # Subprocesses do the work: threads here only wait on them.  Every real run is its
        # own task so that both cores stay busy to the end.
        sims = {p: [pool.submit(run_sim, p, args.sim_runs, s) for s in args.strategy]
                for p in programs} if args.sim_runs else {}
        reals = {p: [pool.submit(run_real, p, site_dir, args.python, args.timeout)
                     for _ in range(args.real_runs)] for p in programs}
        total_missed = programs_missing = 0
        for program in programs:
            real = Counter(f.result() for f in reals[program])
            failing = sum(n for o, n in real.items() if o.failed)
            line = (f"{_label(program)}: real {len(real)} distinct in {args.real_runs} runs "
                    f"({failing} failing)")
            if not args.sim_runs:
                print(line)
                for outcome, count in real.most_common():
                    print(f"    {count:5d}x {outcome.describe()}")
                continue
            sim: Counter[Outcome] = Counter()
            for future in sims[program]:
                sim.update(future.result())
            missed = missed_outcomes(real, sim)
            never_real = len(set(sim) - set(real))
            found = [o for o, _ in missed if args.search_runs and searched(program, o, args)]
            missed = [(o, n) for o, n in missed if o not in found]
            print(f"{line}; sim {len(sim)} distinct in {args.sim_runs * len(args.strategy)} "
                  f"runs ({never_real} not seen for real); missed {len(missed)}"
                  + (f" ({len(found)} more found by the output-guided search)" if found else ""))
            for outcome, count in missed:
                print(f"    MISSED {count}/{args.real_runs} real runs: {outcome.describe()}")
            total_missed += len(missed)
            programs_missing += bool(missed)
    elapsed = time.monotonic() - started
    if args.sim_runs:
        print(f"reality check: {len(programs)} programs, {programs_missing} with real outcomes "
              f"the simulator missed ({total_missed} outcomes); {args.real_runs} real runs and "
              f"{args.sim_runs} simulated runs x {len(args.strategy)} strategies each, "
              f"{elapsed:.0f} s")
    else:
        print(f"reality only: {len(programs)} programs, {args.real_runs} real runs each, "
              f"{elapsed:.0f} s")
    return 1 if total_missed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("programs", nargs="*", type=Path,
                        help="scripts to check (default: tests/races/*.py and the examples)")
    parser.add_argument("--real-runs", type=int, default=200, help="real runs per program")
    parser.add_argument("--sim-runs", type=int, default=2000,
                        help="explored schedules per program and strategy (0: reality only)")
    parser.add_argument("--strategy", action="append", choices=["pct", "random", "exhaustive"],
                        help="explore strategy, repeatable: outcomes are pooled (default pct)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2,
                        help="subprocesses at a time")
    parser.add_argument("--search-runs", type=int, default=2000,
                        help="runs of the output-guided search for each real outcome the "
                             "explored runs missed (0: no search)")
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="seconds before a real run counts as hanging")
    parser.add_argument("--python", default=sys.executable, help="the real interpreter")
    args = parser.parse_args(argv)
    args.strategy = args.strategy or ["pct"]
    programs = args.programs or default_programs()
    for program in programs:
        if not program.is_file():
            parser.error(f"{program}: no such file")
    return check([p.resolve() for p in programs], args)


if __name__ == "__main__":
    sys.exit(main())
