"""Check-then-act cache: two lookups of a missing key both compute it."""

import time
from concurrent.futures import ThreadPoolExecutor

cache = {}
computed = []


def expensive(key):
    computed.append(key)
    time.sleep(0.01)  # a slow backend call
    return key.upper()


def lookup(key):
    if key not in cache:  # check...
        cache[key] = expensive(key)  # ...then act, with a blocking call in between
    return cache[key]


with ThreadPoolExecutor(max_workers=2) as pool:
    first = pool.submit(lookup, "a")
    time.sleep(0.01)  # the second request comes in a bit later
    second = pool.submit(lookup, "a")
    print(first.result(), second.result())

assert computed == ["a"], f"computed {len(computed)} times: {computed}"
