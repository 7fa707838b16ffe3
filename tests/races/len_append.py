# real CPython 3.11: fails 16/60 with setswitchinterval(1e-6) (2 shared cores, load ~2)
"""Check-then-act with two atomic calls: `if len(batch) < LIMIT: batch.append(x)` in two
pool tasks.  Each call is atomic in CPython, so no data race is reported, but a switch
between the check and the append overfills the batch."""

from concurrent.futures import ThreadPoolExecutor

LIMIT = 1
batch = []


def add(item):
    if len(batch) < LIMIT:
        sum(range(100_000))  # ~1 ms of CPU, no blocking call (widens the window for real runs)
        batch.append(item)


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(add, "a")
    pool.submit(add, "b")

print("batch:", sorted(batch))
assert len(batch) <= LIMIT, f"over capacity: {sorted(batch)}"
