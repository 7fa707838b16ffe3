# real CPython 3.11: fails 16/60 with setswitchinterval(1e-6) (2 shared cores, load ~2)
"""Lost update through the builtins: `getattr(stats, field)`, then `setattr(stats, field,
value + 1)` in two pool tasks.  Both calls are atomic, the update is not."""

from concurrent.futures import ThreadPoolExecutor


class Stats:
    requests = 0


stats = Stats()


def record(field):
    value = getattr(stats, field)
    sum(range(100_000))  # ~1 ms of CPU, no blocking call (widens the window for real runs)
    setattr(stats, field, value + 1)


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(record, "requests")
    pool.submit(record, "requests")

print("requests:", stats.requests)
assert stats.requests == 2, f"lost update: {stats.requests}"
