# real CPython 3.11: fails 0/200 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""A done-callback appending to a list read by the main thread, fixed: appends and the
snapshot hold one lock."""

import threading
from concurrent.futures import ThreadPoolExecutor

results = []
results_lock = threading.Lock()


def collect(future):
    with results_lock:
        results.append(future.result())


with ThreadPoolExecutor(max_workers=2) as pool:
    for n in (2, 3):
        pool.submit(pow, n, 2).add_done_callback(collect)
    with results_lock:
        count = len(results)
        sum(range(100_000))
        listed = [r for r in results]

print("consistent:", len(listed) == count)
assert len(listed) == count, f"inconsistent snapshot: counted {count}, listed {listed}"
