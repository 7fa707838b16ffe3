"""Fixed twin of join_timeout_exit: join() without a timeout waits for the exit."""

import threading


def work():
    total = 0
    for n in range(150_000):
        total += n


worker = threading.Thread(target=work)
worker.start()
worker.join()
alive = worker.is_alive()
assert not alive, "join() returned with the worker still computing"
