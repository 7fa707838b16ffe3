"""Lock-order deadlock, fixed: every task takes the locks in one global order."""

import threading
from concurrent.futures import ThreadPoolExecutor

accounts = threading.Lock()
audit = threading.Lock()


def transfer():
    with accounts:
        with audit:
            return "transfer"


def report():
    with accounts:
        with audit:
            return "report"


with ThreadPoolExecutor(max_workers=2) as pool:
    jobs = [pool.submit(transfer), pool.submit(report)]
    print([job.result() for job in jobs])
