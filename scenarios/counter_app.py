"""A hit counter that pool threads bump: one increment without a lock, one with.

The user code of scenarios/data_race.yaml and scenarios/data_race_locked.yaml.
"""

import threading

hits = {"count": 0}
lock = threading.Lock()


def increment():
    count = hits["count"]  # read, ...
    hits["count"] = count + 1  # ... then write: another thread may write in between
    return count + 1


def increment_locked():
    with lock:
        count = hits["count"]
        hits["count"] = count + 1
        return count + 1


def total():
    return hits["count"]
