"""os._exit in a process task breaks the pool like a crash."""
# sim: skip (os._exit in a virtual process ends the simulation; another branch fixes it)
import os
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool


def leave():
    os._exit(3)


if __name__ == "__main__":
    ex = ProcessPoolExecutor(1)
    f = ex.submit(leave)
    try:
        f.result()
    except BrokenProcessPool as e:
        print(type(e).__name__, e)
    try:
        ex.submit(abs, 1)
    except BrokenProcessPool as e:
        print("later:", e)
    ex.shutdown()
