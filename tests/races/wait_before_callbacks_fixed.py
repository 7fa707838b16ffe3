# real CPython 3.11: fails 0/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""wait() and done-callbacks, fixed: the totals are read after the pool is shut down (its
workers, callbacks included, have finished)."""

from concurrent.futures import ThreadPoolExecutor, wait

totals = []


def tally(future):
    sum(range(100_000))
    totals.append(future.result())


with ThreadPoolExecutor(max_workers=1) as pool:
    job = pool.submit(sum, [1, 2, 3])
    job.add_done_callback(tally)
    wait([job])
seen = list(totals)

print("totals:", seen)
assert seen == [6], f"wait() returned before the callback: {seen}"
