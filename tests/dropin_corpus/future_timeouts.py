"""result()/exception() timing out, and TimeoutError's identity."""
# sim: compare
import concurrent.futures as cf

f = cf.Future()
for call in (f.result, f.exception):
    for timeout in (0, 0.01):
        try:
            call(timeout=timeout)
        except TimeoutError as e:
            print(type(e).__name__, repr(e), e.args)
print(cf.TimeoutError is TimeoutError, cf._base.TimeoutError is TimeoutError)
try:
    f.result(timeout=-1)
except TimeoutError as e:
    print("negative timeout:", repr(e))
