"""Lock-order deadlock: two tasks take the same two locks in opposite orders."""

import threading
from concurrent.futures import ThreadPoolExecutor

accounts = threading.Lock()
audit = threading.Lock()


def transfer():
    with accounts:
        with audit:
            return "transfer"


def report():
    with audit:
        with accounts:
            return "report"


with ThreadPoolExecutor(max_workers=2) as pool:
    jobs = [pool.submit(transfer), pool.submit(report)]
    print([job.result() for job in jobs])
