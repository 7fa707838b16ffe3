"""The race suite (tests/races): every racy program is found by the default strategy within
the stated budget and replays; its fixed twin passes the same budget without a failure."""

from __future__ import annotations

from pathlib import Path

import pytest

from simfutures.explore import stack_peek
from simfutures.explore.outcomes import key_of
from simfutures.explore.races import prepare
from simfutures.explore.search import ProgramSpec, SearchConfig, search, seeded_strategy
from simfutures.explore.strategies import DEFAULT_STRATEGY
from simfutures.program import load_program
from simfutures.sim.chooser import NaturalChooser, ReplayChooser

# Some racy programs crash a thread by design; under pytest the simulator hands that to
# pytest's threading.excepthook, as real threads would.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")

RACES_DIR = Path(__file__).parent / "races"

#: Runs the default strategy gets to find each race, and each fixed twin must survive.
BUDGET = 1000
#: Runs each fixed twin must survive (fewer: 44 programs' full budgets would dominate CI;
#: every racy twin fails well within this many, see the test above).
FIXED_BUDGET = 300

#: Racy program -> a piece of the one-line error its failure has.
RACES = {
    "as_completed_order": "AssertionError: parts out of order",
    "callback_thread": "AssertionError: UI touched from",
    "cancel_race": "AssertionError: a cancelled message was sent",
    "check_then_act_cache": "AssertionError: computed 2 times",
    "condition_no_loop": "IndexError: pop from empty list",
    "first_response": "InvalidStateError",
    "lock_order": "deadlock: every thread is waiting",
    "lost_update": "AssertionError: lost update",
    "nested_submit": "deadlock: every thread is waiting",
    "process_death_map": "BrokenProcessPool",
    "result_timeout_tie": "TimeoutError",
    "shutdown_submit": "AssertionError: readings lost",
    "torn_progress": "AssertionError: ALARM",
    # Windows of issue 12: a switch right after a wake-up, inside the executor's own locks,
    # at thread start, or time passing while code runs.
    "submit_cancel": "AssertionError: a cancelled message was sent",
    "submit_cancel_process": "AssertionError: cancel() lost",
    "result_before_callbacks": "AssertionError: result() returned before the callback",
    "wait_before_callbacks": "AssertionError: wait() returned before the callback",
    "idle_worker_reuse": "AssertionError: a second worker was started",
    "lock_release_wakeup": "AssertionError: the woken thread ran first",
    "condition_notify_wakeup": "AssertionError: the woken thread ran first",
    "event_set_wakeup": "AssertionError: the woken thread ran first",
    "semaphore_release_wakeup": "AssertionError: the woken thread ran first",
    "barrier_wakeup": "AssertionError: the woken thread ran first",
    "queue_put_wakeup": "AssertionError: the woken consumer ran first",
    "set_result_twice": "InvalidStateError",
    "thread_start_order": "AssertionError: the child had not registered yet",
    "nonblocking_acquire": "AssertionError: a refresh was skipped",
    "cpu_bound_timeout": "TimeoutError",
    "cpu_long_timeout": "TimeoutError",  # longer than a step: discovery's instruction count
    "submit_during_exit": "RuntimeError: cannot schedule new futures after shutdown",
    # Data races of issue 13: no blocking call in the window.
    "dict_counter": "AssertionError: lost update",
    "dict_get_set": "AssertionError: lost update",
    "attr_increment": "AssertionError: lost update",
    "global_increment": "AssertionError: lost update",
    "lazy_singleton": "AssertionError: constructed 2 times",
    "closure_counter": "AssertionError: lost update",
    "dict_iteration": "RuntimeError: dictionary changed size during iteration",
    "shared_generator": "ValueError: generator already executing",
    "asyncio_lost_update": "AssertionError: lost update",  # (sim/io_wait.py runs the loop)
    # Atomicity conflicts: each access is one atomic C call, the check-then-act is not.
    "len_append": "AssertionError: over capacity",
    "setattr_counter": "AssertionError: lost update",
    "callback_list": "AssertionError: inconsistent snapshot",
    # Library code the program calls works on its data in Python (traced up to
    # LIBRARY_DEPTH frames down), a C call that calls back into Python is not atomic,
    # code compiled from a string is the program's, a set of done futures has no order.
    "deepcopy_insert": "AssertionError: snapshot failed",
    "counter_update": "AssertionError: lost update",
    "sort_key_append": "AssertionError: sort failed",
    "lru_cache_twice": "AssertionError: computed 2 times",
    "exec_counter": "AssertionError: lost update",
    "done_order": "AssertionError: out of order",
    # A thread's exit and reads of synchronisation state (empty(), is_set(), locked())
    # are scheduling points: time passes before them; calls of a C object's unknown
    # methods change its inner state.
    "join_timeout_exit": "AssertionError: join() timed out",
    "timer_during_work": "AssertionError: the timer fired",
    "c_object_check_act": "AssertionError: over capacity",
    "c_object_two_writes": "AssertionError: torn records",
    "global_alias": "AssertionError: lost update",  # globals()["n"] is the global n
    "namespace_alias": "AssertionError: lost update",  # vars(obj)["x"] is obj.x
    # C code the tables do not know reads its arguments and may write them; a class
    # pattern reads the subject's attributes in one instruction.
    "c_function_update": "AssertionError: lost update",
    "match_class_torn": "AssertionError: torn point seen",
    "file_check_act": "AssertionError: a directory was created twice",  # os calls share
    # importlib's module locks are virtual threads' locks: a concurrent circular import
    # fails as in CPython, and a second importer waits for a module's first.
    "import_cycle": "AssertionError: an import failed",
    # Iterating a dict view kept from earlier reads the dict; advancing a C iterator
    # advances the iterators it wraps and calls the C callables it holds.
    "stored_view": "AssertionError: torn snapshot",
    "map_bound_method": "AssertionError: torn snapshot",
    "shared_accumulator": "AssertionError: lost update",
    "tee_shared_source": "RuntimeError: cannot re-enter the tee iterator",
    # A multiprocessing.Manager()'s objects live in the run; each proxy call is a request.
    "manager_dict_update": "AssertionError: lost update",
    # multiprocessing.Pool runs on virtual processes and pipes (sim/mp_pool.py).
    "pool_unordered": "AssertionError: parts out of order",
    # C functions read process-wide settings another thread rebinds (print: sys.stdout,
    # warnings.warn: the filters).
    "redirect_stdout_thread": "AssertionError: main's line was swallowed",
    "catch_warnings_thread": "AssertionError: the warning became an error",
    # A C call that releases the GIL while it holds a bytearray exported (a file write).
    "buffer_export_write": "AssertionError: append failed",
    # A database is shared by every connection to it: each statement is a scheduling point.
    "sqlite_lost_update": "AssertionError: lost update",
}

#: Racy programs whose window the default strategy does not find yet (issues 12 and 13):
#: their search is a strict xfail, so each name must go as soon as the simulator finds it.
NOT_YET_FOUND: set[str] = set()  # every window of issues 12 and 13 is found today
_NOT_YET = pytest.mark.xfail(strict=True, reason="simulator does not offer this window yet "
                                                 "(issues 12 and 13)")


#: Racy programs whose natural order fails too: the window holds a loop or a call, where
#: CPython hands the GIL over once a thread has had its switch interval, and the natural
#: order's handover (SWITCH_INTERVAL) falls there (c_object_check_act fails 20/20 real
#: runs at the default 5 ms interval too).
NATURAL_ORDER_FAILS = {"stored_view", "c_object_check_act"}


#: Data races with no blocking call in the window: only switches at racy accesses find
#: them, and race detection reads CPython 3.11-3.13 frames (docs/soundness.md).
DATA_RACES = {"dict_counter", "dict_get_set", "attr_increment", "global_increment",
              "lazy_singleton", "callback_list", "closure_counter", "dict_iteration",
              "len_append", "setattr_counter", "shared_generator", "asyncio_lost_update",
              "deepcopy_insert", "counter_update", "sort_key_append", "lru_cache_twice",
              "exec_counter", "c_object_check_act", "c_object_two_writes",
              "global_alias", "namespace_alias", "c_function_update", "match_class_torn",
              "file_check_act", "stored_view", "map_bound_method", "shared_accumulator",
              "tee_shared_source", "redirect_stdout_thread", "catch_warnings_thread",
              "buffer_export_write"}
_NEEDS_TRACER = pytest.mark.skipif(not stack_peek.AVAILABLE,
                                   reason="stack_peek's frame layout check failed here")


def _racy(name: str):
    if name in NOT_YET_FOUND:
        return pytest.param(name, marks=_NOT_YET)
    if name in DATA_RACES:
        return pytest.param(name, marks=_NEEDS_TRACER)
    return name

def _search(name: str, runs: int, stop_on_failure: bool):
    path = RACES_DIR / f"{name}.py"
    config = SearchConfig(strategy=DEFAULT_STRATEGY, runs=runs, stop_on_failure=stop_on_failure)
    # The program as the search runs it (racy accesses made scheduling points), so that the
    # test replays failures on the same program the schedules were recorded on.
    program = prepare(load_program(path), config.preempt)
    return program, config, search(ProgramSpec(str(path)), program, config)


def test_every_program_has_a_fixed_twin():
    racy = {p.stem for p in RACES_DIR.glob("*.py") if not p.stem.endswith("_fixed")}
    fixed = {p.stem.removesuffix("_fixed") for p in RACES_DIR.glob("*_fixed.py")}
    assert racy == fixed == set(RACES)
    assert NOT_YET_FOUND <= set(RACES)


@pytest.mark.parametrize("name", [_racy(name) for name in sorted(RACES)])
def test_racy_program_is_found_within_the_budget_and_replays(name):
    program, config, result = _search(name, BUDGET, stop_on_failure=True)
    failure = result.first_failure
    assert failure is not None, f"{name}: no failure in {BUDGET} runs of {DEFAULT_STRATEGY}"
    assert RACES[name] in failure.key.error
    # The natural order hides the race: finding it took a search.
    assert program.run(NaturalChooser()).failed is (name in NATURAL_ORDER_FAILS)
    # The recorded schedule replays the same failure, and so does the seed.
    assert key_of(program.run(ReplayChooser(failure.outcome.schedule))) == failure.key
    chooser = seeded_strategy(config, program).chooser(failure.seed)
    assert key_of(program.run(chooser)) == failure.key


@pytest.mark.parametrize("name", sorted(RACES))
def test_fixed_twin_passes_the_whole_budget(name):
    _program, _config, result = _search(f"{name}_fixed", FIXED_BUDGET, stop_on_failure=True)
    failure = result.first_failure
    assert failure is None, f"run {failure.seed} failed: {failure.key.error}"
    assert result.runs == FIXED_BUDGET


@pytest.mark.parametrize("name", [_racy(name) for name in sorted(RACES)])
def test_bounded_exhaustive_search_finds_every_race_at_the_default_bound(name):
    """A bound reported as fully explored must not hide a failure: each race needs at most
    two preemptions (a clock jump counts as one), the default bound."""
    path = RACES_DIR / f"{name}.py"
    config = SearchConfig(strategy="exhaustive", runs=BUDGET, stop_on_failure=True)
    program = prepare(load_program(path), config.preempt)
    result = search(ProgramSpec(str(path)), program, config)
    assert result.first_failure is not None, f"{name}: exhaustive search at bound " \
        f"{config.max_preemptions} found no failure in {result.runs} runs"
    assert RACES[name] in result.first_failure.key.error
