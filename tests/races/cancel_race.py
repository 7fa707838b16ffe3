"""Cancel racing a worker: the code assumes cancel() always wins."""

import time
from concurrent.futures import ThreadPoolExecutor

sent = []


def sync_inbox():
    for _ in range(2):
        time.sleep(0.005)  # the only worker is busy for 10 ms


def send(message):
    sent.append(message)


with ThreadPoolExecutor(max_workers=1) as pool:
    pool.submit(sync_inbox)
    job = pool.submit(send, "draft")  # queued behind the inbox sync
    time.sleep(0.01)  # 10 ms later the user presses "undo"...
    job.cancel()  # ...but the worker may have just picked the message up

print("sent:", sent)
assert sent == [], "a cancelled message was sent"
