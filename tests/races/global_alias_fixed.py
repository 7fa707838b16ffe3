"""Fixed twin of global_alias: both spellings update under one lock."""

import threading
from concurrent.futures import ThreadPoolExecutor

hits = 0
ROUNDS = 30
guard = threading.Lock()


def count_by_name():
    global hits
    for _ in range(ROUNDS):
        with guard:
            seen = hits
            sum(range(20_000))  # a little work in the window (C: no traced lines)
            hits = seen + 1


def count_by_namespace():
    namespace = globals()
    for _ in range(ROUNDS):
        with guard:
            seen = namespace["hits"]
            sum(range(20_000))  # a little work in the window (C: no traced lines)
            namespace["hits"] = seen + 1


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(count_by_name)
    pool.submit(count_by_namespace)

assert hits == 2 * ROUNDS, f"lost update: {hits} of {2 * ROUNDS}"
