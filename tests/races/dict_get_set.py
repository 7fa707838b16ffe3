# real CPython 3.11: fails 12/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Lost update through get/set: `x = d.get(k, 0); d[k] = x + 1` in two pool tasks, no
blocking call between the read and the write."""

from concurrent.futures import ThreadPoolExecutor

hits = {}


def hit(page):
    seen = hits.get(page, 0)
    sum(range(100_000))  # ~1 ms of CPU, no blocking call (widens the window for real runs)
    hits[page] = seen + 1


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(hit, "/")
    pool.submit(hit, "/")

print("hits:", hits)
assert hits == {"/": 2}, f"lost update: {hits}"
