"""Pickling threading and queue objects fails with the C type's name."""
# sim: compare
import pickle
import queue
import threading

for make in (threading.Lock, threading.RLock, threading.Condition,
             lambda: threading.Condition(threading.Lock()), threading.Event,
             threading.Semaphore, threading.BoundedSemaphore, lambda: threading.Barrier(2),
             queue.Queue, queue.SimpleQueue):
    for protocol in (0, 1, pickle.DEFAULT_PROTOCOL, pickle.HIGHEST_PROTOCOL):
        try:
            pickle.dumps(make(), protocol=protocol)
        except (TypeError, pickle.PicklingError) as e:
            print(protocol, type(e).__name__, e)
