"""An exception inside a with-block waits for the pool, then propagates (exit 1)."""
# sim: compare
import time
from concurrent.futures import ThreadPoolExecutor

with ThreadPoolExecutor(2) as ex:
    f = ex.submit(time.sleep, 0.02)
    g = ex.submit(print, "task ran")
    raise RuntimeError("main failed")
