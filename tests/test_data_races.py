"""Data races (issue 13): unsynchronised read-modify-writes are found by ``explore`` with
default settings, replay, and are reported by both accesses; the same shapes with a lock
report nothing."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
import textwrap

import pytest

from simfutures.explore import stack_peek
from simfutures.explore.races import RacePolicy, RaceProgram, discover
from simfutures.explore.search import ProgramSpec, SearchConfig, search
from simfutures.program import load_program
from simfutures.sim import simulate
from simfutures.sim.chooser import chooser_for_seed

# The detector reads instruction operands off the frame (CPython 3.11 to 3.13): where
# stack_peek's layout check fails every --preempt mode runs as sync (docs/soundness.md).
pytestmark = pytest.mark.skipif(not stack_peek.AVAILABLE,
                                reason="stack_peek's frame layout check failed here")

BUDGET = 2000

POOL = """\
import threading
from concurrent.futures import ThreadPoolExecutor
lock = threading.Lock()
"""

# name -> (racy body, fixed body, the racy line's text): each body runs two pool tasks.
SHAPES = {
    "dict entry": ("""
counter = {"n": 0}
def task():
    counter["n"] += 1
with ThreadPoolExecutor(2) as pool:
    for _ in range(2):
        pool.submit(task)
assert counter["n"] == 2, f"lost update: {counter['n']}"
""", """
counter = {"n": 0}
def task():
    with lock:
        counter["n"] += 1
with ThreadPoolExecutor(2) as pool:
    for _ in range(2):
        pool.submit(task)
assert counter["n"] == 2, f"lost update: {counter['n']}"
""", 'counter["n"] += 1'),
    "get then set": ("""
hits = {}
def task():
    seen = hits.get("k", 0)
    hits["k"] = seen + 1
with ThreadPoolExecutor(2) as pool:
    for _ in range(2):
        pool.submit(task)
assert hits["k"] == 2, f"lost update: {hits['k']}"
""", """
hits = {}
def task():
    with lock:
        seen = hits.get("k", 0)
        hits["k"] = seen + 1
with ThreadPoolExecutor(2) as pool:
    for _ in range(2):
        pool.submit(task)
assert hits["k"] == 2, f"lost update: {hits['k']}"
""", 'hits["k"] = seen + 1'),
    "attribute": ("""
class Stats:
    done = 0
stats = Stats()
def task():
    stats.done += 1
with ThreadPoolExecutor(2) as pool:
    for _ in range(2):
        pool.submit(task)
assert stats.done == 2, f"lost update: {stats.done}"
""", """
class Stats:
    done = 0
stats = Stats()
def task():
    with lock:
        stats.done += 1
with ThreadPoolExecutor(2) as pool:
    for _ in range(2):
        pool.submit(task)
assert stats.done == 2, f"lost update: {stats.done}"
""", "stats.done += 1"),
    "global": ("""
total = 0
def task():
    global total
    total += 1
with ThreadPoolExecutor(2) as pool:
    for _ in range(2):
        pool.submit(task)
assert total == 2, f"lost update: {total}"
""", """
total = 0
def task():
    global total
    with lock:
        total += 1
with ThreadPoolExecutor(2) as pool:
    for _ in range(2):
        pool.submit(task)
assert total == 2, f"lost update: {total}"
""", "total += 1"),
    "check then act": ("""
class Config:
    instance = None
    made = 0
    def __init__(self):
        Config.made += 1
def get():
    if Config.instance is None:
        Config.instance = Config()
    return Config.instance
with ThreadPoolExecutor(2) as pool:
    for _ in range(2):
        pool.submit(get)
assert Config.made == 1, f"made {Config.made} times"
""", """
class Config:
    instance = None
    made = 0
    def __init__(self):
        Config.made += 1
def get():
    with lock:
        if Config.instance is None:
            Config.instance = Config()
    return Config.instance
with ThreadPoolExecutor(2) as pool:
    for _ in range(2):
        pool.submit(get)
assert Config.made == 1, f"made {Config.made} times"
""", "if Config.instance is None:"),
    # The main thread never touches the shared data: only the tasks' results tell.  The
    # first runs can give both tasks to one worker; discovery must still look further.
    "tasks only": ("""
class Stats:
    done = 0
stats = Stats()
def work(i):
    stats.done += 1
    return stats.done
with ThreadPoolExecutor(2) as pool:
    counts = sorted(pool.map(work, range(2)))
assert counts == [1, 2], f"counts seen by the tasks: {counts}"
""", """
class Stats:
    done = 0
stats = Stats()
def work(i):
    with lock:
        stats.done += 1
        return stats.done
with ThreadPoolExecutor(2) as pool:
    counts = sorted(pool.map(work, range(2)))
assert counts == [1, 2], f"counts seen by the tasks: {counts}"
""", "stats.done += 1"),
    "callback appends while main iterates": ("""
import time
results = []
def work():
    time.sleep(0.001)
    return 1
with ThreadPoolExecutor(2) as pool:
    futures = [pool.submit(work) for _ in range(2)]
    for f in futures:
        f.add_done_callback(lambda f: results.append(f.result()))
    seen = 0
    for _ in range(3):
        seen = len(results)
        total = 0
        for value in results:
            total += value
        assert total == seen, f"read {total} from {seen} results"
""", """
import time
results = []
def work():
    time.sleep(0.001)
    return 1
with ThreadPoolExecutor(2) as pool:
    futures = [pool.submit(work) for _ in range(2)]
    for f in futures:
        f.add_done_callback(lambda f: (lock.acquire(), results.append(f.result()),
                                       lock.release()))
    for _ in range(3):
        with lock:
            seen = len(results)
            total = sum(results)
        assert total == seen, f"read {total} from {seen} results"
""", None),
    "generator": ("""
def numbers():
    n = 0
    while True:
        n += 1
        yield n
gen = numbers()
with ThreadPoolExecutor(2) as pool:
    fs = [pool.submit(next, gen) for _ in range(2)]
print(sorted(f.result() for f in fs))
""", """
def numbers():
    n = 0
    while True:
        n += 1
        yield n
gen = numbers()
def take():
    with lock:
        return next(gen)
with ThreadPoolExecutor(2) as pool:
    fs = [pool.submit(take) for _ in range(2)]
print(sorted(f.result() for f in fs))
""", "yield n"),
}

# Check-then-act through two atomic C calls: no data race, a failure all the same.
ATOMICITY = """
batch = []
def task(item):
    if len(batch) < 1:
        batch.append(item)
with ThreadPoolExecutor(2) as pool:
    pool.submit(task, "a")
    pool.submit(task, "b")
assert len(batch) == 1, f"over capacity: {batch}"
"""


def _write(tmp_path, name: str, body: str):
    path = tmp_path / (name.replace(" ", "_") + ".py")
    path.write_text(POOL + textwrap.dedent(body))
    return path


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_racy_shape_is_reported_by_both_accesses(tmp_path, shape):
    racy, _fixed, line_text = SHAPES[shape]
    path = _write(tmp_path, shape, racy)
    result = search(ProgramSpec(str(path)), load_program(path), SearchConfig(runs=100))
    assert result.races, f"{shape}: no data race reported"
    lines = path.read_text().splitlines()
    for race, _first in result.races:
        for access in (race.first, race.second):
            filename, line = access.site.rsplit(":", 1)
            assert filename == str(path)
            assert 1 <= int(line) <= len(lines)
    if line_text is not None:
        wanted = f"{path}:{lines.index(next(x for x in lines if line_text in x)) + 1}"
        assert any(wanted in (r.first.site, r.second.site) for r, _ in result.races)


@pytest.mark.parametrize("shape", [s for s in sorted(SHAPES) if SHAPES[s][2] is not None])
def test_racy_shape_fails_within_the_budget_and_replays(tmp_path, shape):
    racy, _fixed, _line = SHAPES[shape]
    path = _write(tmp_path, shape, racy)
    result = search(ProgramSpec(str(path)), load_program(path),
                    SearchConfig(runs=BUDGET, stop_on_failure=True))
    failure = result.first_failure
    assert failure is not None, f"{shape}: no failing run in {BUDGET}"
    # The race is named in the failing run's own report (a generator's second next()
    # fails before it resumes anything: its race shows in the runs that resumed twice).
    assert failure.outcome.races or shape == "generator"
    # Replayed from its schedule, in a fresh program and policy, the run fails alike.
    program = load_program(path)
    policy, _ = discover(program)
    from simfutures.sim.chooser import ReplayChooser

    again = RaceProgram(program, policy).run(ReplayChooser(failure.outcome.schedule))
    assert (again.exit_code, again.error) == (failure.outcome.exit_code, failure.outcome.error)


@pytest.mark.parametrize("shape", sorted(SHAPES))
def test_fixed_twin_reports_no_race_and_never_fails(tmp_path, shape):
    _racy, fixed, _line = SHAPES[shape]
    path = _write(tmp_path, shape + " fixed", fixed)
    result = search(ProgramSpec(str(path)), load_program(path), SearchConfig(runs=300))
    assert result.races == ()
    assert result.failures == 0


def test_every_access_mode_finds_what_races_mode_finds(tmp_path):
    path = _write(tmp_path, "every", SHAPES["global"][0])
    result = search(ProgramSpec(str(path)), load_program(path),
                    SearchConfig(runs=BUDGET, stop_on_failure=True, preempt="every-access"))
    assert result.first_failure is not None


def test_sync_mode_neither_switches_at_accesses_nor_reports(tmp_path):
    path = _write(tmp_path, "sync", SHAPES["dict entry"][0])
    result = search(ProgramSpec(str(path)), load_program(path),
                    SearchConfig(runs=300, preempt="sync"))
    assert result.failures == 0 and result.races == ()


def test_discovery_is_a_function_of_the_program(tmp_path):
    path = _write(tmp_path, "twice", SHAPES["dict entry"][0])
    first, _ = discover(load_program(path))
    second, _ = discover(load_program(path))
    assert first == second and first.lines
    assert isinstance(first, RacePolicy)


def test_the_installed_trace_function_is_held_by_its_tracer_across_switches():
    """The race tracer's global trace function is one object the tracer holds, so the
    interpreter's is never the last reference: a fresh bound method per
    ``sys.settrace()`` was freed while installed (xdist workers under load:
    "'dict' object is not callable" at a function's entry)."""

    def program() -> list[int]:
        import concurrent.futures

        box = {"n": 0}
        counts = []

        def bump() -> None:
            for _ in range(3):
                box["n"] += 1  # a racy line: a scheduling point at each access
                tracer = sys.gettrace()
                counts.append(sys.getrefcount(tracer) if tracer is not None else 0)

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            pool.submit(bump)
            pool.submit(bump)
        return counts

    counts = simulate(program, seed=1, preempt="every-access")
    # (the interpreter's reference, ``tracer``, getrefcount's argument, the tracer's own)
    assert len(counts) == 6 and min(counts) >= 4


def test_simulate_can_assert_no_race():
    from simfutures.explore.races import DataRaceError

    def racy():
        import concurrent.futures

        box = {"n": 0}

        def bump():
            box["n"] += 1

        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            pool.submit(bump)
            pool.submit(bump)
        return box["n"]

    with pytest.raises(DataRaceError, match="data race on entry 'n'"):
        for seed in range(200):
            simulate(racy, seed=seed, fail_on_race=True)


def test_json_report_lists_races_and_fail_on_race_fails(tmp_path):
    path = _write(tmp_path, "report_as_json", SHAPES["attribute"][0].replace(
        'assert stats.done == 2, f"lost update: {stats.done}"', "print(stats.done)"))
    run = subprocess.run([sys.executable, "-m", "simfutures.cli", "explore", str(path),
                          "--runs", "200", "--json", "--fail-on-race"],
                         capture_output=True, text=True, timeout=300)
    report = json.loads(run.stdout)
    assert run.returncode == 1 and report["failures"] == 0
    assert report["races"], report
    sides = report["races"][0]["accesses"]
    assert {side["access"] for side in sides} <= {"read", "write"}
    assert all(side["site"].startswith(str(path) + ":") for side in sides)
    # no run failed, so the exit status is explained
    assert f"exit status 1: {len(report['races'])} data race" in run.stderr


def test_race_free_program_pays_only_discovery(tmp_path):
    path = _write(tmp_path, "calm", "print('hello')\n")
    program = RaceProgram(load_program(path), discover(load_program(path))[0])
    outcome = program.run(chooser_for_seed(3))
    assert outcome.stdout == "hello\n" and outcome.races == ()


def test_atomicity_conflict_is_explored_but_not_reported_as_a_race(tmp_path):
    path = _write(tmp_path, "atomicity", ATOMICITY)
    result = search(ProgramSpec(str(path)), load_program(path),
                    SearchConfig(runs=BUDGET, stop_on_failure=True))
    assert result.first_failure is not None, "the split check-then-act was never explored"
    assert "over capacity" in result.first_failure.outcome.error
    assert result.races == ()  # each access is one atomic call: no data race


def test_generator_race_names_the_generator(tmp_path):
    path = _write(tmp_path, "generator", SHAPES["generator"][0])
    result = search(ProgramSpec(str(path)), load_program(path), SearchConfig(runs=100))
    assert [race.location for race, _first in result.races] == [
        "generator numbers(), resumed by two threads"]


def test_appends_from_two_tasks_are_no_data_race(tmp_path):
    # ``results.append`` looks the method up on the list (its type's, immutable), then
    # makes one atomic call: two tasks appending is correct code and reports nothing.
    path = _write(tmp_path, "appends", """
results = []
def task(item):
    results.append(item)
    results.extend([item])
with ThreadPoolExecutor(2) as pool:
    pool.submit(task, "a")
    pool.submit(task, "b")
assert sorted(results) == ["a", "a", "b", "b"]
""")
    result = search(ProgramSpec(str(path)), load_program(path), SearchConfig(runs=300))
    assert result.races == ()
    assert result.failures == 0


def test_a_container_subclass_method_lookup_is_no_data_race(tmp_path):
    # ``counts.most_common`` reads the class's function, not the entries another task
    # writes (a Counter is a dict: its entry writes were taken for whole-object writes).
    path = _write(tmp_path, "counter_lookup", """
import collections
counts = collections.Counter()
looked_up = []
def reader():
    looked_up.append(counts.most_common)
def writer():
    counts["x"] = 1
with ThreadPoolExecutor(2) as pool:
    pool.submit(reader)
    pool.submit(writer)
""")
    result = search(ProgramSpec(str(path)), load_program(path), SearchConfig(runs=200))
    assert result.races == ()


def test_logging_from_pool_tasks_works_with_library_code_traced(tmp_path):
    # logging walks frames (findCaller reads f.f_back): a frame read by library code
    # the tracer follows must be described, not end the run.
    path = _write(tmp_path, "logs", """
import logging
logging.basicConfig(level=logging.INFO, format="%(message)s")
log = logging.getLogger("app")
def work(n):
    log.info("task %s", n)
    return n
with ThreadPoolExecutor(2) as pool:
    print(list(pool.map(work, "AB")))
""")
    result = search(ProgramSpec(str(path)), load_program(path), SearchConfig(runs=100))
    assert result.failures == 0
    assert {group.key.stdout for group in result.groups} == {"['A', 'B']\n"}


LAZY_HELPER = """\
TABLE = {}
for i in range(3):
    TABLE[i] = i * i
"""


@pytest.mark.parametrize("statement", ["import lazy_helper", "from lazy_pkg import lazy_helper",
                                       "from lazy_pkg.lazy_helper import TABLE"])
def test_a_module_imported_lazily_by_two_tasks_is_no_data_race(tmp_path, statement):
    # The task that finds the module complete in sys.modules takes no lock (CPython's
    # import_name), yet reads what the importing task wrote: the publication is the
    # happens-before edge (probe: a correct lazy import reported 6 races).
    (tmp_path / "lazy_helper.py").write_text(LAZY_HELPER)
    (tmp_path / "lazy_pkg").mkdir()
    (tmp_path / "lazy_pkg" / "__init__.py").write_text("")
    (tmp_path / "lazy_pkg" / "lazy_helper.py").write_text(LAZY_HELPER)
    use = "TABLE[i]" if statement.endswith("TABLE") else "lazy_helper.TABLE[i]"
    path = _write(tmp_path, "lazy", f"""
def task(i):
    {statement}
    return {use}
with ThreadPoolExecutor(2) as pool:
    print(list(pool.map(task, range(3))))
""")
    result = search(ProgramSpec(str(path)), load_program(path), SearchConfig(runs=200))
    assert result.failures == 0
    assert result.races == ()


def test_a_lazily_imported_table_written_after_the_import_races(tmp_path):
    (tmp_path / "lazy_helper.py").write_text(LAZY_HELPER)
    path = _write(tmp_path, "lazy_write", """
def task(i):
    import lazy_helper
    lazy_helper.TABLE[0] += i
with ThreadPoolExecutor(2) as pool:
    list(pool.map(task, range(1, 3)))
""")
    result = search(ProgramSpec(str(path)), load_program(path), SearchConfig(runs=200))
    # the update after the import races; the import's own writes do not
    assert {race.location for race, _first in result.races} == {"entry 0 of a dict"}


# deepcopy's recursion counts as two library functions however deep the data is (probe:
# a leaf eight frames down was never split); the copy's reads are library code's.
DEEP_COPY = """
import copy
leaf = {"a": 0, "b": 0}
root = {"l1": {"l2": {"l3": {"l4": {"l5": leaf}}}}}
start = threading.Barrier(2)
def update():
    start.wait()
    for n in range(1, 4):
        leaf.update(a=n, b=n)
def snapshot():
    start.wait()
    for _ in range(3):
        copied = copy.deepcopy(root)["l1"]["l2"]["l3"]["l4"]["l5"]
        assert copied["a"] == copied["b"], f"torn copy: {copied}"
with ThreadPoolExecutor(2) as pool:
    fs = [pool.submit(update), pool.submit(snapshot)]
for f in fs:
    f.result()
"""
DEEP_COPY_FIXED = """
import copy
leaf = {"a": 0, "b": 0}
root = {"l1": {"l2": {"l3": {"l4": {"l5": leaf}}}}}
start = threading.Barrier(2)
def update():
    start.wait()
    for n in range(1, 4):
        with lock:
            leaf.update(a=n, b=n)
def snapshot():
    start.wait()
    for _ in range(3):
        with lock:
            copied = copy.deepcopy(root)["l1"]["l2"]["l3"]["l4"]["l5"]
        assert copied["a"] == copied["b"], f"torn copy: {copied}"
with ThreadPoolExecutor(2) as pool:
    fs = [pool.submit(update), pool.submit(snapshot)]
for f in fs:
    f.result()
"""


def test_deepcopy_of_data_nested_deeper_than_six_frames_is_split(tmp_path):
    path = _write(tmp_path, "deep_copy", DEEP_COPY)
    result = search(ProgramSpec(str(path)), load_program(path),
                    SearchConfig(runs=BUDGET, stop_on_failure=True))
    assert result.first_failure is not None, "the copy of the leaf was never split"
    assert "torn copy" in result.first_failure.key.error
    sites = {access.site.rsplit(":", 1)[0] for race, _ in result.races
             for access in (race.first, race.second)}
    assert sites == {str(path), copy.__file__}
    fixed = _write(tmp_path, "deep_copy_fixed", DEEP_COPY_FIXED)
    result = search(ProgramSpec(str(fixed)), load_program(fixed), SearchConfig(runs=300))
    assert (result.failures, result.races) == (0, ())
