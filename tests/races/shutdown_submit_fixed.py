"""Shutdown racing submit, fixed: stop the producer before shutting down the pool."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

pool = ThreadPoolExecutor(max_workers=2)
stored = []
polling = threading.Event()


def poll():
    for reading in range(3):
        pool.submit(stored.append, reading)
        polling.set()  # the poller is up: main goes on
        time.sleep(0.01)


poller = threading.Thread(target=poll)
poller.start()
polling.wait()
for _ in range(2):
    time.sleep(0.01)
poller.join()
pool.shutdown()
print("stored", sorted(stored))
# Two workers may store the readings in either order; none may be lost.
assert sorted(stored) == [0, 1, 2], f"readings lost: {stored}"
