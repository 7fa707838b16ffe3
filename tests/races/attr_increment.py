# real CPython 3.11: fails 0/500 (300 + 200) with setswitchinterval(1e-6) (2 shared cores, load ~20)
# (no switch is possible inside `+=` on 3.11: its bytecode has no eval-breaker
# check between the read and the write; CPython 3.9 fails 1/300)
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
