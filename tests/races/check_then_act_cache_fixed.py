"""Check-then-act cache, fixed: the first caller stores a Future; later callers wait on it."""

import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor

cache = {}
cache_lock = threading.Lock()
computed = []


def expensive(key):
    computed.append(key)
    time.sleep(0.01)
    return key.upper()


def lookup(key):
    with cache_lock:
        pending = cache.get(key)
        owner = pending is None
        if owner:
            pending = cache[key] = Future()
    if owner:
        pending.set_result(expensive(key))
    return pending.result()


with ThreadPoolExecutor(max_workers=2) as pool:
    first = pool.submit(lookup, "a")
    time.sleep(0.01)
    second = pool.submit(lookup, "a")
    print(first.result(), second.result())

assert computed == ["a"], f"computed {len(computed)} times: {computed}"
