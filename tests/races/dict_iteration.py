# real CPython 3.11: fails 3/60 with setswitchinterval(1e-6) (2 shared cores, load ~2)
"""A dict iterated by the main thread while a pool task inserts into it: CPython raises
"RuntimeError: dictionary changed size during iteration"."""

from concurrent.futures import ThreadPoolExecutor

registry = {"alpha": 1, "beta": 2, "gamma": 3}


def register(name):
    registry[name] = len(registry) + 1


with ThreadPoolExecutor(max_workers=1) as pool:
    pool.submit(register, "delta")
    total = 0
    for name in registry:
        total += registry[name]
        sum(range(100_000))  # ~1 ms of CPU per entry (widens the window for real runs)

print("entries:", len(registry))
