# real CPython 3.11: fails 0/100 with setswitchinterval(1e-6) (2 shared cores, load ~4)
"""as_completed over futures already done, fixed: results are put back in submission
order by their index, whatever order they come in."""

from concurrent.futures import ThreadPoolExecutor, as_completed, wait

with ThreadPoolExecutor(max_workers=2) as pool:
    futures = {pool.submit(abs, -i): i for i in range(3)}
    wait(futures)
    order = sorted(futures[f] for f in as_completed(futures))

assert order == [0, 1, 2], f"out of order: {order}"
print("order", order)
