"""Lost update: each task reads a shared counter, makes a blocking call, writes it back."""

import time
from concurrent.futures import ThreadPoolExecutor

counter = 0


def add_one():
    global counter
    value = counter
    time.sleep(0)  # any blocking call between the read and the write (I/O, logging...)
    counter = value + 1


with ThreadPoolExecutor(max_workers=2) as pool:
    for _ in range(2):
        pool.submit(add_one)

print("counter:", counter)
assert counter == 2, f"lost update: counter is {counter}, expected 2"
