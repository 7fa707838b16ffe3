"""map(timeout=...) raises TimeoutError from the generator; the rest is cancelled."""
# sim: compare
import threading
from concurrent.futures import ThreadPoolExecutor, TimeoutError

gate = threading.Event()
with ThreadPoolExecutor(1) as ex:
    it = ex.map(lambda x: gate.wait() and x, range(4), timeout=0.05)
    try:
        next(it)
    except TimeoutError as e:
        print(type(e).__name__, repr(e))
    print(next(it, "exhausted"))
    gate.set()
