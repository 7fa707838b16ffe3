# real CPython 3.11: fails 0/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Two threads complete one Future, fixed: the check and the act are one step under a lock."""

import threading
from concurrent.futures import Future, ThreadPoolExecutor

answer = Future()
answering = threading.Lock()


def reply(server):
    with answering:
        if not answer.done():
            sum(range(100_000))
            answer.set_result(server)


with ThreadPoolExecutor(max_workers=2) as pool:
    jobs = [pool.submit(reply, "eu"), pool.submit(reply, "us")]
    for job in jobs:
        job.result()

print("answer:", "eu" if answer.result() == "eu" else "us")
