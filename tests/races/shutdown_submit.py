"""Shutdown racing submit: the poller can submit after main has shut the pool down."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

pool = ThreadPoolExecutor(max_workers=2)
stored = []
polling = threading.Event()


def poll():
    for reading in range(3):
        pool.submit(stored.append, reading)  # RuntimeError once the pool is shut down
        polling.set()  # the poller is up: main goes on
        time.sleep(0.01)


poller = threading.Thread(target=poll)
poller.start()
polling.wait()
for _ in range(2):
    time.sleep(0.01)  # main does two rounds of work, then stops (forgetting the poller)
pool.shutdown()
print("stored", stored)
assert stored == [0, 1, 2], f"readings lost: {stored}"
