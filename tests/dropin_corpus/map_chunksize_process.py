"""ProcessPoolExecutor.map checks chunksize at call time; chunked results keep order."""
# sim: compare
from concurrent.futures import ProcessPoolExecutor

if __name__ == "__main__":
    with ProcessPoolExecutor(2) as ex:
        for chunksize in (0, -1):
            try:
                ex.map(abs, [1], chunksize=chunksize)
            except ValueError as e:
                print("ValueError", e)
        print(list(ex.map(abs, range(-7, 0), chunksize=3)))
        try:
            list(ex.map(divmod, [1, 2], [1, 0], chunksize=2))
        except ZeroDivisionError as e:
            print(type(e).__name__, e, type(e.__cause__).__name__)
