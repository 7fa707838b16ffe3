"""First response wins, fixed: set_result is the check; the loser's InvalidStateError is
expected and ignored."""

import time
from concurrent.futures import Future, InvalidStateError, ThreadPoolExecutor

answer = Future()


def ask(server, latency):
    time.sleep(latency)
    try:
        answer.set_result(server)
    except InvalidStateError:
        return  # someone else answered first
    print(f"{server} answered first")


with ThreadPoolExecutor(max_workers=2) as pool:
    jobs = [pool.submit(ask, "eu", 0.05), pool.submit(ask, "us", 0.05)]
    print("using", answer.result())
    for job in jobs:
        job.result()
