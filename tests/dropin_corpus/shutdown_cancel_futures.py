"""shutdown(cancel_futures=True) cancels what is queued, not what runs."""
# sim: compare
import threading
from concurrent.futures import CancelledError, ThreadPoolExecutor

started, gate = threading.Event(), threading.Event()


def first():
    started.set()
    gate.wait()
    return "first"


ex = ThreadPoolExecutor(1)
fs = [ex.submit(first)] + [ex.submit(abs, -i) for i in range(1, 4)]
started.wait()
ex.shutdown(wait=False, cancel_futures=True)  # the worker is still inside first()
gate.set()
for f in fs:
    try:
        print(f.result())
    except CancelledError as e:
        print("cancelled", repr(e), f)
ex.shutdown(wait=True, cancel_futures=True)
print("joined", [t.is_alive() for t in ex._threads])
