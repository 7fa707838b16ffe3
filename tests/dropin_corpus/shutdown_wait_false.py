"""shutdown(wait=False) returns before queued work runs; that work still completes."""
# sim: compare
import threading
from concurrent.futures import ThreadPoolExecutor

gate = threading.Event()
ex = ThreadPoolExecutor(2)
fs = [ex.submit(gate.wait) for _ in range(3)] + [ex.submit(pow, 2, 8)]
ex.shutdown(wait=False)
print("returned", fs[0].done())
gate.set()
print([f.result() for f in fs])
