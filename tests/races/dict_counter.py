# real CPython 3.11: fails 0/360 (300 + 60) with setswitchinterval(1e-6) (2 shared cores, load ~20)
# (no switch is possible inside `+=` on 3.11: its bytecode has no eval-breaker
# check between the read and the write; CPython 3.9 fails 2/300)
"""Lost update on a dict entry: two pool tasks do `counter['n'] += 1`, a read, an add and
a write with no blocking call anywhere (CPython may switch threads in between)."""

from concurrent.futures import ThreadPoolExecutor

counter = {"n": 0}


def count():
    counter["n"] += 1


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(count)
    pool.submit(count)

print("count:", counter["n"])
assert counter["n"] == 2, f"lost update: count is {counter['n']}, expected 2"
