"""A task that waits on a task in the same full pool: both workers wait, nobody works."""

import time
from concurrent.futures import ThreadPoolExecutor

pool = ThreadPoolExecutor(max_workers=2)


def fetch(part):
    return f"{part}!"


def handle(request):
    time.sleep(0.01)  # parse the request
    part = pool.submit(fetch, request)  # queued behind whatever else is waiting
    return part.result()  # blocks a worker until another worker runs fetch


first = pool.submit(handle, "a")
time.sleep(0.01)  # a moment later, another request arrives
second = pool.submit(handle, "b")
print(first.result(), second.result())
pool.shutdown()
