"""Fixed twin of timer_during_work: the state is read before the timer is started."""

import queue
import threading

inbox = queue.Queue()
ready = threading.Event()
busy = threading.Lock()


def fire():
    inbox.put("tick")
    ready.set()
    busy.acquire()


seen = (not inbox.empty(), ready.is_set(), busy.locked())
timer = threading.Timer(0.002, fire)
timer.start()
sum(range(300_000))
timer.join()
assert not any(seen), f"the timer fired before it was started: {seen}"
