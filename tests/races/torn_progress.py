"""A torn read after a long job: the importer publishes its end state in two steps (the last
row, then the "complete" flag).  A monitor that looks in between sees every row imported but
the job not complete, and raises a false alarm.  Only one moment in a long run is bad."""

import time
from concurrent.futures import ThreadPoolExecutor

ROWS = 20
progress = {"rows": 0, "complete": False}


def import_rows():
    for _ in range(ROWS):
        progress["rows"] += 1
        time.sleep(0)  # write the row: a blocking call
    progress["complete"] = True


def monitor():
    if progress["rows"] == ROWS and not progress["complete"]:
        return "ALARM: import stuck at 100%"
    return "ok"


with ThreadPoolExecutor(max_workers=2) as pool:
    job = pool.submit(import_rows)
    status = pool.submit(monitor).result()

print(status)
assert status == "ok", status
