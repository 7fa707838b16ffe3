# real CPython 3.11: fails 57/100 with setswitchinterval(1e-6) (2 shared cores)
"""Two tasks of a process pool count into a ``multiprocessing.Manager()`` dict.  Each
``counts["done"]`` read and each write is one request to the manager's server, so
another task's requests can come between the read and the write: a lost update.
The simulator must run the manager's objects and make each proxy call a scheduling
point (``sim/managers.py``); without that the manager's server process and its pipes
hang the run.
"""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor


def count(counts, start, jobs):
    start.wait()  # both tasks at work at once
    for _ in range(jobs):
        done = counts["done"]
        for _ in range(200):  # a little work between the read and the write
            pass
        counts["done"] = done + 1


if __name__ == "__main__":
    with multiprocessing.Manager() as manager:
        counts = manager.dict(done=0)
        start = manager.Barrier(2)
        with ProcessPoolExecutor(max_workers=2) as pool:
            for task in [pool.submit(count, counts, start, 2) for _ in range(2)]:
                task.result()
        assert counts["done"] == 4, f"lost update: {counts['done']} of 4 counted"
