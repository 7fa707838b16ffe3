# real CPython 3.11: fails 0/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Lost update through get/set, fixed: the read and the write hold one lock."""

import threading
from concurrent.futures import ThreadPoolExecutor

hits = {}
hits_lock = threading.Lock()


def hit(page):
    with hits_lock:
        seen = hits.get(page, 0)
        sum(range(100_000))
        hits[page] = seen + 1


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(hit, "/")
    pool.submit(hit, "/")

print("hits:", hits)
assert hits == {"/": 2}, f"lost update: {hits}"
