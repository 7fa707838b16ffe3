"""Fixed twin of namespace_alias: both spellings update under one lock."""

import threading
from concurrent.futures import ThreadPoolExecutor


class Stats:
    def __init__(self):
        self.hits = 0


stats = Stats()
ROUNDS = 30
guard = threading.Lock()


def count_by_attribute():
    for _ in range(ROUNDS):
        with guard:
            seen = stats.hits
            sum(range(20_000))  # a little work in the window (C: no traced lines)
            stats.hits = seen + 1


def count_by_namespace():
    namespace = vars(stats)
    for _ in range(ROUNDS):
        with guard:
            seen = namespace["hits"]
            sum(range(20_000))  # a little work in the window (C: no traced lines)
            namespace["hits"] = seen + 1


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(count_by_attribute)
    pool.submit(count_by_namespace)

assert stats.hits == 2 * ROUNDS, f"lost update: {stats.hits} of {2 * ROUNDS}"
