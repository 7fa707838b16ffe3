"""wait(): never raises on timeout; return_when; a bad return_when."""
# sim: compare
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION, Future, wait

ok, bad, pending = Future(), Future(), Future()
ok.set_result(1)
bad.set_exception(ValueError())
names = {ok: "ok", bad: "bad", pending: "pending"}


def show(result):
    return (sorted(names[f] for f in result.done), sorted(names[f] for f in result.not_done))


print(type(wait([ok])).__name__, wait([ok])._fields)
print(show(wait([ok, pending], timeout=0.01)))
print(show(wait([ok, pending], return_when=FIRST_COMPLETED)))
print(show(wait([bad, pending], return_when=FIRST_EXCEPTION)))
print(show(wait([ok, pending], timeout=0, return_when=FIRST_EXCEPTION)))
print(show(wait([ok, bad], return_when=ALL_COMPLETED)))
for when in ("NOPE", None):
    try:
        print(show(wait([pending], timeout=0, return_when=when)))
    except ValueError as e:
        print("ValueError", e)
print(show(wait([ok], return_when="NOPE")))
