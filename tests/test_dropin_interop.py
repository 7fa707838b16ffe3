"""simfutures futures and executors are the stdlib's kinds: asyncio, isinstance, mixed waits."""

from __future__ import annotations

import asyncio
import concurrent.futures as stdlib
import copy
import multiprocessing
import pickle
import sys
import threading

import pytest

import simfutures.real as futures
from simfutures.sim import simulate


def test_futures_and_executors_are_instances_of_the_stdlib_classes():
    with futures.ThreadPoolExecutor(1) as ex:
        f = ex.submit(abs, -1)
        assert isinstance(f, stdlib.Future)
        assert isinstance(ex, stdlib.ThreadPoolExecutor)
        assert isinstance(ex, stdlib.Executor)
    assert issubclass(futures.ProcessPoolExecutor, stdlib.ProcessPoolExecutor)
    assert not issubclass(futures.ProcessPoolExecutor, stdlib.ThreadPoolExecutor)


def _process_pool(workers: int) -> futures.ProcessPoolExecutor:
    # Not fork: the test process has threads (left by other tests), and a forked
    # child can inherit a lock one of them held and hang.
    context = multiprocessing.get_context("forkserver")
    return futures.ProcessPoolExecutor(workers, mp_context=context)


@pytest.mark.parametrize("pool", ["thread", "process"])
def test_asyncio_runs_calls_in_simfutures_pools(pool):
    executor_class = {"thread": futures.ThreadPoolExecutor, "process": _process_pool}[pool]

    async def main() -> list:
        loop = asyncio.get_running_loop()
        with executor_class(2) as ex:
            got = [await loop.run_in_executor(ex, pow, 3, 3),
                   await asyncio.wrap_future(ex.submit(pow, 2, 5))]
            with pytest.raises(ZeroDivisionError):
                await loop.run_in_executor(ex, divmod, 1, 0)
        return got

    assert asyncio.run(main()) == [27, 32]


def test_a_simfutures_thread_pool_is_asyncios_default_executor():
    async def main() -> tuple:
        loop = asyncio.get_running_loop()
        ex = futures.ThreadPoolExecutor(2, thread_name_prefix="aio")
        loop.set_default_executor(ex)
        name = await asyncio.to_thread(lambda: threading.current_thread().name)
        with pytest.raises(TypeError, match="executor must be ThreadPoolExecutor instance"):
            loop.set_default_executor(_process_pool(1))
        return name, ex

    name, ex = asyncio.run(main())  # asyncio.run shuts the default executor down
    assert name == "aio_0"
    with pytest.raises(RuntimeError, match="cannot schedule new futures after shutdown"):
        ex.submit(abs, 1)


def test_cancelling_the_asyncio_side_cancels_the_pending_simfutures_future():
    gate = threading.Event()

    async def main() -> stdlib.Future:
        with futures.ThreadPoolExecutor(1) as ex:
            ex.submit(gate.wait)
            queued = ex.submit(abs, -1)
            wrapped = asyncio.wrap_future(queued)
            wrapped.cancel()
            with pytest.raises(asyncio.CancelledError):
                await wrapped
            await asyncio.sleep(0)  # let the cancel cross back to the concurrent future
            gate.set()
            return queued

    assert asyncio.run(main()).cancelled()


def test_the_stdlibs_wait_and_as_completed_drive_simfutures_futures():
    ours, theirs = futures.Future(), stdlib.Future()
    theirs.set_result("theirs")
    done, not_done = stdlib.wait([ours, theirs], timeout=0.01)
    assert done == {theirs} and not_done == {ours}
    threading.Timer(0.02, ours.set_result, ("ours",)).start()
    assert stdlib.wait([ours, theirs]).not_done == set()
    late = futures.Future()
    threading.Timer(0.02, late.set_exception, (ValueError("late"),)).start()
    got = [f for f in stdlib.as_completed([late, ours], timeout=5)]
    assert got == [ours, late]
    assert stdlib.wait([late], return_when=stdlib.FIRST_EXCEPTION).done == {late}
    with pytest.raises(stdlib.TimeoutError, match=r"^1 \(of 1\) futures unfinished$"):
        list(stdlib.as_completed([futures.Future()], timeout=0.01))


def test_simfutures_wait_and_as_completed_drive_stdlib_futures_mixed_with_ours():
    ours, theirs = futures.Future(), stdlib.Future()
    threading.Timer(0.02, theirs.set_result, (1,)).start()
    done, not_done = futures.wait([ours, theirs], return_when=futures.FIRST_COMPLETED)
    assert done == {theirs} and not_done == {ours}
    threading.Timer(0.02, ours.set_result, (2,)).start()
    later = stdlib.Future()
    # Waiters hear of a cancel when an executor picks the future up, as in the stdlib.
    threading.Timer(0.05, lambda: later.cancel() and later.set_running_or_notify_cancel()
                    ).start()
    got = list(futures.as_completed([later, ours, theirs], timeout=5))
    assert got == [theirs, ours, later]
    with pytest.raises(futures.TimeoutError, match=r"^1 \(of 2\) futures unfinished$"):
        list(futures.as_completed([stdlib.Future(), ours], timeout=0.01))


def test_the_condition_view_waits_and_wakes_like_a_condition():
    f = futures.Future()
    with f._condition:
        assert f._condition.wait(timeout=0.01) is False
    threading.Timer(0.02, f.set_result, (1,)).start()
    with f._condition:
        assert f._condition.wait(timeout=5) is True
    assert f._condition.acquire(False) is True
    f._condition.release()


def test_pickling_a_future_fails_like_the_stdlibs_and_copying_works():
    for f in (futures.Future(), stdlib.Future()):
        with pytest.raises(TypeError, match=r"^cannot pickle '_thread.RLock' object$"):
            pickle.dumps(f)
        with pytest.raises(TypeError, match=r"^cannot pickle '_thread.RLock' object$"):
            copy.deepcopy(f)
        clone = copy.copy(f)
        assert type(clone) is type(f) and clone._state == "PENDING"


def _sim_program() -> list:
    from concurrent import futures as cf  # the simulation's module, in patch mode

    ours = cf.Future()
    out = [isinstance(ours, stdlib.Future), isinstance(ours, cf.Future), hash(ours), repr(ours)]
    with cf.ThreadPoolExecutor(1) as ex:
        out.append(isinstance(ex, stdlib.ThreadPoolExecutor))
        out.append(ex.submit(abs, -3).result())
    ours.set_result(1)
    try:
        ours.set_result(2)
    except stdlib.InvalidStateError as error:
        out.append(repr(error))
    try:
        ours.set_running_or_notify_cancel()
    except RuntimeError as error:
        out.append((type(error).__name__, str(error)))
    try:
        pickle.dumps(threading.Lock())
    except TypeError as error:
        out.append(str(error))
    return out


def test_the_simulated_future_is_a_stdlib_future_and_stays_reproducible():
    first = simulate(_sim_program, seed=0)
    assert first == simulate(_sim_program, seed=0)
    assert first[:2] == [True, True]
    assert first[4:6] == [True, 3]
    assert first[6] == "InvalidStateError('FINISHED: %s')" % first[3].replace(
        "pending", "finished returned int")
    assert first[7:] == [("RuntimeError", "Future in unexpected state"),
                         "cannot pickle '_thread.lock' object"]


def test_waits_over_the_same_futures_in_any_order_never_deadlock():
    # Each wait holds every future's lock while it looks at them; taken in list
    # order, wait([a, b]) beside wait([b, a]) (ours or the stdlib's) deadlocks.
    ours, theirs = futures.Future(), stdlib.Future()

    def keep_waiting(wait, fs):
        for _ in range(2000):
            wait(fs, timeout=0)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=keep_waiting, args=args, daemon=True) for args in (
            (stdlib.wait, [ours, theirs]), (futures.wait, [theirs, ours]),
            (futures.wait, [ours, theirs]))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=20)
    finally:
        sys.setswitchinterval(interval)
    assert not any(thread.is_alive() for thread in threads), "deadlocked"
