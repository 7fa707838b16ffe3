"""Exploration in process: strategies, exhaustive search, shrinking, reports, parallel runs."""

from __future__ import annotations

import io
import re
import textwrap
from pathlib import Path

import pytest

from simfutures.explore import exhaustive
from simfutures.explore.handles import Replayer
from simfutures.explore.interleaving import replay
from simfutures.explore.outcomes import Tally, key_of, mask_addresses
from simfutures.explore.pct import PCTChooser
from simfutures.explore.progress import Progress, progress_for
from simfutures.explore.races import prepare
from simfutures.explore.replay import replay_checked
from simfutures.explore.report import ReportContext, ReportError, merge_reports, to_json
from simfutures.explore.runner import seed_range
from simfutures.explore.search import ProgramSpec, SearchConfig, search, seeded_strategy
from simfutures.explore.shrink import shrink
from simfutures.explore.strategies import RandomWalk
from simfutures.program import ScriptProgram, load_program
from simfutures.sim.chooser import ScheduleError, chooser_for_seed

RACES = Path(__file__).parent / "races"


def script(tmp_path: Path, source: str, name: str = "prog.py") -> ScriptProgram:
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    return ScriptProgram(path)


def context(program: ScriptProgram) -> ReportContext:
    return ReportContext(program=program.path.name,
                         replayer=Replayer(program.path.name, strategy="random"))


TWO_PRINTERS = """
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    def chatter(name):
        for i in range(4):
            print(threading.current_thread().name, name, i)
            time.sleep(0)

    with ThreadPoolExecutor(max_workers=2) as pool:
        pool.submit(chatter, "a")
        pool.submit(chatter, "b")
"""


# -- seeds, shards and tallies ----------------------------------------------------------


@pytest.mark.parametrize("count", [1, 2, 3, 7])
def test_shards_partition_the_seed_range(count):
    shards = [set(seed_range(5, 100, (i, count))) for i in range(1, count + 1)]
    assert set().union(*shards) == set(range(5, 105))
    assert sum(len(s) for s in shards) == 100  # disjoint


def test_merging_tallies_of_disjoint_runs_equals_one_tally(tmp_path):
    program = script(tmp_path, TWO_PRINTERS)
    whole, halves = Tally(), [Tally(), Tally()]
    for seed in range(40):
        outcome = program.run(chooser_for_seed(seed))
        whole.add(seed, key_of(outcome), outcome.schedule)
        halves[seed % 2].add(seed, key_of(outcome), outcome.schedule)
    merged = Tally()
    for half in reversed(halves):  # order of arrival must not matter
        merged.merge(half.groups())
    assert merged.groups() == whole.groups()
    assert (merged.runs, merged.failures) == (whole.runs, whole.failures)
    assert len(whole.groups()) > 1


def test_memory_addresses_do_not_split_outcomes():
    assert mask_addresses("<Foo object at 0x7f3e730dd190>") == \
        mask_addresses("<Foo object at 0x55d1e2a3b4c0>")
    assert mask_addresses("id 0x10 is kept") == "id 0x10 is kept"
    # importlib's _DeadlockError names its lock by a decimal id()
    assert mask_addresses("_ModuleLock('a') at 140266469961680") == \
        mask_addresses("_ModuleLock('a') at 139718354059792")
    assert mask_addresses("arrived at 12345 and at 1234567890123x") == \
        "arrived at 12345 and at 1234567890123x"


# -- strategies -------------------------------------------------------------------------


def test_the_random_strategy_is_what_run_seed_replays(tmp_path):
    program = script(tmp_path, TWO_PRINTERS)
    for seed in (0, 1, 17):
        ours = program.run(RandomWalk().chooser(seed))
        theirs = program.run(chooser_for_seed(seed))
        assert ours.schedule == theirs.schedule and ours.stdout == theirs.stdout


def test_pct_runs_are_a_function_of_the_seed(tmp_path):
    program = script(tmp_path, TWO_PRINTERS)
    strategy = seeded_strategy(SearchConfig(strategy="pct"), program)
    runs = [program.run(strategy.chooser(seed)).schedule for seed in range(20)]
    assert [program.run(strategy.chooser(seed)).schedule for seed in range(20)] == runs
    assert len(set(runs)) > 1


def test_pct_without_change_points_runs_each_thread_until_it_blocks(tmp_path):
    # Depth 1: no change point, so the higher-priority thread always runs; sleep(0)
    # does not block, so each thread prints all its lines in one go.
    program = script(tmp_path, TWO_PRINTERS)
    orders = set()
    for seed in range(30):
        lines = program.run(PCTChooser(seed, depth=1, horizon=50)).stdout.splitlines()
        tasks = [line.split()[1] for line in lines]
        assert tasks in (["a"] * 4 + ["b"] * 4, ["b"] * 4 + ["a"] * 4)  # never interleaved
        orders.add(lines[0].split()[0])
    assert len(orders) == 2  # either worker may have the higher priority


def test_pct_places_change_points_past_a_horizon_the_run_outgrows(tmp_path):
    # The natural run ends at once (the child exits the process first), so the horizon
    # is a few decisions; a run where the main thread wins goes on for 30 more prints,
    # and each count of printed lines before the exit is a distinct outcome.
    program = script(tmp_path, """
        import os, threading
        threading.Thread(target=os._exit, args=(3,)).start()
        for i in range(30):
            print("tick", i, flush=True)
    """)
    strategy = seeded_strategy(SearchConfig(strategy="pct"), program)
    assert strategy.horizon < 10
    printed = {program.run(strategy.chooser(seed)).stdout.count("\n") for seed in range(300)}
    assert len(printed) >= 12, sorted(printed)  # 2 (none or all) with no late change points
    assert {0, 30} <= printed


def test_pct_does_not_livelock_a_polling_loop(tmp_path):
    # Strict priorities would keep a high-priority poller spinning forever.
    program = script(tmp_path, """
        import threading, time
        done = False
        def setter():
            global done
            done = True
        t = threading.Thread(target=setter)
        t.start()
        while not done:
            time.sleep(0)
        t.join()
        print("done")
    """)
    for seed in range(20):
        outcome = program.run(PCTChooser(seed, depth=1, horizon=10))
        assert outcome.error is None and outcome.stdout == "done\n"


# -- exhaustive search -------------------------------------------------------------------


def reference_leaves(program, bound: int) -> list[tuple[int, ...]]:
    """Every schedule within the bound, by plain tree expansion (not the odometer walk)."""
    leaves, stack = [], [[]]
    while stack:
        prefix = stack.pop()
        chooser = exhaustive.PrefixChooser(prefix)
        program.run(chooser)
        trace = chooser.trace
        leaves.append(tuple(step.index for step in trace))
        for position in range(len(prefix), len(trace)):
            step = trace[position]
            used = exhaustive.preemptions(trace[:position])
            if step.kind == "thread" and used + step.preemptive <= bound:
                stack += [[*trace[:position], exhaustive.Step(j, step.options, step.kind,
                                                              step.preemptive)]
                          for j in range(1, step.options)]
    return leaves


@pytest.mark.parametrize("bound", [0, 1, 2])
def test_exhaustive_visits_every_schedule_within_the_bound_once(tmp_path, bound):
    program = ScriptProgram(RACES / "lost_update.py")
    walked = [tuple(leaf.outcome.schedule.indices())
              for leaf in exhaustive.bounded_walk(program, bound)]
    expected = reference_leaves(program, bound)
    assert len(walked) == len(set(walked))
    assert sorted(walked) == sorted(expected)


def test_exhaustive_tries_fewer_preemptions_first_and_reports_exhaustion():
    program = ScriptProgram(RACES / "lock_order.py")
    leaves = list(exhaustive.bounded_walk(program, 2))
    counts = [leaf.preemptions for leaf in leaves]
    assert counts == sorted(counts) and counts[0] == 0 and counts[-1] == 2
    assert [leaf.last for leaf in leaves] == [False] * (len(leaves) - 1) + [True]
    spec = ProgramSpec(str(RACES / "lock_order.py"))
    full = search(spec, program, SearchConfig(strategy="exhaustive", runs=10_000, prune=False))
    assert (full.runs, full.exhausted) == (len(leaves), True)
    capped = search(spec, program, SearchConfig(strategy="exhaustive", runs=len(leaves) - 1,
                                                prune=False))
    assert (capped.runs, capped.exhausted) == (len(leaves) - 1, False)


# -- shrinking and the failure report -------------------------------------------------------


def first_failure(program, strategy="pct", runs=500):
    result = search(ProgramSpec(str(program.path)), program,
                    SearchConfig(strategy=strategy, runs=runs, stop_on_failure=True))
    assert result.first_failure is not None
    return result.first_failure


def test_shrinking_reaches_a_single_preemption_that_still_fails_the_same_way():
    # Shrinking and replay run under the exploration's race policy, as the CLI's do.
    program = prepare(ScriptProgram(RACES / "lost_update.py"))
    failure = first_failure(program)
    shrunk = shrink(program, failure.outcome.schedule, failure.key)
    assert shrunk.size <= shrunk.original
    # A lost update needs one preemption (between read and write) and no fewer:
    # the only schedule without one is the natural run, which passes.
    assert shrunk.size.preemptions == 1
    again = replay_checked(program, shrunk.schedule)
    assert again.error == failure.key.error and again.exit_code == failure.key.exit_code


def test_shrinking_never_trades_the_failure_for_another_one(tmp_path):
    # The natural run fails too, but differently: shrinking must not end there.
    program = script(tmp_path, """
        import time
        from concurrent.futures import ThreadPoolExecutor
        seen = []
        def worker(name):
            seen.append(name)
            time.sleep(0)
            seen.append(name)
        with ThreadPoolExecutor(max_workers=2) as pool:
            pool.submit(worker, "a")
            pool.submit(worker, "b")
        if seen[:2] == ["a", "b"]:
            raise ValueError("interleaved")
        raise KeyError("natural")
    """)
    strategy = seeded_strategy(SearchConfig(strategy="random"), program)
    for seed in range(200):
        outcome = program.run(strategy.chooser(seed))
        if outcome.error.startswith("ValueError"):
            break
    else:
        pytest.fail("no interleaved run in 200 seeds")
    shrunk = shrink(program, outcome.schedule, key_of(outcome))
    assert shrunk.outcome.error.startswith("ValueError")
    assert replay_checked(program, shrunk.schedule).error.startswith("ValueError")


def test_the_timeline_shows_the_forced_preemption_and_where_it_happened():
    program = prepare(ScriptProgram(RACES / "lost_update.py"))
    failure = first_failure(program)
    shrunk = shrink(program, failure.outcome.schedule, failure.key)
    timeline = replay(program, shrunk.schedule)
    assert timeline.preemptions == 1 and timeline.outcome.error == failure.key.error
    forced = [row for row in timeline.rows if row.forced]
    preempted = [row for row in forced if row.text.startswith("preempted at")]
    assert len(preempted) == 1
    # Between the read and the write: at the blocking call, or at the racy write itself.
    assert re.search(r"lost_update.py:(12 in add_one: time.sleep\(0\)|13 in add_one: counter "
                     r"= value \+ 1)", preempted[0].text), preempted[0].text
    assert ">>" in timeline.render()


def test_a_schedule_of_another_program_is_an_error_at_the_divergence(tmp_path):
    lost = ScriptProgram(RACES / "lost_update.py")
    schedule = first_failure(lost).outcome.schedule
    other = ScriptProgram(RACES / "process_death_map.py")
    with pytest.raises(ScheduleError, match="diverges from the program at choice"):
        replay_checked(other, schedule)


# -- reports, shards and workers -------------------------------------------------------------


def test_merged_shard_reports_equal_the_report_of_one_search():
    program = ScriptProgram(RACES / "cancel_race.py")
    spec = ProgramSpec(str(program.path))
    whole = to_json(search(spec, program, SearchConfig(strategy="random", runs=60)),
                    context(program))
    shards = [to_json(search(spec, program, SearchConfig(strategy="random", runs=60,
                                                         shard=(i, 3))), context(program))
              for i in (3, 1, 2)]
    assert merge_reports(shards) == whole
    assert whole["failures"] > 0 and len(whole["outcomes"]) == 2


def test_merging_refuses_overlapping_or_foreign_reports():
    program = ScriptProgram(RACES / "cancel_race.py")
    spec = ProgramSpec(str(program.path))
    report = to_json(search(spec, program, SearchConfig(strategy="random", runs=10)),
                     context(program))
    with pytest.raises(ReportError, match="in two reports"):
        merge_reports([report, report])
    with pytest.raises(ReportError, match="not a simfutures explore --json report"):
        merge_reports([report, {"runs": 3}])
    with pytest.raises(ReportError, match="program"):
        merge_reports([report, dict(report, program="other.py", outcomes=[])])


@pytest.mark.parametrize("strategy,stop", [("random", False), ("pct", True),
                                           ("exhaustive", False)])
def test_workers_give_the_result_of_a_serial_search(strategy, stop):
    program = ScriptProgram(RACES / "lost_update.py")
    spec = ProgramSpec(str(program.path))

    def run(workers):
        # (Pruned exhaustive search stays in one process: compare the split walk.)
        config = SearchConfig(strategy=strategy, runs=450, workers=workers,
                              stop_on_failure=stop, max_preemptions=3, prune=False)
        return to_json(search(spec, program, config), context(program))

    serial = run(1)
    assert run(2) == serial
    assert serial["failures"] > 0


def test_progress_draws_on_its_stream_and_clears_it():
    stream = io.StringIO()
    progress = Progress(total=10, stream=stream, terminal=True)
    progress.update(3, 2, 1, force=True)
    assert "3/10 runs, 2 distinct outcomes, 1 failing" in stream.getvalue()
    progress.close()
    assert stream.getvalue().endswith("\r")
    assert progress_for(10, enabled=False) is None


def test_progress_elsewhere_than_a_terminal_is_a_plain_line_now_and_then(monkeypatch):
    clock = [100.0]
    monkeypatch.setattr("simfutures.explore.progress.monotonic", lambda: clock[0])
    stream = io.StringIO()
    progress = Progress(total=None, stream=stream, terminal=False)
    progress.update(1, 1, 0)
    assert stream.getvalue() == ""  # too soon
    clock[0] += 6
    progress.update(500, 2, 1)
    clock[0] += 1
    progress.update(600, 2, 1)  # too soon again
    progress.finish(700)
    assert stream.getvalue() == ("explore: 500 runs, 2 distinct outcomes, 1 failing, 83 runs/s\n"
                                 "explore: 700 runs in 7.0 s (100 runs/s)\n")


def test_scenario_runs_are_grouped_by_what_they_observed(tmp_path):
    path = tmp_path / "race.yaml"
    path.write_text(textwrap.dedent("""
        simfutures: 1
        name: two tasks race
        executor: {kind: thread, max_workers: 2}
        tasks:
          fetch: {duration: {min: 0.1, max: 0.5}, returns: ok}
        steps:
          - submit: {task: fetch, as: a}
          - submit: {task: fetch, as: b}
          - as_completed: {timeout: 1, as: order}
    """))
    program = load_program(path)
    result = search(ProgramSpec(str(path)), program, SearchConfig(strategy="random", runs=60))
    observed = sorted(group.key.observed for group in result.groups)
    assert len(observed) == 2 and result.failures == 0
    assert "yielded a, b" in observed[0] and "yielded b, a" in observed[1]
    assert all(group.key.stdout == "" for group in result.groups)
