"""simfutures.real: the drop-in thread pool, Future, wait and as_completed."""

from __future__ import annotations

import concurrent.futures as stdlib
import gc
import logging
import re
import threading

import pytest

import simfutures.real as futures
from simfutures.executor.states import TRANSITIONS


def test_exports_match_the_stdlib_and_exceptions_are_the_stdlibs_own():
    for name in stdlib.__all__:
        assert hasattr(futures, name), name
    for name in ("CancelledError", "TimeoutError", "InvalidStateError", "BrokenExecutor"):
        assert getattr(futures, name) is getattr(stdlib, name)
    assert futures.BrokenThreadPool is stdlib.thread.BrokenThreadPool
    assert futures.BrokenProcessPool is stdlib.process.BrokenProcessPool


def test_thread_names_follow_the_stdlib_scheme():
    gate = threading.Event()
    with futures.ThreadPoolExecutor(max_workers=2) as ex:
        names = [ex.submit(lambda: (gate.wait(), threading.current_thread().name)[1])
                 for _ in range(2)]
        gate.set()
        got = sorted(f.result() for f in names)
    assert re.fullmatch(r"ThreadPoolExecutor-(\d+)_0", got[0])
    assert got[1] == got[0][:-1] + "1"
    with futures.ThreadPoolExecutor(thread_name_prefix="io") as ex:
        assert ex.submit(lambda: threading.current_thread().name).result() == "io_0"


def test_future_repr_in_every_state():
    f = futures.Future()
    assert re.fullmatch(r"<Future at 0x[0-9a-f]+ state=pending>", repr(f))
    f.set_running_or_notify_cancel()
    assert "state=running" in repr(f)
    f.set_result(1.5)
    assert re.fullmatch(r"<Future at 0x[0-9a-f]+ state=finished returned float>", repr(f))
    g = futures.Future()
    g.set_exception(ValueError("x"))
    assert repr(g).endswith("state=finished raised ValueError>")
    h = futures.Future()
    h.cancel()
    assert h.set_running_or_notify_cancel() is False
    assert repr(h).endswith("state=cancelled>")


def test_illegal_transitions_raise_the_stdlibs_exceptions(caplog):
    f = futures.Future()
    f.set_result(1)
    with pytest.raises(futures.InvalidStateError,
                       match=r"^FINISHED: <Future at 0x[0-9a-f]+ state=finished returned int>$"):
        f.set_result(2)
    with pytest.raises(futures.InvalidStateError, match=r"^FINISHED: <Future at 0x[0-9a-f]+ "):
        f.set_exception(ValueError())
    with caplog.at_level(logging.CRITICAL, logger="concurrent.futures"):
        with pytest.raises(RuntimeError) as raised:
            f.set_running_or_notify_cancel()
    # A plain RuntimeError, as on CPython: ``except InvalidStateError`` must not catch it.
    assert type(raised.value) is RuntimeError
    assert str(raised.value) == "Future in unexpected state"
    assert caplog.records[-1].getMessage() == f"Future {id(f)} in unexpected state: FINISHED"
    assert f.cancel() is False
    c = futures.Future()
    assert c.cancel() and c.cancel()
    assert ("cancel", "PENDING") in TRANSITIONS


def test_callbacks_on_finished_futures_run_at_once_and_errors_are_logged(caplog):
    f = futures.Future()
    f.set_result(3)
    seen = []
    f.add_done_callback(lambda fut: seen.append(fut.result()))
    assert seen == [3]
    with caplog.at_level(logging.ERROR, logger="concurrent.futures"):
        f.add_done_callback(lambda fut: 1 / 0)
    assert "exception calling callback for" in caplog.text


def test_map_is_a_lazy_generator_in_input_order_and_cancels_on_timeout():
    with futures.ThreadPoolExecutor(max_workers=3) as ex:
        results = ex.map(lambda x: x * 2, [3, 1, 2])
        assert type(results).__name__ == "generator"
        assert "Executor.map.<locals>.result_iterator" in repr(results)
        assert list(results) == [6, 2, 4]
        gate = threading.Event()
        blocked = ex.map(lambda _: gate.wait(), range(5), timeout=0)
        with pytest.raises(futures.TimeoutError):
            next(blocked)
        gate.set()


def test_lazy_start_and_idle_reuse():
    with futures.ThreadPoolExecutor(max_workers=4) as ex:
        assert len(ex._threads) == 0
        for _ in range(5):
            ex.submit(abs, -1).result()
        assert len(ex._threads) == 1


def test_bad_arguments_are_rejected_like_the_stdlib():
    with pytest.raises(ValueError, match="max_workers must be greater than 0"):
        futures.ThreadPoolExecutor(max_workers=0)
    with pytest.raises(TypeError, match="initializer must be a callable"):
        futures.ThreadPoolExecutor(initializer=3)
    ex = futures.ThreadPoolExecutor()
    ex.shutdown()
    with pytest.raises(RuntimeError, match="cannot schedule new futures after shutdown"):
        ex.submit(abs, 1)


def test_initializer_failure_breaks_the_pool():
    def bad_init() -> None:
        raise ValueError("no")

    ex = futures.ThreadPoolExecutor(max_workers=1, initializer=bad_init)
    f = ex.submit(abs, 1)
    with pytest.raises(futures.BrokenThreadPool, match="A thread initializer failed"):
        f.result(timeout=10)
    with pytest.raises(futures.BrokenThreadPool):
        ex.submit(abs, 1)
    ex.shutdown()


def test_shutdown_cancel_futures_cancels_what_has_not_started():
    gate = threading.Event()
    ex = futures.ThreadPoolExecutor(max_workers=1)
    running = ex.submit(gate.wait)
    queued = [ex.submit(abs, i) for i in range(3)]
    ex.shutdown(wait=False, cancel_futures=True)
    gate.set()
    assert running.result(timeout=10) is True
    assert all(f.cancelled() for f in queued)
    for t in ex._threads:
        t.join(timeout=10)


def test_as_completed_dedups_and_times_out_with_the_stdlib_message():
    gate = threading.Event()
    with futures.ThreadPoolExecutor(max_workers=2) as ex:
        done = ex.submit(abs, 1)
        done.result()
        stuck = ex.submit(gate.wait)
        seen = []
        with pytest.raises(futures.TimeoutError, match=r"1 \(of 2\) futures unfinished"):
            for f in futures.as_completed([done, done, stuck], timeout=0.05):
                seen.append(f)
        assert seen == [done]
        gate.set()


def test_wait_return_conditions():
    gate = threading.Event()
    with futures.ThreadPoolExecutor(max_workers=3) as ex:
        ok = ex.submit(abs, 1)
        bad = ex.submit(lambda: 1 / 0)
        slow = ex.submit(gate.wait)
        done, not_done = futures.wait([ok, bad, slow], return_when=futures.FIRST_EXCEPTION)
        assert bad in done and slow in not_done
        done, not_done = futures.wait([slow], timeout=0.01)
        assert not done and not_done == {slow}
        gate.set()
        done, not_done = futures.wait([ok, bad, slow], return_when=futures.ALL_COMPLETED)
        assert done == {ok, bad, slow} and not not_done
        first = futures.wait([ok, slow], return_when=futures.FIRST_COMPLETED)
        assert ok in first.done


def _live_workers(prefix: str) -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith(prefix) and t.is_alive()]


def test_no_worker_is_leaked_after_shutdown_garbage_collection_or_breakage():
    ex = futures.ThreadPoolExecutor(max_workers=3, thread_name_prefix="leak-shutdown")
    list(ex.map(abs, range(10)))
    ex.shutdown()
    assert not _live_workers("leak-shutdown")

    def make_and_drop() -> list[threading.Thread]:
        ex = futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="leak-gc")
        list(ex.map(abs, range(10)))
        return list(ex._threads)

    threads = make_and_drop()
    gc.collect()
    for t in threads:
        t.join(timeout=10)
    assert not _live_workers("leak-gc")

    broken = futures.ThreadPoolExecutor(max_workers=2, thread_name_prefix="leak-broken",
                                        initializer=lambda: 1 / 0)
    with pytest.raises(futures.BrokenThreadPool):
        broken.submit(abs, 1).result(timeout=10)
    for t in list(broken._threads):
        t.join(timeout=10)
    assert not _live_workers("leak-broken")
