"""acquire(blocking=False) while another thread holds the lock: the try-lock fails (the
code assumes the lock is free because the other thread's critical section is short)."""

import threading
from concurrent.futures import ThreadPoolExecutor

cache_lock = threading.Lock()
refreshed = []


def refresh(who):
    if cache_lock.acquire(blocking=False):  # skip the refresh if someone is at it
        try:
            for _ in range(200):  # the refresh itself: pure Python, no blocking call
                pass
            refreshed.append(who)
        finally:
            cache_lock.release()


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(refresh, "a")
    pool.submit(refresh, "b")

print("refreshes:", len(refreshed))
assert len(refreshed) == 2, f"a refresh was skipped: {refreshed}"
