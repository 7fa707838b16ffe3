"""A worker process dies mid-map (say, the OOM killer); the code never expects it."""

import os
import signal
import threading
import time
from concurrent.futures import ProcessPoolExecutor


def square(n):
    time.sleep(0.01)
    return n * n


def oom_killer(pool):
    time.sleep(0.015)  # memory runs short as the map nears its end...
    time.sleep(0.005)  # ...and the kernel picks a victim
    for pid in list(pool._processes):
        os.kill(pid, signal.SIGKILL)
        break


if __name__ == "__main__":
    with ProcessPoolExecutor(max_workers=2) as pool:
        killer = threading.Thread(target=oom_killer, args=(pool,))
        killer.start()
        print(list(pool.map(square, range(4))))
        killer.join()
