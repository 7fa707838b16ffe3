# real CPython 3.11: fails 0/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Check-then-act initialisation, fixed: the check and the construction hold a lock."""

import threading
from concurrent.futures import ThreadPoolExecutor


class Config:
    _instance = None
    _lock = threading.Lock()
    constructed = 0

    def __init__(self):
        Config.constructed += 1
        self.values = {k: k.upper() for k in ("host", "port")}
        sum(range(100_000))

    @classmethod
    def get(cls):
        with cls._lock:
            if cls._instance is None:
                cls._instance = cls()
        return cls._instance


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(Config.get)
    pool.submit(Config.get)

print("constructed:", Config.constructed)
assert Config.constructed == 1, f"constructed {Config.constructed} times"
