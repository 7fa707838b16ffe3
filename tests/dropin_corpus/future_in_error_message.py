# sim: compare
"""An uncaught exception whose message is a future (or holds one): the traceback
prints the future's repr after the program's code has ended."""

from concurrent.futures import ThreadPoolExecutor

with ThreadPoolExecutor(max_workers=1) as pool:
    future = pool.submit(int, "7")
print(future.result())
assert future.result() == 8, future
