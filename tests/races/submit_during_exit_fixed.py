# real CPython 3.11: fails 0/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Follow-up submitted while the pool shuts down, fixed: main waits for the task that
submits (not only for its start) before it leaves the block."""

import threading
from concurrent.futures import ThreadPoolExecutor

started = threading.Event()


def parse(page):
    return len(page)


def fetch(url):
    started.set()
    sum(range(10_000))
    return pool.submit(parse, f"<html>{url}</html>")


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(int).result()  # the pool is warm: a worker waits, idle
    first = pool.submit(fetch, "a.example")
    started.wait()
    first.result()  # the follow-up is in before the pool shuts down
print("parsed:", first.result().result())
