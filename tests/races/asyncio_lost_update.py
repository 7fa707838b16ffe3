# real CPython 3.11: fails 6/60 with setswitchinterval(1e-6) (2 shared cores, load ~2)
# real CPython 3.13.0: fails 22/40 the same way
"""Lost update from asyncio: two `asyncio.to_thread` calls gathered by an event loop,
each a read-modify-write of one dict entry with no lock."""

import asyncio

visits = {"home": 0}


def record_visit(page):
    seen = visits[page]
    sum(range(100_000))  # ~1 ms of CPU, no blocking call (widens the window for real runs)
    visits[page] = seen + 1


async def main():
    await asyncio.gather(asyncio.to_thread(record_visit, "home"),
                         asyncio.to_thread(record_visit, "home"))


asyncio.run(main())
print("visits:", visits)
assert visits == {"home": 2}, f"lost update: {visits}"
