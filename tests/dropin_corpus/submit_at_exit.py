"""Submitting from an atexit handler, after the interpreter began shutting down."""
# sim: skip (atexit handlers run after the simulation has ended, outside it: not modelled yet)
import atexit
from concurrent.futures import ThreadPoolExecutor

ex = ThreadPoolExecutor(1)
print(ex.submit(abs, -1).result())


def late():
    try:
        ex.submit(abs, 2)
    except RuntimeError as e:
        print("atexit:", type(e).__name__, e)


atexit.register(late)
print("main done")
