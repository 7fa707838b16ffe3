"""Lost update, fixed: the read-modify-write holds a lock across the blocking call."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

counter = 0
counter_lock = threading.Lock()


def add_one():
    global counter
    with counter_lock:
        value = counter
        time.sleep(0)
        counter = value + 1


with ThreadPoolExecutor(max_workers=2) as pool:
    for _ in range(2):
        pool.submit(add_one)

print("counter:", counter)
assert counter == 2, f"lost update: counter is {counter}, expected 2"
