# real CPython 3.11: fails 0/100 with setswitchinterval(1e-6) (2 shared cores)
"""The fix: each draw takes the accumulator's lock."""

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

STEPS = 30


def add(total, amount):
    for _ in range(10):  # a little work per step: logging, validation
        pass
    return total + amount


balances = itertools.accumulate(itertools.repeat(1, 2 * STEPS), add)
lock = threading.Lock()
start = threading.Barrier(2)  # both tasks at work at once


def draw():
    start.wait()
    last = 0
    for _ in range(STEPS):
        with lock:
            balance = next(balances)
        last = max(last, balance)
    return last


with ThreadPoolExecutor(max_workers=2) as pool:
    tops = [f.result() for f in [pool.submit(draw), pool.submit(draw)]]

assert max(tops) == 2 * STEPS, f"lost update: the final balance is {max(tops)}"
