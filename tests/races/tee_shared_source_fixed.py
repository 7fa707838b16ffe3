# real CPython 3.11: fails 0/100 with setswitchinterval(1e-6) (2 shared cores)
"""The fix: the readings are made once, under no contention, and both tasks read
the list."""

import threading
from concurrent.futures import ThreadPoolExecutor


def readings():
    for reading in range(30):
        for _ in range(100):  # some work per reading: parsing, scaling
            pass
        yield reading


READINGS = list(readings())
start = threading.Barrier(2)  # both tasks at work at once


def consume(stream):
    start.wait()
    return sum(value for value in stream)


with ThreadPoolExecutor(max_workers=2) as pool:
    results = [pool.submit(consume, stream) for stream in (READINGS, READINGS)]
    print([f.result() for f in results])
