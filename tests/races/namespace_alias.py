# real CPython 3.11: fails 52/60 with setswitchinterval(1e-6) (2 shared cores, under load)
"""One attribute, two spellings: ``stats.hits`` in one task and ``vars(stats)["hits"]``
in the other are one location (the instance's ``__dict__`` entry), and updates are lost."""

from concurrent.futures import ThreadPoolExecutor


class Stats:
    def __init__(self):
        self.hits = 0


stats = Stats()
ROUNDS = 30


def count_by_attribute():
    for _ in range(ROUNDS):
        seen = stats.hits
        sum(range(20_000))  # a little work in the window (C: no traced lines)
        stats.hits = seen + 1


def count_by_namespace():
    namespace = vars(stats)
    for _ in range(ROUNDS):
        seen = namespace["hits"]
        sum(range(20_000))  # a little work in the window (C: no traced lines)
        namespace["hits"] = seen + 1


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(count_by_attribute)
    pool.submit(count_by_namespace)

assert stats.hits == 2 * ROUNDS, f"lost update: {stats.hits} of {2 * ROUNDS}"
