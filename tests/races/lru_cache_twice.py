# real CPython 3.11: fails 2/100 with setswitchinterval(1e-6) (2 shared cores, load ~4)
"""functools.lru_cache holds no lock while the cached function runs: two tasks that
miss the cache at the same time both compute (the code counts on computing once)."""

import functools
from concurrent.futures import ThreadPoolExecutor

computed = []


@functools.lru_cache(maxsize=128)
def load_table(name):
    computed.append(name)
    return sum(i * i for i in range(300))


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(load_table, "users")
    pool.submit(load_table, "users")

assert len(computed) == 1, f"computed {len(computed)} times"
print("computed once")
