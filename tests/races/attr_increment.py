"""Lost update on an attribute: two pool tasks do `stats.n += 1` (no blocking call)."""

from concurrent.futures import ThreadPoolExecutor


class Stats:
    n = 0


stats = Stats()


def record():
    stats.n += 1


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(record)
    pool.submit(record)

print("recorded:", stats.n)
assert stats.n == 2, f"lost update: recorded {stats.n}, expected 2"
