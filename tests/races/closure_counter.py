# real CPython 3.11: fails 8/60 with setswitchinterval(1e-6) (2 shared cores, load ~2)
"""Lost update on a closure cell: `nonlocal done` read, then written, by two map tasks."""

from concurrent.futures import ThreadPoolExecutor


def count_pages(pages):
    done = 0

    def fetch(page):
        nonlocal done
        seen = done
        sum(range(100_000))  # ~1 ms of CPU, no blocking call (widens the window for real runs)
        done = seen + 1

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(fetch, pages))
    return done


done = count_pages(["a", "b"])
print("done:", done)
assert done == 2, f"lost update: {done}"
