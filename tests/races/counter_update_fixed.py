# real CPython 3.11: fails 0/100 with setswitchinterval(1e-6) (2 shared cores, load ~4)
"""Counter.update from two tasks, fixed: a lock around each update."""

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

totals = Counter()
batch = {f"w{i}": 1 for i in range(100)}
lock = threading.Lock()


def merge():
    with lock:
        for _ in range(3):
            totals.update(batch)


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(merge)
    pool.submit(merge)

assert sum(totals.values()) == 600, f"lost update: {sum(totals.values())} of 600 counted"
print("counted", sum(totals.values()))
