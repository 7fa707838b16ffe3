# real CPython 3.11: fails 13/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Two threads complete one Future: each checks done() and then calls set_result(), with
nothing but the future's own lock between the check and the act (InvalidStateError when
both see "not done")."""

from concurrent.futures import Future, ThreadPoolExecutor

answer = Future()


def reply(server):
    if not answer.done():
        sum(range(100_000))  # ~1 ms of CPU, no blocking call (widens the window for real runs)
        answer.set_result(server)


with ThreadPoolExecutor(max_workers=2) as pool:
    jobs = [pool.submit(reply, "eu"), pool.submit(reply, "us")]
    for job in jobs:
        job.result()  # re-raises a reply's InvalidStateError

print("answer:", "eu" if answer.result() == "eu" else "us")
