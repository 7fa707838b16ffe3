# real CPython 3.11: fails 0/60 with setswitchinterval(1e-6) (2 shared cores, load ~2)
"""Lost update on a closure cell, fixed: the read and the write hold one lock."""

import threading
from concurrent.futures import ThreadPoolExecutor


def count_pages(pages):
    done = 0
    done_lock = threading.Lock()

    def fetch(page):
        nonlocal done
        with done_lock:
            seen = done
            sum(range(100_000))
            done = seen + 1

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(fetch, pages))
    return done


done = count_pages(["a", "b"])
print("done:", done)
assert done == 2, f"lost update: {done}"
