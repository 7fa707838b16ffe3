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
