# real CPython 3.11: fails 0/100 with setswitchinterval(1e-6) (2 shared cores, load ~4)
"""A read-modify-write in code compiled from a string, fixed: callers hold a lock."""

import threading
from concurrent.futures import ThreadPoolExecutor

SOURCE = """
def apply(stats):
    seen = stats.seen
    stats.seen = seen + 1 + sum(range(20)) * 0
"""
namespace = {}
exec(compile(SOURCE, "<rules>", "exec"), namespace)
apply = namespace["apply"]
lock = threading.Lock()


class Stats:
    seen = 0


stats = Stats()


def work():
    for _ in range(20):
        with lock:
            apply(stats)


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(work)
    pool.submit(work)

assert stats.seen == 40, f"lost update: {stats.seen} of 40 counted"
print("seen", stats.seen)
