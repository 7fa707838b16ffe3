"""Cancel racing a worker, fixed: when cancel() loses, the send is undone."""

import time
from concurrent.futures import ThreadPoolExecutor

sent = []


def sync_inbox():
    for _ in range(2):
        time.sleep(0.005)


def send(message):
    sent.append(message)


with ThreadPoolExecutor(max_workers=1) as pool:
    pool.submit(sync_inbox)
    job = pool.submit(send, "draft")
    time.sleep(0.01)
    if not job.cancel():  # too late: the task is running or done
        job.result()
        sent.remove("draft")  # recall the message

print("sent:", sent)
assert sent == [], "a cancelled message was sent"
