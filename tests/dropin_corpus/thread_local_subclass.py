# sim: compare
"""A threading.local subclass: __init__ runs once in the creating thread (by the
constructor) and once in each other thread at its first access, with the same arguments."""

import threading
from concurrent.futures import ThreadPoolExecutor


class Settings(threading.local):
    created_in = []

    def __init__(self, level):
        Settings.created_in.append(threading.current_thread().name)
        self.level = level


settings = Settings(5)


def bump():
    settings.level += 1
    return settings.level


with ThreadPoolExecutor(max_workers=1, thread_name_prefix="worker") as pool:
    print(pool.submit(bump).result(), pool.submit(bump).result())
print(settings.level, Settings.created_in)
