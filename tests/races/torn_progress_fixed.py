"""A torn read after a long job, fixed: the end state is published in one step, and the
monitor reads one consistent snapshot."""

import time
from concurrent.futures import ThreadPoolExecutor

ROWS = 20
progress = {"rows": 0, "complete": False}


def import_rows():
    for rows in range(1, ROWS + 1):
        complete = rows == ROWS
        progress.update(rows=rows, complete=complete)  # one step: no scheduling point inside
        time.sleep(0)


def monitor():
    snapshot = dict(progress)
    if snapshot["rows"] == ROWS and not snapshot["complete"]:
        return "ALARM: import stuck at 100%"
    return "ok"


with ThreadPoolExecutor(max_workers=2) as pool:
    job = pool.submit(import_rows)
    status = pool.submit(monitor).result()

print(status)
assert status == "ok", status
