# real CPython 3.11: fails 0/360 (300 + 60) with setswitchinterval(1e-6) (2 shared cores, load ~20)
# (no switch is possible inside `+=` on 3.11: its bytecode has no eval-breaker
# check between the read and the write; CPython 3.9 fails 2/300)
"""Lost update on a global: two pool tasks do `global n; n += 1` (no blocking call)."""

from concurrent.futures import ThreadPoolExecutor

n = 0


def bump():
    global n
    n += 1


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(bump)
    pool.submit(bump)

print("n:", n)
assert n == 2, f"lost update: n is {n}, expected 2"
