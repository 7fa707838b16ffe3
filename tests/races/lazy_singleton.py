# real CPython 3.11: fails 12/60 with setswitchinterval(1e-6) (2 shared cores, load ~20)
"""Check-then-act initialisation: `if cls._instance is None: cls._instance = cls()` from two
pool tasks can construct the singleton twice (no blocking call in the window)."""

from concurrent.futures import ThreadPoolExecutor


class Config:
    _instance = None
    constructed = 0

    def __init__(self):
        Config.constructed += 1
        self.values = {k: k.upper() for k in ("host", "port")}  # "loading" the settings
        sum(range(100_000))  # ~1 ms of CPU, no blocking call (widens the window for real runs)

    @classmethod
    def get(cls):
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance


with ThreadPoolExecutor(max_workers=2) as pool:
    pool.submit(Config.get)
    pool.submit(Config.get)

print("constructed:", Config.constructed)
assert Config.constructed == 1, f"constructed {Config.constructed} times"
