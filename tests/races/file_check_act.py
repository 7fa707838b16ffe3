# real CPython 3.11: fails 20/40 with setswitchinterval(1e-6) (2 shared cores, under load)
"""A check-then-act on the file system: ``os.path.exists`` then ``os.mkdir``, in two
tasks; the other task can create the directory in between (no Python object is shared:
the file system is)."""

import os
import tempfile
from concurrent.futures import ThreadPoolExecutor

ROUNDS = 10


def make_directories(base):
    clashes = 0
    for number in range(ROUNDS):
        path = os.path.join(base, str(number))
        if not os.path.exists(path):
            sum(range(20_000))  # a little work in the window (C: no traced lines)
            try:
                os.mkdir(path)
            except FileExistsError:  # the other task got there first
                clashes += 1
    return clashes


with tempfile.TemporaryDirectory() as base, ThreadPoolExecutor(max_workers=2) as pool:
    tasks = [pool.submit(make_directories, base) for _ in range(2)]
    clashes = sum(task.result() for task in tasks)

assert clashes == 0, f"a directory was created twice ({clashes} clashes)"
