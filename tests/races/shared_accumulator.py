# real CPython 3.11: fails 7/200 with setswitchinterval(1e-6) (2 shared cores)
"""Two tasks draw running totals from one ``itertools.accumulate`` whose step is a
Python function.  ``accumulate`` keeps the total inside its C object: it reads the
total, calls ``add`` (Python: CPython may switch threads inside it), then stores the
sum, so two tasks advancing it at once lose a step.  The simulator must see that
advancing each task's ``islice`` advances the shared accumulator (``effects.consume``)
and switch inside the callback.
"""

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

STEPS = 30


def add(total, amount):
    for _ in range(10):  # a little work per step: logging, validation
        pass
    return total + amount


balances = itertools.accumulate(itertools.repeat(1, 2 * STEPS), add)
start = threading.Barrier(2)  # both tasks at work at once


def draw():
    start.wait()
    last = 0
    for balance in itertools.islice(balances, STEPS):
        last = max(last, balance)
    return last


with ThreadPoolExecutor(max_workers=2) as pool:
    tops = [f.result() for f in [pool.submit(draw), pool.submit(draw)]]

assert max(tops) == 2 * STEPS, f"lost update: the final balance is {max(tops)}"
