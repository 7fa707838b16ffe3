# real CPython 3.11: fails 0/60 with setswitchinterval(1e-6) (2 shared cores, load ~2)
"""Check-then-act with two atomic calls, fixed: the check and the append hold one lock."""

import threading
from concurrent.futures import ThreadPoolExecutor

LIMIT = 1
batch = []
batch_lock = threading.Lock()


def add(item):
    with batch_lock:
        if len(batch) < LIMIT:
            sum(range(100_000))
            batch.append(item)


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(add, "a")
    pool.submit(add, "b")

print("batch:", len(batch), "item")
assert len(batch) <= LIMIT, f"over capacity: {sorted(batch)}"
