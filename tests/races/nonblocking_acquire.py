# real CPython 3.11: fails 12/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""acquire(blocking=False) while another thread holds the lock: the try-lock fails (the
code assumes the lock is free because the other thread's critical section is short)."""

import threading
from concurrent.futures import ThreadPoolExecutor

cache_lock = threading.Lock()
refreshed = []


def refresh(who):
    if cache_lock.acquire(blocking=False):  # skip the refresh if someone is at it
        try:
            sum(range(100_000))  # ~1 ms of CPU, no blocking call (widens the window for real runs)
            refreshed.append(who)
        finally:
            cache_lock.release()


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(refresh, "a")
    pool.submit(refresh, "b")

print("refreshes:", len(refreshed))
assert len(refreshed) == 2, f"a refresh was skipped: {refreshed}"
