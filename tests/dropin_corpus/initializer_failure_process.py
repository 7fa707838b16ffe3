"""A failing process initializer breaks the pool (messages of pending and later submits)."""
# sim: compare
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool


def init():
    raise ValueError("bad init")


if __name__ == "__main__":
    ex = ProcessPoolExecutor(1, initializer=init)
    f = ex.submit(abs, -1)
    try:
        f.result()
    except BrokenProcessPool as e:
        print(type(e).__name__, e)
    try:
        ex.submit(abs, 1)
    except BrokenProcessPool as e:
        print("later:", e)
    ex.shutdown()
