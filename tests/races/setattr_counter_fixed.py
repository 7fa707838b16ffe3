# real CPython 3.11: fails 0/60 with setswitchinterval(1e-6) (2 shared cores, load ~2)
"""Lost update through the builtins, fixed: the getattr and the setattr hold one lock."""

import threading
from concurrent.futures import ThreadPoolExecutor


class Stats:
    requests = 0


stats = Stats()
stats_lock = threading.Lock()


def record(field):
    with stats_lock:
        value = getattr(stats, field)
        sum(range(100_000))
        setattr(stats, field, value + 1)


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(record, "requests")
    pool.submit(record, "requests")

print("requests:", stats.requests)
assert stats.requests == 2, f"lost update: {stats.requests}"
