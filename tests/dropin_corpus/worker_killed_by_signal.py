"""A worker killed by SIGKILL breaks the pool: the pending and the later-submit messages."""
# sim: compare
import os
import signal
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool


def die():
    os.kill(os.getpid(), signal.SIGKILL)


if __name__ == "__main__":
    ex = ProcessPoolExecutor(1)
    print(ex.submit(abs, -1).result())
    f = ex.submit(die)
    try:
        f.result()
    except BrokenProcessPool as e:
        print(type(e).__name__, repr(e), type(e.__cause__))
    try:
        ex.submit(abs, 1)
    except BrokenProcessPool as e:
        print("later:", e)
    print(f)
    ex.shutdown()
