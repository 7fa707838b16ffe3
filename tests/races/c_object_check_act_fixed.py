"""Fixed twin of c_object_check_act: the check and the append under one lock."""

import array
import threading
from concurrent.futures import ThreadPoolExecutor

samples = array.array("i")
LIMIT = 100
guard = threading.Lock()


def record():
    for _ in range(200):
        with guard:
            if len(samples) < LIMIT:
                sum(range(20_000))  # a little work in the window (C: no traced lines)
                samples.append(1)


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(record)
    pool.submit(record)

assert len(samples) == LIMIT, f"over capacity: {len(samples)}"
