"""Calling the API wrongly raises the stdlib's TypeErrors (qualified names included)."""
# sim: compare
from concurrent.futures import Future, ThreadPoolExecutor, wait

with ThreadPoolExecutor(1) as ex:
    calls = [
        lambda: ex.submit(),
        lambda: ex.submit(fn=abs),
        lambda: ex.shutdown(True, True),
        lambda: Future().set_result(),
        lambda: Future().add_done_callback(),
        lambda: Future(1),
        lambda: wait(),
        lambda: ex.map(),
        lambda: Future().result(1, 2),
        lambda: Future().done(1),
        lambda: ex.submit(abs, -1, 2).result(),
        lambda: ex.submit(abs, x=1).result(),
    ]
    for call in calls:
        try:
            call()
        except TypeError as e:
            print("TypeError:", e)
