# real CPython 3.11: fails 60/60 with setswitchinterval(1e-6) (2 shared cores, under load)
"""One global counter, two spellings: ``global hits; hits += 1`` in one task and
``globals()["hits"] += 1`` in the other are one variable, and updates are lost."""

from concurrent.futures import ThreadPoolExecutor

hits = 0
ROUNDS = 30


def count_by_name():
    global hits
    for _ in range(ROUNDS):
        seen = hits
        sum(range(20_000))  # a little work in the window (C: no traced lines)
        hits = seen + 1


def count_by_namespace():
    namespace = globals()
    for _ in range(ROUNDS):
        seen = namespace["hits"]
        sum(range(20_000))  # a little work in the window (C: no traced lines)
        namespace["hits"] = seen + 1


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(count_by_name)
    pool.submit(count_by_namespace)

assert hits == 2 * ROUNDS, f"lost update: {hits} of {2 * ROUNDS}"
