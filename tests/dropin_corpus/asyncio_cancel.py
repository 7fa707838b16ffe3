"""Cancelling the asyncio side cancels a queued concurrent future; errors cross over."""
# sim: skip (asyncio is outside the simulator's patch mode)
import asyncio
import threading
from concurrent.futures import Future, InvalidStateError, ThreadPoolExecutor


async def main():
    gate = threading.Event()
    with ThreadPoolExecutor(1) as ex:
        ex.submit(gate.wait)
        queued = ex.submit(abs, -1)
        wrapped = asyncio.wrap_future(queued)
        print(wrapped.cancel())
        try:
            await wrapped
        except asyncio.CancelledError:
            print("awaited: cancelled")
        await asyncio.sleep(0.01)
        print("concurrent future:", queued.cancelled())
        gate.set()
    f = Future()
    f.set_exception(InvalidStateError("x"))
    try:
        await asyncio.wrap_future(f)
    except Exception as e:
        print(type(e).__module__, type(e).__name__, e)
    try:
        asyncio.wrap_future(object())
    except AssertionError as e:
        print("AssertionError", str(e).split(",")[0])


if __name__ == "__main__":
    asyncio.run(main())
