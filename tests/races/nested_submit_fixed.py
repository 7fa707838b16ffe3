"""Nested submit, fixed: sub-tasks go to their own pool, so they can always run."""

import time
from concurrent.futures import ThreadPoolExecutor

pool = ThreadPoolExecutor(max_workers=2)
fetchers = ThreadPoolExecutor(max_workers=2)


def fetch(part):
    return f"{part}!"


def handle(request):
    time.sleep(0.01)  # parse the request
    part = fetchers.submit(fetch, request)
    return part.result()


first = pool.submit(handle, "a")
time.sleep(0.01)
second = pool.submit(handle, "b")
print(first.result(), second.result())
pool.shutdown()
fetchers.shutdown()
