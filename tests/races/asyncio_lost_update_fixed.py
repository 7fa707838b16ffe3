# real CPython 3.11: fails 0/60 with setswitchinterval(1e-6) (2 shared cores, load ~2)
"""Lost update from asyncio, fixed: the read-modify-write holds a threading lock."""

import asyncio
import threading

visits = {"home": 0}
visits_lock = threading.Lock()


def record_visit(page):
    with visits_lock:
        seen = visits[page]
        sum(range(100_000))
        visits[page] = seen + 1


async def main():
    await asyncio.gather(asyncio.to_thread(record_visit, "home"),
                         asyncio.to_thread(record_visit, "home"))


asyncio.run(main())
print("visits:", visits)
assert visits == {"home": 2}, f"lost update: {visits}"
