# real CPython 3.11: fails 0/100 with setswitchinterval(1e-6) (2 shared cores, load ~4)
"""Two tasks using one lru_cache'd loader, fixed: a lock around the cached call, so
the second waits for the first and hits the cache."""

import functools
import threading
from concurrent.futures import ThreadPoolExecutor

computed = []
lock = threading.Lock()


@functools.lru_cache(maxsize=128)
def load_table(name):
    computed.append(name)
    return sum(i * i for i in range(300))


def locked_load(name):
    with lock:
        return load_table(name)


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(locked_load, "users")
    pool.submit(locked_load, "users")

assert len(computed) == 1, f"computed {len(computed)} times"
print("computed once")
