# real CPython 3.11: fails 60/60 with setswitchinterval(1e-6) (2 shared cores, under load)
"""Check-then-act on a C object the tracer has no table for (``array.array``): each
call is atomic, ``len()`` then ``append()`` is not, and the array overfills."""

import array
from concurrent.futures import ThreadPoolExecutor

samples = array.array("i")
LIMIT = 100


def record():
    for _ in range(200):
        if len(samples) < LIMIT:
            sum(range(20_000))  # a little work in the window (C: no traced lines)
            samples.append(1)


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(record)
    pool.submit(record)

assert len(samples) == LIMIT, f"over capacity: {len(samples)}"
