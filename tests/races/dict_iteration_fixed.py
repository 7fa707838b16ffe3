# real CPython 3.11: fails 0/60 with setswitchinterval(1e-6) (2 shared cores, load ~2)
"""A dict iterated while a pool task inserts, fixed: both hold one lock."""

import threading
from concurrent.futures import ThreadPoolExecutor

registry = {"alpha": 1, "beta": 2, "gamma": 3}
registry_lock = threading.Lock()


def register(name):
    with registry_lock:
        registry[name] = len(registry) + 1


with ThreadPoolExecutor(max_workers=1) as pool:
    pool.submit(register, "delta")
    total = 0
    with registry_lock:
        for name in registry:
            total += registry[name]
            sum(range(100_000))

print("entries:", len(registry))
