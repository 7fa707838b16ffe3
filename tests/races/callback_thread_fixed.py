"""A done-callback on an unexpected thread, fixed: the callback only hands the future over;
the main thread does the UI work."""

import queue
import threading
import time
from concurrent.futures import ThreadPoolExecutor

rendered_on = []
finished = queue.Queue()


def load():
    time.sleep(0.01)
    return "data"


def render(future):
    rendered_on.append(threading.current_thread().name)


with ThreadPoolExecutor(max_workers=1) as pool:
    job = pool.submit(load)
    time.sleep(0.01)
    job.add_done_callback(finished.put)  # safe from any thread
    render(finished.get())

print("rendered on", rendered_on)
assert rendered_on == ["MainThread"], f"UI touched from {rendered_on}"
