"""asyncio inside the simulator (``sim/io_wait.py``): event loops wait on the virtual
clock, executor threads wake them, and their races are explored like any other."""

from __future__ import annotations

import asyncio
import concurrent.futures
import socket
import sys
import time

import pytest

from simfutures.sim import DeadlockError, simulate


def blocking(name: str, seconds: float) -> str:
    time.sleep(seconds)
    return name


def gather_in_executor() -> tuple[list[str], float]:
    async def main() -> tuple[list[str], float]:
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            names = await asyncio.gather(loop.run_in_executor(pool, blocking, "a", 2.0),
                                         loop.run_in_executor(pool, blocking, "b", 1.0))
        await asyncio.sleep(30)
        return names, time.monotonic() - started

    return asyncio.run(main())


def test_run_in_executor_and_sleep_run_on_the_virtual_clock():
    names, elapsed = simulate(gather_in_executor, seed=0)
    assert names == ["a", "b"]
    assert elapsed == pytest.approx(32.0)  # virtual seconds: 2 s of work, then 30 s asleep


def first_of_two_threads() -> str:
    async def main() -> str:
        asked = [asyncio.create_task(asyncio.to_thread(blocking, name, 0.1))
                 for name in ("primary", "mirror")]
        for first in asyncio.as_completed(asked):
            return await first
        raise AssertionError("unreachable")

    return asyncio.run(main())


def test_two_threads_tied_on_the_virtual_clock_finish_either_way_and_each_seed_replays():
    outcomes = {seed: simulate(first_of_two_threads, seed=seed) for seed in range(40)}
    assert set(outcomes.values()) == {"primary", "mirror"}
    assert all(simulate(first_of_two_threads, seed=seed) == outcome
               for seed, outcome in list(outcomes.items())[:10])


def timeout_against_a_thread() -> str:
    async def main() -> str:
        try:
            return await asyncio.wait_for(asyncio.to_thread(blocking, "done", 0.1),
                                          timeout=0.1)
        except TimeoutError:
            return "timed out"

    return asyncio.run(main())


def test_a_timeout_tied_with_its_thread_goes_as_the_running_python_decides():
    # 3.11's wait_for returns a result that arrived with the timeout; from 3.12 on
    # (asyncio.timeout) the timeout wins the tie: CPython 3.13.0 timed out in 40 of 40
    # real runs.
    outcomes = {simulate(timeout_against_a_thread, seed=seed) for seed in range(40)}
    expected = {"done", "timed out"} if sys.version_info < (3, 12) else {"timed out"}
    assert outcomes == expected


def test_a_loop_waiting_for_the_outside_world_is_a_deadlock_not_a_hang():
    def wait_for_a_peer_that_never_writes() -> None:
        async def main() -> None:
            ours, _theirs = socket.socketpair()
            reader, _writer = await asyncio.open_connection(sock=ours)
            await reader.read(1)

        asyncio.run(main())

    with pytest.raises(DeadlockError):
        simulate(wait_for_a_peer_that_never_writes)


def running_loop_seen_by_an_executor_task() -> str:
    def in_worker() -> str:
        try:
            asyncio.get_running_loop()
        except RuntimeError as error:
            return str(error)
        return "a loop is running"

    async def main() -> str:
        return await asyncio.get_running_loop().run_in_executor(None, in_worker)

    return asyncio.run(main())


def event_loops_in_pool_threads() -> list[float]:
    async def work(seconds: float) -> float:
        await asyncio.sleep(seconds)
        return seconds

    def in_thread(seconds: float) -> float:
        return asyncio.run(work(seconds))

    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        return sorted(pool.map(in_thread, (0.03, 0.01, 0.02)))


@pytest.mark.parametrize("program", [running_loop_seen_by_an_executor_task,
                                     event_loops_in_pool_threads])
def test_each_thread_has_its_own_running_loop_as_in_cpython(program):
    """CPython keeps the running loop per OS thread: a loop running in one virtual thread
    is not running in the others (every seed here, as every real run)."""
    expected = program()
    assert {repr(simulate(program, seed=seed)) for seed in range(8)} == {repr(expected)}


def test_a_simulation_run_from_a_running_loop_starts_with_none_and_gives_it_back():
    async def outer() -> tuple[list[float], bool]:
        loop = asyncio.get_running_loop()
        inside = simulate(event_loops_in_pool_threads)
        return inside, asyncio.get_running_loop() is loop

    assert asyncio.run(outer()) == ([0.01, 0.02, 0.03], True)
