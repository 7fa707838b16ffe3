"""A done-callback on an unexpected thread: it runs in the worker if the future is not done
yet, in the caller if it is.  Here it must touch state owned by the main ("UI") thread."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

rendered_on = []


def load():
    time.sleep(0.01)
    return "data"


def render(future):
    rendered_on.append(threading.current_thread().name)  # stand-in for a UI call


with ThreadPoolExecutor(max_workers=1) as pool:
    job = pool.submit(load)
    time.sleep(0.01)  # the UI draws a frame meanwhile
    job.add_done_callback(render)

print("rendered on", rendered_on)
assert rendered_on == ["MainThread"], f"UI touched from {rendered_on}"
