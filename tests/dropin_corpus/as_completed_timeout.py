"""as_completed's TimeoutError text, duplicates yielded once, finished first."""
# sim: compare
from concurrent.futures import Future, TimeoutError, as_completed

done1, done2, pending = Future(), Future(), Future()
done1.set_result(1)
done2.set_exception(OSError(2, "nope"))
seen = []
try:
    for f in as_completed([pending, done1, done2, done1, pending], timeout=0.05):
        seen.append(f is done1 or f is done2)
except TimeoutError as e:
    print(type(e).__name__, repr(e), str(e))
print(seen)
try:
    next(as_completed([pending], timeout=0))
except TimeoutError as e:
    print(repr(e))
print(list(as_completed([])))
