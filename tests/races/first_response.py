"""First response wins: check-then-act on a shared Future.  Two answers close together can
both see "not done" and both set a result (InvalidStateError)."""

import time
from concurrent.futures import Future, ThreadPoolExecutor

answer = Future()


def ask(server, latency):
    time.sleep(latency)
    if not answer.done():
        print(f"{server} answered first")  # any blocking call between check and act
        answer.set_result(server)


with ThreadPoolExecutor(max_workers=2) as pool:
    jobs = [pool.submit(ask, "eu", 0.05), pool.submit(ask, "us", 0.05)]
    print("using", answer.result())
    for job in jobs:
        job.result()  # re-raises a task's InvalidStateError
