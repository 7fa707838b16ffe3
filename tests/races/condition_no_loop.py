"""Condition.wait() without a loop: a consumer that arrives late can take the item first."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

items = []
available = threading.Condition()


def consume(name, arrive_after):
    time.sleep(arrive_after)
    with available:
        if not items:  # should be `while`: being woken does not mean the item is still there
            available.wait()
        return f"{name} got {items.pop(0)}"


def produce():
    for item in ("a", "b"):
        time.sleep(0.01)
        with available:
            items.append(item)
            available.notify()


with ThreadPoolExecutor(max_workers=3) as pool:
    early = pool.submit(consume, "early", 0)
    late = pool.submit(consume, "late", 0.01)  # arrives just as the first item does
    pool.submit(produce)
    print(early.result(), late.result())
