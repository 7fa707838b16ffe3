# real CPython 3.11: fails 1/100 with setswitchinterval(1e-6) (2 shared cores, load ~4)
"""Counter.update(mapping) is a loop in the stdlib's Python code (``self[k] = v +
self.get(k, 0)``): two tasks updating the same keys lose counts."""

from collections import Counter
from concurrent.futures import ThreadPoolExecutor

totals = Counter()
batch = {f"w{i}": 1 for i in range(100)}


def merge():
    for _ in range(3):
        totals.update(batch)


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(merge)
    pool.submit(merge)

assert sum(totals.values()) == 600, f"lost update: {sum(totals.values())} of 600 counted"
print("counted", sum(totals.values()))
