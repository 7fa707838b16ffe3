# real CPython 3.11: fails 78/200 with setswitchinterval(1e-6) (2 shared cores)
"""Two tasks read one stream of readings through ``itertools.tee``.  The two copies
share one buffer and one source generator: when one task's copy is inside the
generator (making the next reading) and the other task's copy needs the next reading
too, CPython raises ``RuntimeError: cannot re-enter the tee iterator``.  The
simulator must see that advancing either copy advances the shared buffer
(``effects.consume``) and switch inside the generator.
"""

import itertools
import threading
from concurrent.futures import ThreadPoolExecutor


def readings():
    for reading in range(30):
        for _ in range(100):  # some work per reading: parsing, scaling
            pass
        yield reading


totals, averages = itertools.tee(readings())
start = threading.Barrier(2)  # both tasks at work at once


def consume(stream):
    start.wait()
    return sum(value for value in stream)


with ThreadPoolExecutor(max_workers=2) as pool:
    results = [pool.submit(consume, stream) for stream in (totals, averages)]
    print([f.result() for f in results])
