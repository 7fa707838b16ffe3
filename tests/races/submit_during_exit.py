# real CPython 3.11: fails 20/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""A task submits its follow-up while the `with ThreadPoolExecutor` block is exiting:
before shutdown() it is accepted, after it RuntimeError('cannot schedule new futures
after shutdown').  Main only waits until the task has started."""

import threading
from concurrent.futures import ThreadPoolExecutor

started = threading.Event()


def parse(page):
    return len(page)


def fetch(url):
    started.set()
    sum(range(10_000))  # ~0.1 ms of CPU, no blocking call (widens the window for real runs)
    return pool.submit(parse, f"<html>{url}</html>")  # the follow-up


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(int).result()  # the pool is warm: a worker waits, idle
    first = pool.submit(fetch, "a.example")
    started.wait()  # the fetch is under way: assumed to have queued its follow-up in time
# leaving the block shut the pool down: was the follow-up in before that?
print("parsed:", first.result().result())
