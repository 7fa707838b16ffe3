"""A worker process dies mid-map, fixed: a broken pool is replaced and the map retried."""

import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool


def square(n):
    time.sleep(0.01)
    return n * n


def oom_killer(pool):
    time.sleep(0.015)
    time.sleep(0.005)
    for pid in list(pool._processes):
        os.kill(pid, signal.SIGKILL)
        break


if __name__ == "__main__":
    pool = ProcessPoolExecutor(max_workers=2)
    killer = threading.Thread(target=oom_killer, args=(pool,))
    killer.start()
    try:
        results = list(pool.map(square, range(4)))
    except BrokenProcessPool:
        pool.shutdown()
        pool = ProcessPoolExecutor(max_workers=2)
        results = list(pool.map(square, range(4)))
    killer.join()
    pool.shutdown()
    print(results)
