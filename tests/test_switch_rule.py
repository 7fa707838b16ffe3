"""The switch rule, operation by operation: right after an operation that wakes a thread
or changes state another thread can see, the other thread may act before the caller's
next step (docs/exploring.md, "The simulator's promise").

Each row is a program: the main thread performs the operation and then looks at
``seen`` (what a second thread did in the window); across seeds the simulator must show
both answers: the natural one (main goes on) and the one only a switch right after the
operation gives.
"""

from __future__ import annotations

import concurrent.futures
import queue
import threading

import pytest

from simfutures.sim import simulate

SEEDS = 400


def _release():
    lock, seen = threading.Lock(), []
    lock.acquire()
    t = threading.Thread(target=lambda: (lock.acquire(), seen.append(1), lock.release()))
    t.start()
    _settle()
    lock.release()
    result = bool(seen)
    t.join()
    return result


def _settle():
    # Let every other thread run until it blocks (a real program would do work here).
    import time

    time.sleep(0.001)


def _notify():
    cond, seen, ready = threading.Condition(), [], threading.Event()

    def waiter():
        with cond:
            ready.set()
            cond.wait()
        seen.append(1)

    t = threading.Thread(target=waiter)
    t.start()
    ready.wait()
    with cond:
        cond.notify()
    result = bool(seen)
    t.join()
    return result


def _event_set():
    event, seen = threading.Event(), []
    t = threading.Thread(target=lambda: (event.wait(), seen.append(1)))
    t.start()
    _settle()
    event.set()
    result = bool(seen)
    t.join()
    return result


def _event_clear():
    event, seen = threading.Event(), []
    event.set()
    t = threading.Thread(target=lambda: seen.append(event.is_set()))
    t.start()
    event.clear()
    result = seen == [False]
    t.join()
    return result


def _semaphore_release():
    sem, seen = threading.Semaphore(0), []
    t = threading.Thread(target=lambda: (sem.acquire(), seen.append(1)))
    t.start()
    _settle()
    sem.release()
    result = bool(seen)
    t.join()
    return result


def _barrier_last_arrival():
    barrier, seen = threading.Barrier(2), []
    t = threading.Thread(target=lambda: (barrier.wait(), seen.append(1)))
    t.start()
    _settle()
    barrier.wait()
    result = bool(seen)
    t.join()
    return result


def _queue_put():
    q, seen = queue.Queue(), []
    t = threading.Thread(target=lambda: seen.append(q.get()))
    t.start()
    _settle()
    q.put(1)
    result = bool(seen)
    t.join()
    return result


def _simple_queue_put():
    q, seen = queue.SimpleQueue(), []
    t = threading.Thread(target=lambda: seen.append(q.get()))
    t.start()
    _settle()
    q.put(1)
    result = bool(seen)
    t.join()
    return result


def _thread_start():
    seen = []
    t = threading.Thread(target=lambda: seen.append(1))
    t.start()
    result = not seen  # the parent went on before the child's first step
    t.join()
    return result


def _acquire_seen_held():
    lock, seen = threading.Lock(), []

    def probe():
        got = lock.acquire(blocking=False)
        seen.append(got)
        if got:
            lock.release()

    t = threading.Thread(target=probe)
    t.start()
    with lock:
        pass
    t.join()
    return seen == [False]


def _set_result():
    future, seen = concurrent.futures.Future(), []
    t = threading.Thread(target=lambda: (future.result(), seen.append(1)))
    t.start()
    _settle()
    future.set_result(1)
    result = bool(seen)
    t.join()
    return result


def _result_before_callbacks():
    future, called = concurrent.futures.Future(), []
    future.add_done_callback(lambda f: called.append(1))
    seen = []
    t = threading.Thread(target=lambda: (future.result(), seen.append(bool(called))))
    t.start()
    _settle()
    future.set_result(1)
    t.join()
    return seen == [False]


def _submit_then_cancel():
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(int).result()  # the worker exists and is idle
        future = pool.submit(int)
        return not future.cancel()  # the worker took it first


def _worker_seen_idle():
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        pool.submit(int).result()
        pool.submit(int).result()
        return len(pool._threads) == 2  # the first worker was not yet idle again


def _cpu_bound_against_timeout():
    def busy():
        return sum(range(100))

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        future = pool.submit(busy)
        try:
            future.result(timeout=0.001)
        except concurrent.futures.TimeoutError:
            return True
        return False


def _manager_call():
    import multiprocessing

    with multiprocessing.Manager() as manager:
        box, seen = manager.dict(n=0), []
        t = threading.Thread(target=lambda: seen.append(box["n"]))
        t.start()
        box["n"] = 1  # each a request to the manager: the other thread may read
        box["n"] = 2  # between the two
        t.join()
        return seen == [1]


def _pipe_send():
    import multiprocessing

    mine, theirs = multiprocessing.Pipe()
    flag = multiprocessing.Value("i", 0)  # shared memory: both processes see it

    def child(conn, flag):
        conn.recv()
        flag.value = 1

    process = multiprocessing.Process(target=child, args=(theirs, flag))
    process.start()
    mine.send("go")
    seen = flag.value  # 1 if the receiving process ran right after the send
    process.join()
    return seen == 1


def _clock_read_after_work():
    import time

    start = time.monotonic()
    sum(range(1000))  # no timer pending: only the read itself can let time pass
    return time.monotonic() > start


ROWS = {
    "Lock.release wakes the acquirer": _release,
    "Condition.notify wakes the waiter": _notify,
    "Event.set wakes the waiter": _event_set,
    "Event.clear is seen": _event_clear,
    "Semaphore.release wakes the acquirer": _semaphore_release,
    "the last Barrier arrival wakes the others": _barrier_last_arrival,
    "Queue.put wakes the getter": _queue_put,
    "SimpleQueue.put wakes the getter": _simple_queue_put,
    "Thread.start: the parent goes on first": _thread_start,
    "a held lock is seen held": _acquire_seen_held,
    "Future.set_result wakes the waiter": _set_result,
    "result() returns before the callbacks ran": _result_before_callbacks,
    "submit wakes the idle worker before cancel": _submit_then_cancel,
    "a finished worker is not yet idle for the next submit": _worker_seen_idle,
    "a timeout beats a busy task": _cpu_bound_against_timeout,
    "a Manager() proxy call is seen": _manager_call,
    "a multiprocessing pipe's send wakes the receiving process": _pipe_send,
    "a clock read sees the computation's time pass": _clock_read_after_work,
}


@pytest.mark.parametrize("name", sorted(ROWS))
def test_both_sides_of_the_window_are_reachable(name):
    program = ROWS[name]
    seen = set()
    for seed in range(SEEDS):
        seen.add(simulate(program, seed=seed))
        if seen == {True, False}:
            break
    assert seen == {True, False}, f"{name}: only {seen} in {SEEDS} seeds"
