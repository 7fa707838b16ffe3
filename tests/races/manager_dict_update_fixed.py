# real CPython 3.11: fails 0/100 with setswitchinterval(1e-6) (2 shared cores)
"""The fix: a lock from the same manager around each read-modify-write."""

import multiprocessing
from concurrent.futures import ProcessPoolExecutor


def count(counts, lock, start, jobs):
    start.wait()  # both tasks at work at once
    for _ in range(jobs):
        with lock:
            done = counts["done"]
            for _ in range(200):  # a little work between the read and the write
                pass
            counts["done"] = done + 1


if __name__ == "__main__":
    with multiprocessing.Manager() as manager:
        counts = manager.dict(done=0)
        lock = manager.Lock()
        start = manager.Barrier(2)
        with ProcessPoolExecutor(max_workers=2) as pool:
            for task in [pool.submit(count, counts, lock, start, 2) for _ in range(2)]:
                task.result()
        assert counts["done"] == 4, f"lost update: {counts['done']} of 4 counted"
