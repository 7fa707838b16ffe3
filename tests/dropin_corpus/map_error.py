"""An exception inside map() surfaces at its item; earlier results come first."""
# sim: compare
from concurrent.futures import ThreadPoolExecutor


def inv(x):
    return 1 / x


with ThreadPoolExecutor(2) as ex:
    results = ex.map(inv, [1, 2, 0, 4])
    print(type(results).__name__)
    try:
        for r in results:
            print(r)
    except ZeroDivisionError as e:
        print(type(e).__name__, e)
    print(list(ex.map(inv, [])))
    try:
        ex.map(inv, 5)
    except TypeError as e:
        print("TypeError", e)
    print(list(ex.map(pow, [2, 3], [5], timeout=None, chunksize=7)))
