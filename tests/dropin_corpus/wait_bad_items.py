"""Non-futures handed to wait()/as_completed(): the errors users get."""
# sim: compare
from concurrent.futures import Future, as_completed, wait

done = Future()
done.set_result(1)
attempts = [
    lambda: wait(5),
    lambda: wait([1]),
    lambda: wait([done, None], timeout=0),
    lambda: as_completed(5),
    lambda: next(as_completed(5)),
    lambda: next(as_completed([object()])),
    lambda: wait([[done]]),
]
for attempt in attempts:
    try:
        result = attempt()
    except (TypeError, AttributeError) as e:
        print(type(e).__name__, e)
    else:
        print("returned", type(result).__name__)
