"""Fixed twin of file_check_act: the check and the creation hold one lock."""

import os
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor

ROUNDS = 10
guard = threading.Lock()


def make_directories(base):
    clashes = 0
    for number in range(ROUNDS):
        path = os.path.join(base, str(number))
        with guard:
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
