# real CPython 3.11: fails 0/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Lost update on a global, fixed: the increment holds a lock."""

import threading
from concurrent.futures import ThreadPoolExecutor

n = 0
n_lock = threading.Lock()


def bump():
    global n
    with n_lock:
        n += 1


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(bump)
    pool.submit(bump)

print("n:", n)
assert n == 2, f"lost update: n is {n}, expected 2"
