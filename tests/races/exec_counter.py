# real CPython 3.11: fails 2/200 with setswitchinterval(1e-6) (2 shared cores, load ~4)
"""A read-modify-write in code compiled from a string (a rule engine, a template, a
notebook cell): its frames are named "<rules>", and they race as any code does."""

from concurrent.futures import ThreadPoolExecutor

SOURCE = """
def apply(stats):
    seen = stats.seen
    stats.seen = seen + 1 + sum(range(20)) * 0
"""
namespace = {}
exec(compile(SOURCE, "<rules>", "exec"), namespace)
apply = namespace["apply"]


class Stats:
    seen = 0


stats = Stats()


def work():
    for _ in range(20):
        apply(stats)


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(work)
    pool.submit(work)

assert stats.seen == 40, f"lost update: {stats.seen} of 40 counted"
print("seen", stats.seen)
